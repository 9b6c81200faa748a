// The build builds every target or fails naming the entry point that is missing (it used to
// drop such a target silently, and the package then lacked the extension or the webview).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BUILD = join(__dirname, '..', '..', 'scripts', 'build.mjs');

test('a missing entry point fails the build with its name, before anything is written', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fs-build-'));
  try {
    // Every entry but the webview's script.
    for (const f of ['src/cli/main.ts', 'src/extension/extension.ts', 'src/extension/analyzeWorker.ts', 'src/lab/cluster/main.ts', 'webview/flowSummary.css']) {
      mkdirSync(join(dir, f, '..'), { recursive: true });
      writeFileSync(join(dir, f), '');
    }
    const r = spawnSync(process.execPath, [BUILD], { cwd: dir, encoding: 'utf8' });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /^build: no webview\/main\.ts in /);
    assert.doesNotMatch(r.stderr, /src\/cli\/main\.ts/);
    const none = spawnSync(process.execPath, [BUILD], { cwd: tmpdir(), encoding: 'utf8' });
    assert.equal(none.status, 1);
    assert.match(none.stderr, /no src\/cli\/main\.ts, src\/extension\/extension\.ts, src\/extension\/analyzeWorker\.ts, src\/lab\/cluster\/main\.ts, webview\/main\.ts, webview\/flowSummary\.css/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
