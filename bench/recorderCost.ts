// `npm run bench:recorder` (root): the flight recorder's own cost at a steady load — CPU and
// memory at N Mbit/s — next to what a user would run instead for a rolling capture: dumpcap's
// and tcpdump's file rings on a tmpfs. Issue 13's last evidence point; a benchmark, not a test:
// it reports and never asserts on time.
//
// Two network namespaces joined by a veth pair (10.199.0.1/30 → .2; the receiver drops the
// datagrams in its raw table, so that nothing answers). For each rate, the lab demo's flood
// (src/lab/build/demo, built into bench/data/ by `go build`) sends 1400-byte UDP datagrams at
// that rate (--mbps, paced every millisecond) from the sender's namespace while one tool at a
// time captures every interface of that namespace, one after another under the same load:
//   none       the flood alone (what the generator costs)
//   recorder   falcoshark recorder --host-mode --netns NS --budget 256Mi --window 120
//   dumpcap    dumpcap -i any -b files:5 -b filesize:51200 -w TMPFS/ring.pcapng
//   tcpdump    tcpdump -i any -C 50 -W 5 -w TMPFS/ring (-Z root: the ring's folder is root's)
// CPU: utime + stime of the tool's whole process tree (/proc/PID/stat, and its children's),
// over the steady interval (after a warm-up), as % of one core. Peak RSS: the tree's RSS summed,
// sampled every 250 ms. Packets: what the tool captured (the recorder's /metrics; dumpcap's and
// tcpdump's own counts at exit) against what crossed the sender's veth (its counters), what it
// holds at the end (the recorder's ring; capinfos on the ring files), and its drops.
//
// Environment:
//   BENCH_RECORDER_RATES    Mbit/s, comma-separated (default 10,100,300)
//   BENCH_RECORDER_SECONDS  the steady interval of each run (default 20; plus 3 s of warm-up)
//   BENCH_RECORDER_TOOLS    a subset of none,recorder,dumpcap,tcpdump (default all)
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

const RATES = (process.env.BENCH_RECORDER_RATES ?? '10,100,300').split(',').map(Number).filter((n) => n > 0);
const SECONDS = Math.max(1, Number(process.env.BENCH_RECORDER_SECONDS ?? 20));
const TOOLS = (process.env.BENCH_RECORDER_TOOLS ?? 'none,recorder,dumpcap,tcpdump').split(',');
const WARM_S = 3;
const SIZE = 1400;
const DEMO_SRC = 'src/lab/build/demo';
const DEMO = 'bench/data/falcoshark-lab-demo';
const TICKS = 100; // USER_HZ (getconf CLK_TCK)
const PAGE = 4096;
const TX = `fskbench-tx-${process.pid}`;
const RX = `fskbench-rx-${process.pid}`;
const IF_TX = `fbt${process.pid}`.slice(0, 15);
const IF_RX = `fbr${process.pid}`.slice(0, 15);
const MB = 1e6;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const run = (argv: string[], env?: NodeJS.ProcessEnv): string => execFileSync(argv[0], argv.slice(1), { encoding: 'utf8', env: env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
const inNs = (ns: string, argv: string[]): string[] => ['ip', 'netns', 'exec', ns, ...argv];

// --- processes: /proc ---

interface ProcStat { comm: string; ppid: number; ticks: number; rss: number }

function procStat(pid: number): ProcStat | undefined {
  let s: string;
  try { s = readFileSync(`/proc/${pid}/stat`, 'utf8'); } catch { return undefined; }
  const f = s.slice(s.lastIndexOf(')') + 2).split(' '); // f[0] is field 3 (state)
  // utime, stime, cutime, cstime (fields 14-17): a child that ended and was waited for is in its parent's c*time
  return { comm: s.slice(s.indexOf('(') + 1, s.lastIndexOf(')')), ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]), rss: Number(f[21]) * PAGE };
}

/** The pids of `root` and its descendants (a scan of /proc). */
function processTree(root: number): number[] {
  const kids = new Map<number, number[]>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const st = procStat(Number(d));
    if (st) kids.set(st.ppid, [...(kids.get(st.ppid) ?? []), Number(d)]);
  }
  const out: number[] = [];
  for (let todo = [root]; todo.length;) {
    const p = todo.pop() as number;
    out.push(p);
    todo.push(...(kids.get(p) ?? []));
  }
  return out;
}

