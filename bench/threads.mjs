// `node bench/threads.mjs FILE [--json] [RUNS]` (after `npm run build`): `falcoshark analyze`
// with one thread and with two, interleaved (1, 2, 1, 2, …: a shared machine's other load falls
// on both alike), RUNS of each (default 5); prints every wall time and the medians.
import { spawnSync } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';

const [file, ...rest] = process.argv.slice(2);
if (!file) throw new Error('usage: node bench/threads.mjs FILE [--json] [RUNS]');
const json = rest.includes('--json');
const runs = Number(rest.find((a) => /^\d+$/.test(a)) ?? 5);
const times = { 1: [], 2: [] };
for (let i = 0; i < runs; i++) {
  for (const t of [1, 2]) {
    const out = openSync('/dev/null', 'w');
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, ['dist/cli.js', 'analyze', file, ...(json ? ['--json'] : [])],
      { stdio: ['ignore', out, 'inherit'], env: { ...process.env, FALCOSHARK_THREADS: String(t) } });
    times[t].push(Number(process.hrtime.bigint() - t0) / 1e9);
    closeSync(out);
    if (r.status !== 0) throw new Error(`analyze exited with ${r.status}`);
  }
}
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
for (const t of [1, 2]) console.log(`${t === 1 ? 'one thread ' : 'two threads'} ${times[t].map((x) => x.toFixed(2)).join(' ')}  median ${median(times[t]).toFixed(2)} s`);
console.log(`two threads / one: ${(median(times[2]) / median(times[1])).toFixed(2)}`);
