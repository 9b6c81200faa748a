// The lab's command and test prerequisites without root: `lab up` says plainly that it needs
// root, and under CI=true a missing prerequisite of the real-cluster tests fails instead of
// skipping. (From the former test/integration/lab/units.test.ts; its other tests checked the API
// imitation's own selectors, patches, tables and messages, gone with it.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { buildSync } from 'esbuild';
import { join } from 'node:path';

/** Runs `code` (TypeScript, resolved from the repository) as the unprivileged user 65534. The
 *  code is bundled into a world-readable temporary folder first: a checkout may sit in a folder
 *  only root can read (e.g. one made by mktemp -d), which the unprivileged user cannot load from. */
function runAsNobody(code: string, env: NodeJS.ProcessEnv): string {
  const dir = mkdtempSync(join(tmpdir(), 'fs-nobody-'));
  try {
    chmodSync(dir, 0o755);
    const out = join(dir, 'main.js');
    buildSync({ stdin: { contents: code, resolveDir: join(__dirname, '..', '..', '..'), loader: 'ts' }, bundle: true, platform: 'node', format: 'cjs', outfile: out, logLevel: 'silent' });
    chmodSync(out, 0o644);
    return execFileSync(process.execPath, [out], { cwd: dir, uid: 65534, gid: 65534, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '', HOME: '/tmp', ...env } });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('lab up without root says plainly that it needs root', { skip: process.getuid?.() !== 0 ? 'needs root to switch to an unprivileged user' : undefined }, () => {
  const code = "require('./src/cli/labCommand.ts').labCommand.run(['up']).then((c) => { process.exitCode = c; })";
  let stderr = ''; let status = 0;
  try {
    runAsNobody(code, {});
  } catch (e) {
    const err = e as { status?: number; stderr?: string };
    status = err.status ?? -1; stderr = err.stderr ?? '';
  }
  assert.equal(status, 1, stderr);
  assert.match(stderr, /falcoshark lab needs root: it runs a kubelet, containerd and network namespaces/);
});

test('under CI=true a missing prerequisite fails loudly instead of skipping', { skip: process.getuid?.() !== 0 ? 'needs root to switch to an unprivileged user' : undefined }, () => {
  const code = "const { clusterSkipReason } = require('./test/support/clusterLab.ts'); console.log(String(clusterSkipReason()))";
  const run = (ci: string): { status: number; out: string } => {
    try {
      return { status: 0, out: runAsNobody(code, { CI: ci }) };
    } catch (e) {
      const err = e as { status?: number; stderr?: string };
      return { status: err.status ?? -1, out: err.stderr ?? '' };
    }
  };
  const local = run('');
  assert.equal(local.status, 0);
  assert.match(local.out, /real-cluster tests need root/);
  const ci = run('true');
  assert.notEqual(ci.status, 0);
  assert.match(ci.out, /CI=true: failing instead of skipping/);
});