/** Sums of a process tree's stats by process name (comm). */
function byComm(pids: number[], f: (st: ProcStat) => number): Map<string, number> {
  const out = new Map<string, number>();
  for (const p of pids) {
    const st = procStat(p);
    if (st) out.set(st.comm, (out.get(st.comm) ?? 0) + f(st));
  }
  return out;
}
const total = (m: Map<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0);

/** CPU ticks of a process tree, and a sampler of its peak RSS (tree found again each second). */
class TreeWatch {
  peakRss = 0;
  /** The tree's RSS when the watch began (before the load). */
  firstRss = -1;
  /** Each process name's own peak. */
  readonly peakBy = new Map<string, number>();
  private pids: number[];
  private n = 0;
  private readonly timer: NodeJS.Timeout;
  constructor(readonly root: number) {
    this.pids = processTree(root);
    this.timer = setInterval(() => this.sample(), 250);
    this.sample();
  }
  private sample(): void {
    if (++this.n % 4 === 0) this.pids = processTree(this.root);
    const rss = byComm(this.pids, (st) => st.rss);
    this.peakRss = Math.max(this.peakRss, total(rss));
    if (this.firstRss < 0) this.firstRss = total(rss);
    for (const [c, v] of rss) this.peakBy.set(c, Math.max(v, this.peakBy.get(c) ?? 0));
  }
  ticks(): Map<string, number> {
    this.pids = processTree(this.root);
    return byComm(this.pids, (st) => st.ticks);
  }
  stop(): number { clearInterval(this.timer); return this.peakRss; }
}

// --- the children we start, and cleaning up ---

const children = new Set<ChildProcess>();
const dirs: string[] = [];

function start(argv: string[], env?: NodeJS.ProcessEnv): { child: ChildProcess; out: () => string; exited: Promise<number | null> } {
  const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env: env ?? process.env });
  children.add(child);
  let text = '';
  const keep = (d: Buffer): void => { text = (text + d.toString('utf8')).slice(-20_000); };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((r) => child.on('close', (code) => { children.delete(child); r(code); }));
  return { child, out: () => text, exited };
}

async function stop(p: { child: ChildProcess; exited: Promise<number | null> }, ms = 15_000): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.child.kill('SIGINT');
  const t = setTimeout(() => p.child.kill('SIGKILL'), ms);
  await p.exited;
  clearTimeout(t);
}

function cleanup(): void {
  for (const c of children) { // with its descendants (the recorder's dumpcap), which SIGKILL would orphan
    for (const p of c.pid ? processTree(c.pid) : []) { try { process.kill(p, 'SIGKILL'); } catch { /* gone */ } }
  }
  for (const ns of [TX, RX]) { try { run(['ip', 'netns', 'del', ns]); } catch { /* not made */ } }
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}

// --- the network and the load ---

function setUpNetwork(): void {
  run(['ip', 'netns', 'add', TX]);
  run(['ip', 'netns', 'add', RX]);
  for (const ns of [TX, RX]) run(inNs(ns, ['sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']));
  run(['ip', 'link', 'add', IF_TX, 'netns', TX, 'type', 'veth', 'peer', 'name', IF_RX, 'netns', RX]);
  run(['ip', '-n', TX, 'addr', 'add', '10.199.0.1/30', 'dev', IF_TX]);
  run(['ip', '-n', RX, 'addr', 'add', '10.199.0.2/30', 'dev', IF_RX]);
  for (const [ns, dev] of [[TX, IF_TX], [RX, IF_RX], [TX, 'lo'], [RX, 'lo']]) run(['ip', '-n', ns, 'link', 'set', dev, 'up']);
  run(inNs(RX, ['iptables', '-t', 'raw', '-A', 'PREROUTING', '-p', 'udp', '--dport', '9', '-j', 'DROP']));
}

/** Packets (both ways) and bytes sent of the sender's veth. */
function wire(): { packets: number; txBytes: number } {
  const [l] = JSON.parse(run(['ip', '-j', '-s', '-n', TX, 'link', 'show', 'dev', IF_TX])) as { stats64: { rx: { packets: number }; tx: { packets: number; bytes: number } } }[];
  return { packets: l.stats64.rx.packets + l.stats64.tx.packets, txBytes: l.stats64.tx.bytes };
}

