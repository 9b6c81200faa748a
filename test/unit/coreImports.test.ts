import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

test('src/core never imports vscode (the lint check passes on this tree)', () => {
  const r = spawnSync(process.execPath, ['scripts/check-core-imports.mjs'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
});
