// `node --import tsx bench/threads.ts FILE [--json] [RUNS]` (after `npm run build`): `falcoshark
// analyze` with one thread and with two, interleaved (1, 2, 1, 2, …: a shared machine's other load
// falls on both alike), RUNS of each (default 5), timed as the bench times every tool
// (measure.ts); prints every wall time and the medians.
import { measure } from './measure.js';

const [file, ...rest] = process.argv.slice(2);
if (!file) throw new Error('usage: node --import tsx bench/threads.ts FILE [--json] [RUNS]');
const json = rest.includes('--json');
const runs = Number(rest.find((a) => /^\d+$/.test(a)) ?? 5);
const argv = [process.execPath, 'dist/cli.js', 'analyze', file, ...(json ? ['--json'] : [])];
async function main(): Promise<void> {
  const seconds: Record<'1' | '2', number[]> = { 1: [], 2: [] };
  const rss: Record<'1' | '2', number> = { 1: 0, 2: 0 };
  for (let i = 0; i < runs; i++) {
    for (const t of ['1', '2'] as const) {
      const m = await measure(`analyze, ${t} thread(s)`, file, argv, { FALCOSHARK_THREADS: t });
      seconds[t].push(m.seconds);
      rss[t] = Math.max(rss[t], m.peakRssMiB);
    }
  }
  const median = (a: number[]): number => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
  for (const t of ['1', '2'] as const) {
    console.log(`${t === '1' ? 'one thread ' : 'two threads'} ${seconds[t].map((x) => x.toFixed(2)).join(' ')}  median ${median(seconds[t]).toFixed(2)} s, peak RSS ${rss[t].toFixed(0)} MiB`);
  }
  console.log(`two threads / one: ${(median(seconds['2']) / median(seconds['1'])).toFixed(2)}`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
