// The merge writer of workload captures with synthetic sources: packets from several pods come
// out in time order (also when one source lags or stays quiet), one interface per pod, the
// file's caps for the total and a per-pod share that a noisy pod cannot exceed, given back
// when a pod ends; memory bounded by the hold. tshark reads the result when it is installed.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MergeWriter, type MergeWriterOptions } from '../../../src/core/capture/mergeWriter.js';
import { CaptureReader } from '../../../src/core/pcap/captureReader.js';
import type { CaptureSink, PacketRecord } from '../../../src/core/pcap/types.js';
import { requireTool } from '../../support/prereq.js';

const dir = mkdtempSync(join(tmpdir(), 'fs-merge-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function rec(tsSec: number, tsNsec: number, size = 60, fill = 0): PacketRecord {
  const buf = new Uint8Array(size).fill(fill);
  return { buf, offset: 0, capLen: size, origLen: size, linkType: 276, tsSec, tsNsec, interfaceId: 0, sectionIndex: 0, index: 0, comments: [] };
}

interface Harness { w: MergeWriter; out: () => Uint8Array; clock: { t: number }; caps: string[] }

function harness(o: Partial<MergeWriterOptions> = {}): Harness {
  const chunks: Uint8Array[] = [];
  const clock = { t: 0 };
  const caps: string[] = [];
  const w = new MergeWriter({
    caps: { maxPackets: 1_000_000, maxBytes: 1 << 30 }, sectionComments: ['test'], userApplication: 'falcoshark',
    write: (b) => chunks.push(b), onCapReached: (r) => caps.push(r), now: () => clock.t, ...o,
  });
  return { w, clock, caps, out: () => Buffer.concat(chunks) };
}

const pod = (name: string) => (info: { name?: string } | undefined) => ({ name: `lab/${name}:${info?.name ?? 'any'}`, description: `pod lab/${name}` });

interface ReadBack { names: string[]; packets: { iface: string; t: number; fill: number }[] }
function readBack(bytes: Uint8Array): ReadBack {
  const names: string[] = [];
  const packets: ReadBack['packets'] = [];
  const sink: CaptureSink = {
    interface: (i) => { names.push(i.name ?? ''); },
    packet: (r) => packets.push({ iface: names[r.interfaceId], t: r.tsSec + r.tsNsec / 1e9, fill: r.buf[r.offset] }),
  };
  const reader = new CaptureReader(sink);
  reader.push(bytes);
  assert.equal(reader.end().truncated, undefined);
  return { names, packets };
}

const sorted = (ts: number[]): boolean => ts.every((t, i) => i === 0 || ts[i - 1] <= t);

test('three sources interleaved out of step come out in time order, one interface each', (t) => {
  const h = harness();
  const a = h.w.addSource('a', pod('api-1'));
  const b = h.w.addSource('b', pod('api-2'));
  const c = h.w.addSource('c', pod('api-3'));
  // b lags: it delivers its packets in bursts, later than a and c (as an exec stream does).
  for (let i = 0; i < 30; i++) {
    a.packet(rec(100 + i, 100));
    c.packet(rec(100 + i, 300));
    if (i % 10 === 9) for (let j = i - 9; j <= i; j++) b.packet(rec(100 + j, 200));
    h.clock.t += 50;
  }
  h.w.finish();
  const back = readBack(h.out());
  assert.deepEqual(back.names, ['lab/api-1:any', 'lab/api-3:any', 'lab/api-2:any']);
  assert.equal(back.packets.length, 90);
  assert.ok(sorted(back.packets.map((p) => p.t)), 'timestamps never go back');
  assert.equal(h.w.lateWritten, 0);
  assert.equal(h.w.stats('b')!.packets, 30);
  const file = join(dir, 'three.pcapng');
  writeFileSync(file, h.out());
  if (requireTool(t, 'tshark')) {
    const names = execFileSync('tshark', ['-r', file, '-T', 'fields', '-e', 'frame.interface_name'], { encoding: 'utf8' }).trim().split('\n');
    assert.equal(new Set(names).size, 3);
    assert.equal(names.length, 90);
  }
});

test('a quiet source holds the others back for holdMs at most; the hold is bounded in bytes', () => {
  const h = harness({ holdMs: 1000, maxHeldBytes: 10_000 });
  const a = h.w.addSource('a', pod('busy'));
  h.w.addSource('q', pod('quiet')); // never sends anything
  a.packet(rec(10, 0));
  h.clock.t = 500;
  h.w.tick();
  assert.equal(h.w.held, 1, 'waits for the quiet source');
  h.clock.t = 1001;
  h.w.tick();
  assert.equal(h.w.held, 0, 'written after holdMs');
  // Bigger than the hold: written at once, oldest first, whatever the clock says.
  for (let i = 0; i < 100; i++) a.packet(rec(11 + i, 0, 400));
  assert.ok(h.w.held * 440 <= 10_000 + 440, `held ${h.w.held} packets`);
  h.w.finish();
  assert.ok(sorted(readBack(h.out()).packets.map((p) => p.t)));
});

test('a source that ends stops holding the others back', () => {
  const h = harness();
  const a = h.w.addSource('a', pod('a'));
  const b = h.w.addSource('b', pod('b'));
  b.packet(rec(5, 0));
  a.packet(rec(6, 0));
  assert.equal(h.w.held, 1, 'a waits for b to pass 6 s');
  h.w.endSource('b');
  assert.equal(h.w.held, 0);
});

test('a late packet (older than one already written) is still written, and counted', () => {
  const h = harness({ holdMs: 100 });
  const a = h.w.addSource('a', pod('a'));
  h.w.addSource('b', pod('b'));
  a.packet(rec(20, 0));
  h.clock.t = 200;
  h.w.tick();
  const b = h.w.addSource('c', pod('c'));
  b.packet(rec(19, 0));
  h.w.finish();
  assert.equal(h.w.lateWritten, 1);
  assert.equal(readBack(h.out()).packets.length, 2);
});

test('the packet cap is the total of all sources; reaching it stops the capture', () => {
  const h = harness({ caps: { maxPackets: 10, maxBytes: 1 << 30 } });
  const a = h.w.addSource('a', pod('a'));
  const b = h.w.addSource('b', pod('b'));
  for (let i = 0; i < 10; i++) { a.packet(rec(i, 1)); b.packet(rec(i, 2)); }
  h.w.finish();
  assert.deepEqual(h.caps, ['packets']);
  assert.equal(readBack(h.out()).packets.length, 10);
  assert.equal(h.w.stats('a')!.packets + h.w.stats('b')!.packets, 10);
});

test('a noisy pod stops at its share; the quiet pods keep theirs; the file stays under maxBytes', () => {
  const maxBytes = 30_000;
  const h = harness({ caps: { maxPackets: 1_000_000, maxBytes } });
  const noisy = h.w.addSource('noisy', pod('noisy'));
  const q1 = h.w.addSource('q1', pod('q1'));
  const q2 = h.w.addSource('q2', pod('q2'));
  for (let i = 0; i < 2000; i++) noisy.packet(rec(1, i, 200, 1));
  for (let i = 0; i < 20; i++) { q1.packet(rec(2, i, 200, 2)); q2.packet(rec(2, i, 200, 3)); }
  h.w.finish();
  const share = h.w.share().bytes;
  const n = h.w.stats('noisy')!;
  assert.ok(n.bytes <= share && n.bytes > share - 300, `noisy used ${n.bytes} of its share ${share}`);
  assert.ok(n.overSharePackets > 1800);
  assert.equal(h.w.stats('q1')!.packets, 20, 'the quiet pods lost nothing');
  assert.equal(h.w.stats('q2')!.packets, 20);
  assert.deepEqual(h.caps, [], 'the total was not reached: the capture goes on');
  assert.ok(h.w.bytes <= maxBytes);
  const back = readBack(h.out());
  assert.equal(back.packets.filter((p) => p.fill === 2).length, 20);
});

test('a pod that ends gives its unused share to the others; a pod that joins lowers it', () => {
  const h = harness({ caps: { maxPackets: 90, maxBytes: 1 << 30 } });
  const a = h.w.addSource('a', pod('a'));
  const b = h.w.addSource('b', pod('b'));
  const c = h.w.addSource('c', pod('c'));
  assert.equal(h.w.share().packets, 30);
  for (let i = 0; i < 10; i++) c.packet(rec(1, i));
  h.w.endSource('c'); // used 10 of its 30
  assert.equal(h.w.share().packets, 40);
  for (let i = 0; i < 50; i++) a.packet(rec(2, i));
  assert.equal(h.w.stats('a')!.packets, 40);
  assert.equal(h.w.stats('a')!.overSharePackets, 10);
  // d joins: (90 − 10) / 3 = 26 is below what a wrote; a keeps its 40 and writes no more,
  // b and d split the other 40.
  const d = h.w.addSource('d', pod('d'));
  assert.equal(h.w.share().packets, 20);
  for (let i = 0; i < 30; i++) { a.packet(rec(3, i)); b.packet(rec(3, i)); d.packet(rec(3, i)); }
  assert.equal(h.w.stats('a')!.packets, 40, 'above the new share: nothing more');
  assert.equal(h.w.stats('b')!.packets, 20);
  assert.equal(h.w.stats('d')!.packets, 20);
  assert.deepEqual(h.caps, ['packets'], 'every share used: the total is reached');
  h.w.finish();
  assert.equal(readBack(h.out()).packets.length, 90);
});

test('alerted packets are marked and counted per source', () => {
  const h = harness({ isAlerted: (r) => r.buf[r.offset] === 7, alertedComment: 'falcoshark: alerted flow' });
  const a = h.w.addSource('a', pod('a'));
  a.packet(rec(1, 0, 60, 7));
  a.packet(rec(2, 0, 60, 1));
  h.w.finish();
  assert.equal(h.w.alertedPackets, 1);
  assert.equal(h.w.stats('a')!.alertedPackets, 1);
  let comments = 0;
  const reader = new CaptureReader({ packet: (r) => { comments += r.comments.length; } });
  reader.push(h.out());
  assert.equal(comments, 1);
});

test('recorded cuts (holdUntilEnd): a pod whose cut comes late, after the hold time, still lands in time order', () => {
  for (const holdUntilEnd of [false, true]) {
    const h = harness({ holdMs: 1000, holdUntilEnd });
    const a = h.w.addSource('a', pod('api-1'));
    const b = h.w.addSource('b', pod('api-2'));
    // a's cut: a minute of history at once, then it ends.
    for (let s = 100; s < 160; s += 10) a.packet(rec(s, 0, 60, 1));
    h.w.endSource('a');
    // b's cut starts 5 s later (its recorder answered later), with packets older than a's last.
    h.clock.t += 5000;
    h.w.tick();
    for (let s = 105; s < 165; s += 10) b.packet(rec(s, 0, 60, 2));
    h.w.endSource('b');
    h.w.finish();
    const ts = readBack(h.out()).packets.map((p) => p.t);
    assert.equal(ts.length, 12);
    if (holdUntilEnd) assert.ok(sorted(ts), `in time order: ${ts.join(' ')}`);
    else assert.ok(!sorted(ts), 'without it, the 1 s hold writes a\'s packets before b\'s older ones come (why recorded cuts set it)');
  }
});

test('recorded cuts (holdUntilEnd): memory stays bounded by maxHeldBytes', () => {
  const h = harness({ holdUntilEnd: true, maxHeldBytes: 10_000 });
  const a = h.w.addSource('a', pod('api-1'));
  h.w.addSource('b', pod('api-2'));
  for (let i = 0; i < 1000; i++) a.packet(rec(100 + i, 0, 100));
  assert.ok(h.w.held * 100 <= 12_000, `${h.w.held} held`);
});
