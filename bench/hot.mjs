// `node bench/hot.mjs FILE [RUNS]` (or `npm run bench:hot -- FILE`): bench/hotLoop.ts bundled by
// esbuild as the CLI is (dist/bench/hotLoop.cjs), then run. Under tsx the same code runs about
// three times slower (each module's exports become getters that V8 does not inline across the
// hot loop's calls: 8.3 s against 2.5 s for the analysis of the many-flows capture, measured
// 2026-12-01), so a hot-path change must be timed bundled.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';

const outfile = 'dist/bench/hotLoop.cjs';
await build({ entryPoints: ['bench/hotLoop.ts'], outfile, bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'warning' });
const r = spawnSync(process.execPath, [outfile, ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(r.status ?? 1);
