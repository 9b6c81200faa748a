// `falcoshark watch` end to end (through tsx, stdin as the source): JSON lines, the table with
// escaped control characters, the skipped-line count and the json_output hint.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '../../..');
const FIX = join(ROOT, 'test/fixtures/falco');

function watch(args: string[], stdin: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'watch', ...args], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.on('data', (c: Buffer) => { stdout += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
    const kill = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('exit', (code) => { clearTimeout(kill); resolve({ code, stdout, stderr }); });
    child.stdin.end(stdin);
  });
}

const input = [
  readFileSync(join(FIX, 'falco-website_blog-openfaas_shell-and-k8s-api-connection.jsonl'), 'utf8'),
  readFileSync(join(FIX, 'public-tutorial_text-output_reverse-shell-redirect-stdout.txt'), 'utf8'),
  JSON.stringify({ time: '2026-01-01T00:00:00Z', rule: 'evil\u001b[2J\u001b]0;pwned\u0007', priority: 'Critical', output: 'o', output_fields: { 'proc.cmdline': 'x\u001b[31my' } }),
  '',
].join('\n');

test('watch --file - --json: one JSON alert per line, skipped lines counted, hint shown', async () => {
  const r = await watch(['--file', '-', '--json'], input);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { source: string; alert: { rule: string; network: unknown } });
  assert.equal(lines.length, 3);
  assert.equal(lines[1].alert.rule, 'Contact K8S API Server From Container');
  assert.equal(lines[2].alert.rule, 'evil\u001b[2J\u001b]0;pwned\u0007');
  assert.match(r.stderr, /skipped 5 non-alert lines \(3 text-alert, 2 not-json\)/);
  assert.match(r.stderr, /--set falco\.json_output=true/);
  assert.ok(!r.stdout.includes('\u001b'));
});

test('watch --file -: the table escapes control characters', async () => {
  const r = await watch(['--file', '-'], input);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^TIME\s+PRIORITY\s+RULE/);
  assert.match(r.stdout, /172\.17\.0\.9:43812->10\.96\.0\.1:443/);
  assert.match(r.stdout, /evil\\x1b\[2J/);
  assert.ok(!(r.stdout + r.stderr).includes('\u001b') && !(r.stdout + r.stderr).includes('\u0007'));
});

test('watch: usage errors exit 2', async () => {
  const r = await watch(['--webhook', '99999'], '');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--webhook needs a port number/);
});