function buildDemo(): void {
  const newest = Math.max(...readdirSync(DEMO_SRC).filter((f) => f.endsWith('.go') || f === 'go.mod').map((f) => statSync(join(DEMO_SRC, f)).mtimeMs));
  if (existsSync(DEMO) && statSync(DEMO).mtimeMs > newest) return;
  console.log(`building ${DEMO} (go build in ${DEMO_SRC})`);
  execFileSync('go', ['build', '-o', join(process.cwd(), DEMO), '.'], { cwd: DEMO_SRC, stdio: 'inherit',
    env: { ...process.env, GOTOOLCHAIN: 'local', CGO_ENABLED: '0', PATH: `${process.env.PATH}:/usr/local/go/bin` } });
}

// --- the tools ---

interface Counts { captured: number; kernelDrops: number; heldBytes: number; heldPackets: number; note: string }

interface Tool {
  name: string;
  argv?: (dir: string) => string[];
  env?: NodeJS.ProcessEnv;
  /** Resolves once it captures. */
  ready?: (out: () => string) => Promise<void>;
  /** Counters before the load (the recorder's are since its start). */
  before?: () => Promise<number>;
  /** While still running, just before it is stopped. */
  last?: () => Promise<string>;
  counts?: (out: string, dir: string, lastText: string, before: number) => Counts;
}

async function until(what: string, f: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(100)) if (await f()) return;
  throw new Error(`timed out waiting for ${what}`);
}

/** capinfos on the ring files: packets and bytes held. */
function ringFiles(dir: string): { bytes: number; packets: number; files: number } {
  const files = readdirSync(dir).filter((f) => f.startsWith('ring')).map((f) => join(dir, f));
  if (!files.length) return { bytes: 0, packets: 0, files: 0 };
  const packets = run(['capinfos', '-c', '-M', '-T', '-r', ...files]).trim().split('\n').reduce((a, l) => a + Number(l.split('\t')[1] ?? 0), 0);
  return { bytes: files.reduce((a, f) => a + statSync(f).size, 0), packets, files: files.length };
}

async function recorderTool(): Promise<Tool> {
  const token = randomBytes(16).toString('hex');
  const port = await freePort();
  const metrics = async (): Promise<string> => {
    const r = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    if (!r.ok) throw new Error(`GET /metrics: ${r.status}`);
    return r.text();
  };
  const metric = (text: string, name: string): number => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  return {
    name: 'falcoshark recorder',
    argv: () => [process.execPath, 'dist/cli.js', 'recorder', '--host-mode', '--netns', TX, '--port', String(port), '--budget', '256Mi', '--window', '120'],
    env: { ...process.env, FALCOSHARK_RECORDER_TOKEN: token },
    ready: async () => {
      await until('the recorder to capture', () => metrics().then((t) => metric(t, 'falcoshark_recorder_capturing') === 1, () => false));
      await sleep(2000); // dumpcap opening the capture after it started
    },
    before: async () => metric(await metrics(), 'falcoshark_recorder_captured_packets_total'),
    last: metrics,
    counts: (_out, _dir, m, before) => ({
      captured: metric(m, 'falcoshark_recorder_captured_packets_total') - before, kernelDrops: NaN,
      heldBytes: metric(m, 'falcoshark_recorder_held_bytes'), heldPackets: metric(m, 'falcoshark_recorder_held_packets'),
      note: `ring drops: budget ${metric(m, 'falcoshark_recorder_dropped_packets_total\\{reason="budget"\\}')}, window ${metric(m, 'falcoshark_recorder_dropped_packets_total\\{reason="window"\\}')}`,
    }),
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => { const a = s.address(); s.close(() => resolve(typeof a === 'object' && a ? a.port : 0)); });
    s.on('error', reject);
  });
}

const TOOL_LIST: Record<string, () => Tool | Promise<Tool>> = {
  none: () => ({ name: 'none (the flood alone)' }),
  recorder: recorderTool,
  dumpcap: () => ({
    name: 'dumpcap -b files:5 -b filesize:51200',
    argv: (dir) => inNs(TX, ['dumpcap', '-i', 'any', '-b', 'files:5', '-b', 'filesize:51200', '-w', join(dir, 'ring.pcapng')]),
    ready: (out) => until('dumpcap to capture', () => /Capturing on/.test(out())),
    counts: (out, dir) => {
      const m = /received\/dropped on interface 'any': (\d+)\/(\d+)/.exec(out);
      const r = ringFiles(dir);
      return { captured: Number(m?.[1] ?? NaN), kernelDrops: Number(m?.[2] ?? NaN), heldBytes: r.bytes, heldPackets: r.packets, note: `${r.files} files on tmpfs` };
    },
  }),
  tcpdump: () => ({
    name: 'tcpdump -C 50 -W 5',
    argv: (dir) => inNs(TX, ['tcpdump', '-Z', 'root', '-i', 'any', '-C', '50', '-W', '5', '-w', join(dir, 'ring')]),
    ready: (out) => until('tcpdump to capture', () => /listening on/.test(out())),
    counts: (out, dir) => {
      const r = ringFiles(dir);
      return { captured: Number(/(\d+) packets captured/.exec(out)?.[1] ?? NaN), kernelDrops: Number(/(\d+) packets dropped by kernel/.exec(out)?.[1] ?? NaN),
        heldBytes: r.bytes, heldPackets: r.packets, note: `${r.files} files on tmpfs` };
    },
  }),
};

