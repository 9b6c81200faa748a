// The constant sh wrapper the ephemeral capture container runs the tool under: the tool stops
// (SIGINT) when stdin ends, the wrapper exits by itself when the tool does, and the tool's
// argv is passed as data ("$@"), never parsed as shell text.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { STOP_ON_STDIN_EOF } from '../../../src/core/capture/podRunner.js';

function run(argv: string[], endStdinAfterMs?: number): Promise<{ code: number | null; stdout: string; ms: number }> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const child = spawn('sh', ['-c', STOP_ON_STDIN_EOF, 'falcoshark-capture', ...argv], { stdio: ['pipe', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (b: Buffer) => { stdout += b.toString(); });
    if (endStdinAfterMs !== undefined) setTimeout(() => child.stdin.end(), endStdinAfterMs);
    child.on('close', (code) => resolve({ code, stdout, ms: Date.now() - t0 }));
  });
}

test('ending stdin stops a tool that would run for minutes, with SIGTERM', { timeout: 20_000 }, async () => {
  const r = await run(['sleep', '300'], 300);
  assert.ok(r.ms < 5000, `stopped after ${r.ms} ms`);
  assert.equal(r.code, 143, 'sleep died of SIGTERM (128 + 15)');
});

test('a tool that ends by itself ends the wrapper, with its exit status, stdin still open', async () => {
  const r = await run(['sh', '-c', 'echo done; exit 7']);
  assert.equal(r.code, 7);
  assert.equal(r.stdout, 'done\n');
});

test('the tool\'s arguments are data, not shell text', async () => {
  const r = await run(['printf', '%s|', '$(echo pwned)', '`id`', '; exit 3', '"$@"']);
  assert.equal(r.code, 0);
  assert.equal(r.stdout, '$(echo pwned)|`id`|; exit 3|"$@"|');
});
