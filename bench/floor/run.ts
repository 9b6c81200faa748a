// `npm run bench:floor -- [FILE] [RUNS]` (default: the many-flows pcap of `npm run bench`, 5
// runs): how far below the analyzer the per-packet work can go, in JavaScript and in
// WebAssembly. Builds assembly/loop.ts with the AssemblyScript compiler (a dev dependency) to
// bench/data/floor.wasm, then runs, interleaved RUNS times (a shared machine's other load falls
// on all alike), each timed as the bench times every tool (measure.ts): the plain read, the
// floor loop's decode and decode + flow table in JS and in wasm, and `falcoshark analyze` with
// one thread. Prints the medians and their ratio to the plain read. Classic pcap, Ethernet.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { measure } from '../measure.js';

const [fileArg, runsArg] = process.argv.slice(2);
const file = fileArg ?? 'bench/data/many-v1-600000f.pcap';
const runs = Number(runsArg ?? 5);
if (!existsSync(file)) throw new Error(`${file} is missing: \`npm run bench\` makes it (BENCH_ONLY=many), or name a little-endian µs Ethernet pcap`);
if (!existsSync('dist/cli.js')) throw new Error('dist/cli.js is missing: npm run build');
execFileSync('node_modules/.bin/asc', ['bench/floor/assembly/loop.ts', '-O3', '--runtime', 'stub', '--noAssert', '-o', 'bench/data/floor.wasm'], { stdio: 'inherit' });

const node = process.execPath;
const tools: [string, string[], Record<string, string>?][] = [
  ['plain read (node, 4 MiB buffer)', [node, 'bench/plainRead.mjs', file]],
  ['floor, JS: decode', [node, 'bench/floor/loop.mjs', 'js', 'decode', file]],
  ['floor, JS: decode + flow table', [node, 'bench/floor/loop.mjs', 'js', 'account', file]],
  ['floor, wasm: decode', [node, 'bench/floor/loop.mjs', 'wasm', 'decode', file]],
  ['floor, wasm: decode + flow table', [node, 'bench/floor/loop.mjs', 'wasm', 'account', file]],
  ['falcoshark analyze (table), 1 thread', [node, 'dist/cli.js', 'analyze', file], { FALCOSHARK_THREADS: '1' }],
];

async function main(): Promise<void> {
  const seconds = tools.map((): number[] => []);
  const rss = tools.map(() => 0);
  const outs = tools.map(() => '');
  for (let i = 0; i < runs; i++) {
    for (let t = 0; t < tools.length; t++) {
      const [name, argv, env] = tools[t];
      const m = await measure(name, file, argv, env);
      seconds[t].push(m.seconds);
      rss[t] = Math.max(rss[t], m.peakRssMiB);
      outs[t] = m.stdout;
    }
  }
  const median = (a: number[]): number => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
  const read = median(seconds[0]);
  console.log(`${file}, median of ${runs} interleaved runs`);
  console.log(`${'tool'.padEnd(40)} seconds  × read  peak RSS MiB  runs`);
  tools.forEach(([name], t) => {
    const s = median(seconds[t]);
    console.log(`${name.padEnd(40)} ${s.toFixed(2).padStart(7)}  ${(s / read).toFixed(2).padStart(5)}×  ${rss[t].toFixed(0).padStart(12)}  ${seconds[t].map((x) => x.toFixed(2)).join(' ')}`);
  });
  // The JS and wasm loops must have done the same work.
  for (const [a, b] of [[1, 3], [2, 4]]) {
    if (outs[a].trim() !== outs[b].trim()) throw new Error(`the JS and wasm loops disagree: ${outs[a].trim()} vs ${outs[b].trim()}`);
  }
  console.log(`JS and wasm agree: ${outs[2].trim()}`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