// --- one run: one tool under one load ---

interface Result { tool: string; key: string; cpu: number; cpuBy: Map<string, number>; peakBy: Map<string, number>; idleRss: number; floodCpu: number; peakRss: number; wirePackets: number; mbps: number; counts?: Counts; floodLog: string; loadBefore: number; loadAfter: number }

async function measureRun(key: string, tool: Tool, rate: number): Promise<Result> {
  const loadBefore = loadavg()[0];
  const dir = mkdtempSync('/dev/shm/fskbench-');
  dirs.push(dir);
  try {
    const proc = tool.argv ? start(tool.argv(dir), tool.env) : undefined;
    if (proc) {
      const ended = await Promise.race([(tool.ready?.(proc.out) ?? Promise.resolve()).then(() => false), proc.exited.then(() => true)]);
      if (ended) throw new Error(`${tool.name} ended (exit ${proc.child.exitCode}): ${proc.out().slice(-1500)}`);
      await sleep(1000);
    }
    const watch = proc?.child.pid ? new TreeWatch(proc.child.pid) : undefined;
    const before = (await tool.before?.()) ?? 0;
    const w0 = wire();
    const flood = start(inNs(TX, [DEMO, 'flood', '--to', '10.199.0.2:9', '--size', String(SIZE), '--mbps', String(rate), '--for', `${WARM_S + SECONDS + 1}s`, '--exit']));
    const fw = new TreeWatch(flood.child.pid as number);
    await sleep(WARM_S * 1000);
    const [c1, f1, t1] = [watch?.ticks() ?? new Map<string, number>(), total(fw.ticks()), performance.now()];
    await sleep(SECONDS * 1000);
    const [c2, f2, t2] = [watch?.ticks() ?? new Map<string, number>(), total(fw.ticks()), performance.now()];
    fw.stop();
    const code = await flood.exited;
    if (code !== 0) throw new Error(`the flood failed (exit ${code}): ${flood.out().slice(-1500)}`);
    await sleep(1500); // the tool drains what is in its buffers
    const w1 = wire();
    const lastText = (await tool.last?.()) ?? '';
    if (proc) await stop(proc);
    const peakRss = watch?.stop() ?? 0;
    const secs = (t2 - t1) / 1000;
    const pct = (ticks: number): number => (ticks / TICKS / secs) * 100;
    const cpuBy = new Map([...c2].map(([c, v]) => [c, pct(v - (c1.get(c) ?? 0))]));
    const floodLog = [/skipped .*/, /sent .*/].map((re) => re.exec(flood.out())?.[0]).filter(Boolean).join('; ');
    const floodSecs = Number(/in ([\d.]+)s/.exec(floodLog)?.[1] ?? WARM_S + SECONDS + 1);
    return {
      tool: tool.name, key, cpu: pct(total(c2) - total(c1)), cpuBy, peakBy: watch?.peakBy ?? new Map(), idleRss: watch?.firstRss ?? 0, floodCpu: pct(f2 - f1), peakRss,
      wirePackets: w1.packets - w0.packets, mbps: ((w1.txBytes - w0.txBytes) * 8) / MB / floodSecs, floodLog,
      counts: proc ? tool.counts?.(proc.out(), dir, lastText, before) : undefined, loadBefore, loadAfter: loadavg()[0],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// --- the report ---

const n = (x: number): string => (Number.isFinite(x) ? x.toLocaleString('en') : '–');

function report(rate: number, results: Result[]): void {
  const mbps = results.map((r) => r.mbps);
  console.log(`\n${rate} Mbit/s asked (on the veth: ${Math.min(...mbps).toFixed(1)}–${Math.max(...mbps).toFixed(1)} Mbit/s of frames sent), ${SIZE}-byte datagrams, CPU over ${SECONDS} s of steady load`);
  const header = ['tool', 'CPU % core', 'flood CPU %', 'peak RSS MB', 'held MB', 'held pkts', 'captured / on the wire', 'kernel drops', 'load'];
  const rows = results.map((r) => {
    const c = r.counts;
    return [r.tool, r.key === 'none' ? '–' : r.cpu.toFixed(1), r.floodCpu.toFixed(1), r.key === 'none' ? '–' : (r.peakRss / MB).toFixed(0),
      c ? (c.heldBytes / MB).toFixed(0) : '–', c ? n(c.heldPackets) : '–',
      c ? `${n(c.captured)} / ${n(r.wirePackets)} (${((100 * c.captured) / r.wirePackets).toFixed(2)}%)` : `– / ${n(r.wirePackets)}`,
      c ? n(c.kernelDrops) : '–', `${r.loadBefore.toFixed(1)}→${r.loadAfter.toFixed(1)}`];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string => cells.map((x, i) => x.padEnd(widths[i])).join('  ').trimEnd();
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  rows.forEach((r) => console.log(line(r)));
  for (const r of results) {
    if (!r.counts) continue;
    const by = [...r.cpuBy].filter(([, v]) => v >= 0.05 || r.cpuBy.size > 1).map(([c, v]) => `${c} ${v.toFixed(1)}% CPU, ${((r.peakBy.get(c) ?? 0) / MB).toFixed(0)} MB`);
    console.log(`  ${r.key}: ${by.join('; ')} (peaks; ${(r.idleRss / MB).toFixed(0)} MB before the load); ${r.counts.note}`);
  }
  const rec = results.find((r) => r.key === 'recorder');
  for (const other of results.filter((r) => r.key === 'dumpcap' || r.key === 'tcpdump')) {
    if (!rec?.counts || !other.counts) continue;
    const mem = (other.peakRss + other.counts.heldBytes) / MB;
    console.log(`  recorder / ${other.key} ring: CPU ${(rec.cpu / other.cpu).toFixed(2)}×, peak RSS ${(rec.peakRss / other.peakRss).toFixed(1)}×, `
      + `memory with the ring (the recorder's RSS vs ${other.key}'s RSS + its files on tmpfs, ${mem.toFixed(0)} MB) ${(rec.peakRss / MB / mem).toFixed(2)}×`);
  }
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('bench:recorder needs root (network namespaces, capture)');
  if (!existsSync('dist/cli.js')) throw new Error('dist/cli.js is missing: run `npm run build` first');
  for (const t of ['dumpcap', 'tcpdump', 'capinfos', 'iptables', 'ip']) run(['sh', '-c', 'command -v "$1" || { echo "bench:recorder needs $1" >&2; exit 1; }', 'sh', t]);
  mkdirSync('bench/data', { recursive: true });
  buildDemo();
  const onSignal = (): void => { cleanup(); process.exit(130); };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  console.log(`uptime: ${run(['uptime']).trim()}  (2 cores here; other work on the machine skews every figure: look at "load")`);
  try {
    setUpNetwork();
    const all: [number, Result[]][] = [];
    for (const rate of RATES) {
      const results: Result[] = [];
      for (const key of TOOLS) {
        const make = TOOL_LIST[key];
        if (!make) throw new Error(`BENCH_RECORDER_TOOLS: no tool ${key} (none, recorder, dumpcap, tcpdump)`);
        const r = await measureRun(key, await make(), rate);
        console.log(`${rate} Mbit/s, ${key}: CPU ${r.cpu.toFixed(1)}%, flood ${r.floodCpu.toFixed(1)}%, peak RSS ${(r.peakRss / MB).toFixed(0)} MB; ${r.floodLog}`);
        results.push(r);
      }
      all.push([rate, results]);
    }
    for (const [rate, results] of all) report(rate, results);
    console.log('\n("CPU % core" = the tool\'s process tree, user + system, over the steady interval; "flood CPU %" = the generator\'s,');
    console.log(' which also pays the kernel\'s work of sending, receiving and dropping each datagram and part of the packet taps\' copying;');
    console.log(' "held" = what the ring holds at the end: the recorder\'s is in its RSS, the others\' are files on tmpfs, memory as well;');
    console.log(' the recorder\'s dumpcap drops are not exposed: compare captured with on the wire; "load" = the 1-minute load average');
    console.log(' before → after the run: above ~1 other work shared the two cores and every figure is skewed)');
  } finally {
    cleanup();
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
