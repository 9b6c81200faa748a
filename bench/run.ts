// `npm run bench`: generates (does not commit) two large captures and measures, side by side in
// one run, `falcoshark analyze` (--json and the table), `tshark -q -z conv,tcp -z conv,udp`, the
// npm package `pcap-parser` iterating the same pcap file, the extension's analysis of it (its worker
// sending the flows as columns, bench/extensionAnalysis.ts), and a plain read of the file (the I/O
// floor); then our DNS parser against the npm package dns-packet on the many-flows capture's
// DNS messages (bench/dnsCompare.ts). Prints packets/s, MB/s, peak RSS, ratios and the load
// average around each run (other work on the machine skews times: repeat when it was busy).
// Never asserts on time: it reports.
//
// The captures (bench/data/, git-ignored, made once):
//   bulk        genCapture.ts: 10.5 M packets, 150,000 flows, mostly bulk TCP (pcap and pcapng)
//   many-flows  genManyFlows.ts: 600,000 flows, 46% of them DNS (a busy node during an
//               incident: port scan, DNS tunnel, HTTPS, HTTP), ~1.1 GB, 7.4 M packets (pcap and pcapng)
//
// Environment:
//   BENCH_PACKETS, BENCH_FLOWS   the bulk capture (default 10,500,000 packets, 150,000 flows)
//   BENCH_MANY_FLOWS             flows of the many-flows capture (default 600,000)
//   BENCH_RUNS                   runs of each fast tool, best taken (default 2)
//   BENCH_TSHARK=0               leave tshark out (minutes and GBs of memory per capture)
//   BENCH_ONLY=bulk|many         one capture only
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { build } from 'esbuild';
import { join } from 'node:path';
import { generateCapture } from './genCapture.js';
import { generateManyFlows } from './genManyFlows.js';
import { compareDns, dnsMessages } from './dnsCompare.js';
import { best, measure, type Measure } from './measure.js';

const PACKETS = Number(process.env.BENCH_PACKETS ?? 10_500_000);
const FLOWS = Number(process.env.BENCH_FLOWS ?? 150_000);
const MANY_FLOWS = Number(process.env.BENCH_MANY_FLOWS ?? 600_000);
const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 2));
const WITH_TSHARK = process.env.BENCH_TSHARK !== '0';
const ONLY = process.env.BENCH_ONLY;
const GEN_VERSION = 1;
const MANY_VERSION = 1;

interface Capture {
  name: string;
  files: { pcap: string; pcapng: string };
  packets: number;
  flows: number;
  dnsFlows?: number;
}

