// `npm run bench`: generates (does not commit) a large capture and measures, side by side in
// one run, `falcoshark analyze`, `tshark -q -z conv,tcp -z conv,udp`, the npm package
// `pcap-parser` iterating the same pcap file, and a plain read of the file (the I/O floor).
// Prints packets/s, MB/s, peak RSS and ratios. Never asserts on time: it reports.
//
// Environment:
//   BENCH_PACKETS   packets to generate (default 10,500,000 ≈ 1.1 GB)
//   BENCH_FLOWS     flows to generate (default 150,000)
//   BENCH_RUNS      runs of each fast tool, best taken (default 2)
//   BENCH_TSHARK=0  leave tshark out (it takes minutes and GBs of memory on the full file)
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { generateCapture } from './genCapture.js';

const PACKETS = Number(process.env.BENCH_PACKETS ?? 10_500_000);
const FLOWS = Number(process.env.BENCH_FLOWS ?? 150_000);
const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 2));
const WITH_TSHARK = process.env.BENCH_TSHARK !== '0';
const GEN_VERSION = 1;

interface Measure {
  tool: string;
  file: string;
  seconds: number;
  peakRssMiB: number;
  stdout: string;
}

/** Runs argv under GNU time (wall seconds, max RSS) with stdout captured. */
function measure(tool: string, file: string, argv: string[]): Promise<Measure> {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/time', ['-f', '__TIME__ %e %M', ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let outBytes = 0;
    child.stdout.on('data', (d: Buffer) => {
      outBytes += d.length;
      if (out.length < 1_000_000) out += d.toString('utf8');
    });
    child.stderr.on('data', (d: Buffer) => { err += d.toString('utf8'); });
    child.on('error', reject);
    child.on('close', (code) => {
      const m = /__TIME__ ([\d.]+) (\d+)/.exec(err);
      if (code !== 0 || !m) {
        reject(new Error(`${tool} failed (exit ${code}): ${err.slice(-2000)}`));
        return;
      }
      void outBytes;
      resolve({ tool, file, seconds: Number(m[1]), peakRssMiB: Number(m[2]) / 1024, stdout: out });
    });
  });
}

async function best(tool: string, file: string, argv: string[], runs: number): Promise<Measure> {
  let b: Measure | undefined;
  for (let i = 0; i < runs; i++) {
    const m = await measure(tool, file, argv);
    if (!b || m.seconds < b.seconds) b = { ...m, peakRssMiB: Math.max(m.peakRssMiB, b?.peakRssMiB ?? 0) };
  }
  return b!;
}

