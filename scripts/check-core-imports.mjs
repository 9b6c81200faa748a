// Fails when anything under src/core (or src/shared) imports `vscode`: the core must run
// in the CLI, in tests and in `falcoshark serve`, where there is no VS Code.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const roots = ['src/core', 'src/shared', 'src/cli'];
const re = /(?:from\s+['"]vscode['"]|require\(\s*['"]vscode['"]\s*\)|import\(\s*['"]vscode['"]\s*\))/;
const bad = [];
function walk(dir) {
  let entries;
  try { entries = readdirSync(dir); } catch { return; }
  for (const e of entries) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) walk(p);
    else if (/\.(ts|mts|cts|js|mjs)$/.test(e) && re.test(readFileSync(p, 'utf8'))) bad.push(p);
  }
}
roots.forEach(walk);
if (bad.length) {
  console.error(`These files must not import 'vscode' (core code runs without VS Code):\n  ${bad.join('\n  ')}`);
  process.exit(1);
}
console.log(`check-core-imports: ${roots.join(', ')} are free of 'vscode' imports`);
