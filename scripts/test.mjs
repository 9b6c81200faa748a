// Runs every test file with node's built-in test runner (TypeScript through tsx).
// Usage: node scripts/test.mjs [dir-or-file ...]   (default: test/unit test/integration test/e2e)
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const args = process.argv.slice(2);
const roots = args.length ? args : ['test/unit', 'test/integration', 'test/e2e'];
const files = [];
function walk(p) {
  if (!existsSync(p)) return;
  if (statSync(p).isFile()) { files.push(p); return; }
  for (const e of readdirSync(p).sort()) {
    const q = join(p, e);
    if (statSync(q).isDirectory()) { if (e !== 'fixtures') walk(q); }
    else if (/\.test\.(ts|mts)$/.test(e)) files.push(q);
  }
}
roots.forEach(walk);
if (files.length === 0) {
  console.error(`no test files under ${roots.join(', ')}`);
  process.exit(1);
}
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
