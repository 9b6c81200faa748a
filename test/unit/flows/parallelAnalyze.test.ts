// The two-thread analysis gives the one-thread summary, whatever the split: over the fixture
// corpus and a generated busy-node capture, with tiny chunks (records straddling every seam),
// with all, none or half of the address pairs on the worker (each thread reads the file
// itself); and it goes back to one thread (same summary) when the split could change a result.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeFile, type AnalyzeOptions } from '../../../src/core/flows/analyzeFile.js';
import { CaptureFormatError } from '../../../src/core/pcap/types.js';
import type { ParallelOptions } from '../../../src/core/flows/parallelAnalyze.js';
import { pairHash } from '../../../src/core/flows/partition.js';
import { generateManyFlows } from '../../../bench/genManyFlows.js';
import { buildCapture } from '../../support/captureBuilder.js';
import { cat, eth, ip4, ipv4, udp, udp4 } from './packets.js';

const ROOT = join(__dirname, '..', '..', '..');
const FIXTURES = join(ROOT, 'test', 'fixtures', 'pcap');
const WORKER: ParallelOptions = { workerScript: join(ROOT, 'src', 'extension', 'analyzeWorker.ts'), execArgv: ['--require', 'tsx/cjs'], minBytes: 0, minCpus: 1 };

async function parallel(file: string, p: Partial<ParallelOptions>, opts: AnalyzeOptions = {}): Promise<{ summary: unknown; fallback?: string }> {
  let fallback: string | undefined;
  const summary = await analyzeFile(file, { ...opts, parallel: { ...WORKER, ...p, onFallback: (r) => { fallback = r; } } });
  return { summary, fallback };
}

async function sequential(file: string, opts: AnalyzeOptions = {}): Promise<unknown> {
  return analyzeFile(file, opts);
}

/** A summary to compare across chunk sizes: `fileBytes` of a capture that broke part-way is
 *  the bytes read up to the break, which counts whole chunks (in one thread as in two). */
function comparable(s: unknown): unknown {
  const x = s as { truncated?: unknown; fileBytes?: number };
  return x.truncated ? { ...x, fileBytes: undefined } : x;
}

test('every fixture capture: the same summary from two threads, chunks of 4 KiB', async () => {
  const files = readdirSync(FIXTURES).filter((f) => /\.(pcap|pcapng)$/.test(f));
  const fellBack: string[] = [];
  let compared = 0;
  for (const f of files) {
    const file = join(FIXTURES, f);
    let want: unknown;
    try {
      want = await sequential(file);
    } catch (e) {
      assert.ok(e instanceof CaptureFormatError, f);
      await assert.rejects(parallel(file, { chunkBytes: 4096 }), CaptureFormatError, f);
      continue;
    }
    const got = await parallel(file, { chunkBytes: 4096, workerShare: 128 });
    assert.deepEqual(comparable(got.summary), comparable(want), f);
    // Every pair on the worker: what no thread routes (link-layer faults, frames that are not
    // IP, undecodable outer headers) is still counted once, by the main thread.
    const all = await parallel(file, { chunkBytes: 4096, workerShare: 256 });
    assert.deepEqual(comparable(all.summary), comparable(want), `${f}, every pair on the worker`);
    compared++;
    if (got.fallback) fellBack.push(`${f}: ${got.fallback}`);
  }
  assert.ok(compared > 100, `${compared} files compared`);
  // Going back to one thread is for the rare captures whose split could change a result.
  assert.ok(fellBack.length <= 12, fellBack.join("\n"));
});

test('a generated busy-node capture: the same summary whatever the worker\'s share and the chunk size', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'par-'));
  try {
    for (const format of ['pcap', 'pcapng'] as const) {
      const file = join(dir, `busy.${format}`);
      await generateManyFlows(file, format, { flows: 3000, seed: 11, seconds: 30 });
      const want = await sequential(file);
      for (const [share, chunk] of [[0, 65536], [128, 4096], [150, 1 << 20], [256, 9999]]) {
        const got = await parallel(file, { workerShare: share, chunkBytes: chunk });
        assert.equal(got.fallback, undefined, `${format} share ${share}`);
        assert.deepEqual(got.summary, want, `${format} share ${share} chunk ${chunk}`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('back to one thread, with the same summary: the flow limit', async () => {
  const file = join(FIXTURES, 'gen_lo.pcapng');
  const limited = await sequential(file, { maxFlows: 20 });
  const got = await parallel(file, { chunkBytes: 4096, workerShare: 128 }, { maxFlows: 20 });
  assert.match(got.fallback ?? '', /flow limit/);
  assert.deepEqual(got.summary, limited);
});

test('a capture cut short or corrupt part-way: the same truncated summary from two threads', async () => {
  for (const f of ['gen_lo_cut.pcap', 'gen_lo_badcaplen.pcap']) {
    const file = join(FIXTURES, f);
    const want = await sequential(file);
    const got = await parallel(file, { chunkBytes: 4096, workerShare: 128 });
    assert.deepEqual(comparable(got.summary), comparable(want), f);
    const whole = await parallel(file, { workerShare: 128 });
    assert.deepEqual(whole.summary, want, `${f}, 4 MiB chunks`);
  }
});

test('an aborted two-thread analysis rejects', async () => {
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(parallel(join(FIXTURES, 'gen_lo.pcap'), {}, { signal: ac.signal }));
});

test('one inner flow tunnelled between two address pairs that go to different threads: back to one thread', async () => {
  // VXLAN (UDP 4789) carrying the same inner UDP flow, from two outer pairs on two threads.
  const inner = eth(0x0800, ipv4({ src: '192.168.7.1', dst: '192.168.7.2', proto: 17, payload: udp(5000, 6000, new Uint8Array(8)) }));
  const vxlan = cat([8, 0, 0, 0, 0, 0, 42, 0], inner);
  const side = (src: string, dst: string): number => {
    const k = new Int32Array(10);
    k[1] = ip4(src).reduce((a, b) => (a << 8) | b, 0);
    k[5] = ip4(dst).reduce((a, b) => (a << 8) | b, 0);
    return (pairHash(k) & 0xff) < 128 ? 1 : 0;
  };
  const outer: [string, string][] = [];
  for (let i = 1; outer.length < 2 && i < 250; i++) {
    const pair: [string, string] = [`10.0.0.${i}`, '10.0.1.1'];
    if (outer.length === 0 || side(...pair) !== side(...outer[0])) outer.push(pair);
  }
  const packets = outer.map(([s, d], i) => ({ data: udp4(s, 40000, d, 4789, vxlan), tsSec: 1_700_000_000 + i }));
  const dir = mkdtempSync(join(tmpdir(), 'par-'));
  try {
    const file = join(dir, 'vxlan.pcap');
    writeFileSync(file, buildCapture('pcap', packets));
    const want = await sequential(file);
    const got = await parallel(file, { workerShare: 128 });
    assert.match(got.fallback ?? '', /tunnelled flow is in both halves/);
    assert.deepEqual(got.summary, want);
    assert.equal((want as { flows: { tunnelDepth?: number; packets: { fromClient: number } }[] }).flows.find((f) => f.tunnelDepth)?.packets.fromClient, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
