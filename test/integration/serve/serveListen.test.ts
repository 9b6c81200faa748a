// `falcoshark serve` refuses to listen beyond loopback without a webhook token: an open webhook
// there would let anyone who reaches it start captures. Loopback needs none; any other
// address (every interface included) starts only with one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { isLoopbackHost } from '../../../src/core/alerts/sources/alertSources.js';

const ROOT = resolve(__dirname, '..', '..', '..');

test('isLoopbackHost: 127.0.0.0/8, ::1 in any spelling, localhost; nothing else', () => {
  for (const h of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1', 'localhost', 'LOCALHOST']) assert.equal(isLoopbackHost(h), true, h);
  for (const h of ['0.0.0.0', '::', '[::]', '10.244.0.5', '192.168.1.2', '::ffff:10.0.0.1', 'fe80::1', 'example.internal', 'localhost.example.com', '127.0.0.1.nip.io', '']) {
    assert.equal(isLoopbackHost(h), false, h);
  }
});

interface Run { code: number | null; stdout: string; stderr: string }

/** Runs serve until it prints its webhook URL (then SIGTERM) or exits by itself. */
function serve(args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'cli', 'main.ts'), 'serve', '--webhook-port', '0', '--port', '0', ...args],
      { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => { child.kill('SIGKILL'); rej(new Error(`serve neither started nor exited in 30 s: ${stdout}${stderr}`)); }, 30_000);
    child.stdout.on('data', (b: Buffer) => { stdout += b.toString(); if (/captures: http/.test(stdout)) child.kill('SIGTERM'); });
    child.stderr.on('data', (b: Buffer) => { stderr += b.toString(); });
    child.on('close', (code) => { clearTimeout(timer); res({ code, stdout, stderr }); });
  });
}

test('serve --host 0.0.0.0 without a webhook token exits 1 and says why; with one, or on loopback, it listens', { timeout: 120_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fs-serve-listen-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // A kubeconfig serve can load (nothing is asked of its cluster before an alert comes).
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, JSON.stringify({ apiVersion: 'v1', kind: 'Config', 'current-context': 'c',
    clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:9' } }], users: [{ name: 'u', user: { token: 'x' } }],
    contexts: [{ name: 'c', context: { cluster: 'c', user: 'u' } }] }));
  const tokenFile = join(dir, 'webhook-token');
  writeFileSync(tokenFile, 'hook-token-0123456789\n');
  const env = { KUBECONFIG: kubeconfig, FALCOSHARK_API_TOKEN: 'api-token-0123456789', FALCOSHARK_WEBHOOK_TOKEN: '' };
  const captures = ['--captures', join(dir, 'captures')];

  for (const host of ['0.0.0.0', '::', '10.244.0.5']) {
    const open = await serve(['--host', host, ...captures], env);
    assert.equal(open.code, 1, `--host ${host} without a token: ${open.stdout}${open.stderr}`);
    assert.match(open.stderr, new RegExp(`--host ${host.replace(/\./g, '\\.')} listens beyond loopback: the webhook then needs a token \\(--webhook-token-file or FALCOSHARK_WEBHOOK_TOKEN\\)`));
    assert.doesNotMatch(open.stdout, /alerts in:/, 'nothing listened');
  }

  const withFile = await serve(['--host', '0.0.0.0', '--webhook-token-file', tokenFile, ...captures], env);
  assert.match(withFile.stdout, /alerts in: POST http:\/\/0\.0\.0\.0:\d+\/? .*with a bearer token/, withFile.stderr);
  const withEnv = await serve(['--host', '0.0.0.0', ...captures], { ...env, FALCOSHARK_WEBHOOK_TOKEN: 'hook-token-from-env' });
  assert.match(withEnv.stdout, /with a bearer token/, withEnv.stderr);
  const loopback = await serve(['--host', '127.0.0.1', ...captures], env);
  assert.match(loopback.stdout, /alerts in: POST http:\/\/127\.0\.0\.1:\d+/, loopback.stderr);
  assert.doesNotMatch(loopback.stdout, /with a bearer token/);
});