async function bulkCapture(dir: string): Promise<Capture> {
  const base = join(dir, `bench-v${GEN_VERSION}-${PACKETS}p-${FLOWS}f`);
  const files = { pcap: `${base}.pcap`, pcapng: `${base}.pcapng` };
  for (const fmt of ['pcap', 'pcapng'] as const) {
    if (existsSync(`${files[fmt]}.json`)) continue;
    const t0 = Date.now();
    const r = await generateCapture(files[fmt], fmt, { packets: PACKETS, flows: FLOWS, active: 2000, seed: 42 });
    console.log(`generated ${files[fmt]}: ${r.packets} packets, ${r.flows} flows, ${(r.bytes / 1e6).toFixed(0)} MB in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    writeFileSync(`${files[fmt]}.json`, JSON.stringify(r));
  }
  const meta = JSON.parse(readFileSync(`${files.pcap}.json`, 'utf8')) as { packets: number; flows: number };
  return { name: 'bulk', files, packets: meta.packets, flows: meta.flows };
}

async function manyFlowsCapture(dir: string): Promise<Capture> {
  const base = join(dir, `many-v${MANY_VERSION}-${MANY_FLOWS}f`);
  const files = { pcap: `${base}.pcap`, pcapng: `${base}.pcapng` };
  for (const fmt of ['pcap', 'pcapng'] as const) {
    if (existsSync(`${files[fmt]}.json`)) continue;
    const t0 = Date.now();
    const r = await generateManyFlows(files[fmt], fmt, { flows: MANY_FLOWS, seed: 7, seconds: 600 });
    console.log(`generated ${files[fmt]}: ${r.packets} packets, ${r.flows} flows (${r.dnsFlows} DNS), ${(r.bytes / 1e6).toFixed(0)} MB in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    writeFileSync(`${files[fmt]}.json`, JSON.stringify(r));
  }
  const meta = JSON.parse(readFileSync(`${files.pcap}.json`, 'utf8')) as { packets: number; flows: number; dnsFlows: number };
  return { name: 'many-flows', files, packets: meta.packets, flows: meta.flows, dnsFlows: meta.dnsFlows };
}

const FS_JSON = 'falcoshark analyze --json';
const FS_TABLE = 'falcoshark analyze (table)';
const FS_JSON2 = 'falcoshark analyze --json, 2 threads';
const FS_TABLE2 = 'falcoshark analyze (table), 2 threads';
const FS_EXT = 'falcoshark extension (worker → columns)';
const EXT_SCRIPT = 'dist/bench/extensionAnalysis.cjs';

async function measureCapture(c: Capture): Promise<Measure[]> {
  const node = process.execPath;
  const out: Measure[] = [];
  for (const fmt of ['pcap', 'pcapng'] as const) {
    const f = c.files[fmt];
    await measure('warm-up', f, [node, 'bench/plainRead.mjs', f]); // the page cache holds the file for every tool alike
    out.push(await best('plain read (node, 4 MiB buffer)', f, [node, 'bench/plainRead.mjs', f], RUNS));
    const one = { FALCOSHARK_THREADS: '1' };
    out.push(await best(FS_JSON, f, [node, 'dist/cli.js', 'analyze', '--json', f], RUNS, one));
    out.push(await best(FS_TABLE, f, [node, 'dist/cli.js', 'analyze', f], RUNS, one));
    const two = { FALCOSHARK_THREADS: '2' };
    out.push(await best(FS_JSON2, f, [node, 'dist/cli.js', 'analyze', '--json', f], RUNS, two));
    out.push(await best(FS_TABLE2, f, [node, 'dist/cli.js', 'analyze', f], RUNS, two));
    if (fmt === 'pcap') {
      out.push(await best(FS_EXT, f, [node, EXT_SCRIPT, f], RUNS));
      out.push(await best('pcap-parser 0.2.1 (iterate only)', f, [node, 'bench/pcapParserIterate.cjs', f], 1));
      if (WITH_TSHARK) out.push(await measure('tshark -q -z conv,tcp -z conv,udp', f, ['tshark', '-q', '-z', 'conv,tcp', '-z', 'conv,udp', '-r', f]));
    }
  }
  return out;
}

function report(c: Capture, results: Measure[]): void {
  const sizeMB = (f: string): number => statSync(f).size / 1e6;
  for (const r of results.filter((x) => x.tool.startsWith('falcoshark'))) {
    const m = /"totals":\{"packets":(\d+),.*?"flows":(\d+)/.exec(r.stdout.slice(0, 100_000)) ?? /([\d,]+) packets, .*?([\d,]+) flows/.exec(r.stdout);
    console.log(`check ${r.tool} ${r.file}: ${m?.[1]} packets (generated ${c.packets}), ${m?.[2]} flows (generated ${c.flows})`);
  }
  console.log(`\n${c.name}: ${c.packets.toLocaleString('en')} packets, ${c.flows.toLocaleString('en')} flows${c.dnsFlows ? ` (${c.dnsFlows.toLocaleString('en')} DNS)` : ''}; `
    + `pcap ${sizeMB(c.files.pcap).toFixed(0)} MB, pcapng ${sizeMB(c.files.pcapng).toFixed(0)} MB; ${RUNS} run(s) each, best shown\n`);
  const header = ['tool', 'file', 'seconds', 'Mpkt/s', 'MB/s', 'peak RSS MiB', '× read', 'vs falcoshark', 'load'];
  const rows = results.map((r) => {
    const fmt = r.file.endsWith('ng') ? 'pcapng' : 'pcap';
    const fs = results.find((x) => x.file === r.file && x.tool === FS_JSON);
    const read = results.find((x) => x.file === r.file && x.tool.startsWith('plain'));
    return [r.tool, fmt, r.seconds.toFixed(2), (c.packets / r.seconds / 1e6).toFixed(2), (sizeMB(r.file) / r.seconds).toFixed(0), r.peakRssMiB.toFixed(0),
      read ? `${(r.seconds / read.seconds).toFixed(2)}×` : '', fs ? `${(r.seconds / fs.seconds).toFixed(2)}×` : '', `${r.loadBefore.toFixed(1)}→${r.loadAfter.toFixed(1)}`];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string => cells.map((x, i) => x.padEnd(widths[i])).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  rows.forEach((r) => console.log(line(r)));
  console.log('\n("× read" = time / the plain read of the same file; "vs falcoshark" = time / `analyze --json` on it: >1 means falcoshark is faster;');
  console.log(' "load" = the 1-minute load average before → after the run: above ~1 other work shared the two cores)\n');
  const target = (name: string, ok: boolean, detail: string): void => console.log(`${ok ? 'MET ' : 'MISS'}  ${c.name}: ${name}: ${detail}`);
  const get = (tool: string, file = c.files.pcap): Measure | undefined => results.find((x) => x.tool.startsWith(tool) && x.file === file);
  const json = get(FS_JSON) as Measure;
  const read = get('plain') as Measure;
  const ts = get('tshark');
  const pp = get('pcap-parser');
  for (const file of [c.files.pcap, c.files.pcapng]) {
    const r = get('plain', file) as Measure;
    for (const tool of [FS_JSON, FS_TABLE, FS_JSON2, FS_TABLE2]) {
      const m = get(tool, file);
      if (m) target(`${tool} within 3× of a plain read (${file.endsWith('ng') ? 'pcapng' : 'pcap'})`, m.seconds <= 3 * r.seconds, `${(m.seconds / r.seconds).toFixed(2)}× the plain read`);
    }
  }
  if (ts) target('≥ 20× tshark', ts.seconds / json.seconds >= 20, `${(ts.seconds / json.seconds).toFixed(1)}×`);
  if (pp) target('faster than pcap-parser (while doing the whole analysis)', pp.seconds > json.seconds, `${(pp.seconds / json.seconds).toFixed(2)}×`);
  const ours = results.filter((x) => x.tool.startsWith('falcoshark') && x.tool !== FS_EXT);
  const maxRss = Math.max(...ours.map((x) => x.peakRssMiB));
  const ext = get(FS_EXT);
  if (ext) {
    target('the extension\'s analysis (worker → columns) within 3× of a plain read', ext.seconds <= 3 * read.seconds, `${(ext.seconds / read.seconds).toFixed(2)}× the plain read`);
    target('the extension\'s analysis under 300 MB (its process: host side and worker)', ext.peakRssMiB * 1.048576 < 300, `${(ext.peakRssMiB * 1.048576).toFixed(0)} MB`);
  }
  target('peak memory under 300 MB (one and two threads)', maxRss * 1.048576 < 300, `${(maxRss * 1.048576).toFixed(0)} MB`);
  const two = get(FS_JSON2);
  if (two) console.log(`      ${c.name}: with a second thread: ${(two.seconds / read.seconds).toFixed(2)}× the plain read, ${(two.peakRssMiB * 1.048576).toFixed(0)} MB (one thread: ${(json.seconds / read.seconds).toFixed(2)}×)`);
}

async function main(): Promise<void> {
  if (!existsSync('dist/cli.js')) throw new Error('dist/cli.js is missing: run `npm run build` first');
  // The extension's analysis path, bundled as the extension is (dist/analyzeWorker.js is the build's).
  await build({ entryPoints: ['bench/extensionAnalysis.ts'], outfile: EXT_SCRIPT, bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'warning' });
  const dir = 'bench/data';
  mkdirSync(dir, { recursive: true });
  const captures: Capture[] = [];
  if (ONLY !== 'many') captures.push(await bulkCapture(dir));
  if (ONLY !== 'bulk') captures.push(await manyFlowsCapture(dir));
  const all: [Capture, Measure[]][] = [];
  for (const c of captures) all.push([c, await measureCapture(c)]);
  for (const [c, r] of all) report(c, r);
  const many = captures.find((c) => c.name === 'many-flows');
  if (many) {
    const load = loadavg()[0];
    const d = compareDns(dnsMessages(many.files.pcap), RUNS + 1);
    const ns = (ms: number): string => `${((ms * 1e6) / d.messages).toFixed(0)} ns/message`;
    console.log(`\nDNS parsers on the ${d.messages.toLocaleString('en')} DNS messages of ${many.files.pcap} (in memory, best of ${RUNS + 1}, load ${load.toFixed(1)}→${loadavg()[0].toFixed(1)}):`);
    console.log(`  ours, decodeDns (what the analyzer runs: names interned, no objects)  ${d.oursDecodeMs.toFixed(0)} ms  ${ns(d.oursDecodeMs)}  1.00×`);
    console.log(`  ours, parseDns (plain objects)                                       ${d.oursObjectsMs.toFixed(0)} ms  ${ns(d.oursObjectsMs)}  ${(d.oursObjectsMs / d.oursDecodeMs).toFixed(2)}×`);
    console.log(`  dns-packet 5.6.1 decode (objects)                                    ${d.dnsPacketMs.toFixed(0)} ms  ${ns(d.dnsPacketMs)}  ${(d.dnsPacketMs / d.oursDecodeMs).toFixed(2)}×`);
    console.log(`  dns-packet threw on ${d.dnsPacketThrew}; the two disagree on the questions of ${d.disagreements}`);
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