async function main(): Promise<void> {
  if (!existsSync('dist/cli.js')) throw new Error('dist/cli.js is missing: run `npm run build` first');
  const dir = 'bench/data';
  mkdirSync(dir, { recursive: true });
  const base = join(dir, `bench-v${GEN_VERSION}-${PACKETS}p-${FLOWS}f`);
  const files = { pcap: `${base}.pcap`, pcapng: `${base}.pcapng` };
  for (const fmt of ['pcap', 'pcapng'] as const) {
    if (!existsSync(files[fmt])) {
      const t0 = Date.now();
      const r = await generateCapture(files[fmt], fmt, { packets: PACKETS, flows: FLOWS, active: 2000, seed: 42 });
      console.log(`generated ${files[fmt]}: ${r.packets} packets, ${r.flows} flows, ${(r.bytes / 1e6).toFixed(0)} MB in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      writeFileSync(`${files[fmt]}.json`, JSON.stringify(r));
    }
  }
  const meta = JSON.parse((await import('node:fs')).readFileSync(`${files.pcap}.json`, 'utf8')) as { packets: number; flows: number };
  const node = process.execPath;
  const results: Measure[] = [];

  for (const fmt of ['pcap', 'pcapng'] as const) {
    const f = files[fmt];
    // Warm the page cache first so every tool reads from memory alike.
    await measure('warm-up', f, [node, 'bench/plainRead.mjs', f]);
    results.push(await best('plain read (node, 4 MiB buffer)', f, [node, 'bench/plainRead.mjs', f], RUNS));
    results.push(await best('falcoshark analyze --json', f, [node, 'dist/cli.js', 'analyze', '--json', f], RUNS));
    if (fmt === 'pcap') {
      results.push(await best('pcap-parser 0.2.1 (iterate only)', f, [node, 'bench/pcapParserIterate.cjs', f], 1));
    }
    if (WITH_TSHARK && fmt === 'pcap') {
      results.push(await measure('tshark -q -z conv,tcp -z conv,udp', f, ['tshark', '-q', '-z', 'conv,tcp', '-z', 'conv,udp', '-r', f]));
    }
  }

  // Sanity: falcoshark saw every packet and every flow (totals come first in its JSON).
  for (const r of results.filter((x) => x.tool.startsWith('falcoshark'))) {
    const m = /"totals":\{"packets":(\d+),.*?"flows":(\d+)/.exec(r.stdout.slice(0, 100_000));
    console.log(`check ${r.file}: falcoshark counted ${m?.[1]} packets (generated ${meta.packets}), ${m?.[2]} flows (generated ${meta.flows})`);
  }

  const sizeMB = (f: string): number => statSync(f).size / 1e6;
  console.log(`\nbench: ${meta.packets.toLocaleString('en')} packets, ${meta.flows.toLocaleString('en')} flows; pcap ${sizeMB(files.pcap).toFixed(0)} MB, pcapng ${sizeMB(files.pcapng).toFixed(0)} MB; ${RUNS} run(s) each, best shown\n`);
  const header = ['tool', 'file', 'seconds', 'Mpkt/s', 'MB/s', 'peak RSS MiB', 'vs falcoshark'];
  const rows: string[][] = [];
  for (const r of results) {
    const fs = results.find((x) => x.file === r.file && x.tool.startsWith('falcoshark'));
    const ratio = fs ? r.seconds / fs.seconds : NaN;
    rows.push([r.tool, r.file.endsWith('ng') ? 'pcapng' : 'pcap', r.seconds.toFixed(2), (meta.packets / r.seconds / 1e6).toFixed(2),
      (sizeMB(r.file) / r.seconds).toFixed(0), r.peakRssMiB.toFixed(0), `${ratio.toFixed(2)}×`]);
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i])).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  rows.forEach((r) => console.log(line(r)));
  console.log('\n("vs falcoshark" = that tool\'s time / falcoshark\'s time on the same file: >1 means falcoshark is faster)');
  const target = (name: string, ok: boolean, detail: string): void => console.log(`${ok ? 'MET ' : 'MISS'}  ${name}: ${detail}`);
  const fsP = results.find((x) => x.tool.startsWith('falcoshark') && x.file === files.pcap)!;
  const ts = results.find((x) => x.tool.startsWith('tshark'));
  const pp = results.find((x) => x.tool.startsWith('pcap-parser'))!;
  const pr = results.find((x) => x.tool.startsWith('plain') && x.file === files.pcap)!;
  console.log('');
  if (ts) target('≥ 20× tshark', ts.seconds / fsP.seconds >= 20, `${(ts.seconds / fsP.seconds).toFixed(1)}×`);
  target('faster than pcap-parser (while doing the whole analysis)', pp.seconds > fsP.seconds, `${(pp.seconds / fsP.seconds).toFixed(2)}×`);
  target('within 3× of a plain read', fsP.seconds <= 3 * pr.seconds, `${(fsP.seconds / pr.seconds).toFixed(2)}× the plain read`);
  const maxRss = Math.max(...results.filter((x) => x.tool.startsWith('falcoshark')).map((x) => x.peakRssMiB));
  target('peak memory under 300 MB', maxRss * 1.048576 < 300, `${(maxRss * 1.048576).toFixed(0)} MB`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
