// Runs every test file with node's built-in test runner (TypeScript through tsx).
// Usage: node scripts/test.mjs [dir-or-file ...]   (default: test/unit test/integration test/e2e)
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

// test/cluster runs after the others, one file at a time: its files share one real lab cluster
// (`falcoshark lab up --name tests`, started by the first file that needs it) and change it
// (pods deleted, ephemeral containers added). That cluster is stopped at the end.
const args = process.argv.slice(2);
const roots = args.length ? args : ['test/unit', 'test/integration', 'test/e2e', 'test/cluster'];
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
const isCluster = (f) => f.split(/[\\/]/).includes('cluster') && f.split(/[\\/]/)[0] === 'test' && f.split(/[\\/]/)[1] === 'cluster';
const parallel = files.filter((f) => !isCluster(f));
const serial = files.filter(isCluster);
let status = 0;
if (parallel.length) {
  // --test-force-exit: a file whose tests are done ends even if it left a handle open (a watch,
  // a socket), so one forgotten handle cannot hold CI until its time limit.
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-force-exit', '--test-concurrency=2', ...parallel], { stdio: 'inherit' });
  status = r.status ?? 1;
}
if (serial.length) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-force-exit', '--test-concurrency=1', ...serial], { stdio: 'inherit' });
  if (status === 0) status = r.status ?? 1;
  const shared = process.env.FALCOSHARK_TEST_CLUSTER ?? 'tests';
  if (process.env.FALCOSHARK_KEEP_TEST_CLUSTER !== '1' && existsSync(`/var/lib/falcoshark-lab/${shared}`)) {
    spawnSync(process.execPath, ['dist/cli.js', 'lab', 'down', '--name', shared], { stdio: 'inherit' });
  }
}
process.exit(status);
