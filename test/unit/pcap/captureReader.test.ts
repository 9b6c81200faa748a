// CaptureReader on files built in code: every pcap/pcapng feature the reader claims, and the
// specific errors and truncations for bad input.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CaptureReader } from '../../../src/core/pcap/captureReader.js';
import { CaptureFormatError } from '../../../src/core/pcap/types.js';
import type { PacketRecord } from '../../../src/core/pcap/types.js';
import { PcapngBuilder, buildCapture, buildPcap, concatBytes, pcapHeader, pcapRecord } from '../../support/captureBuilder.js';
import { run } from './readerHarness.js';

const pkt = (n: number, fill = n): Uint8Array => new Uint8Array(n).fill(fill & 0xff);

function formatError(fn: () => unknown, message: RegExp | string): CaptureFormatError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof CaptureFormatError, `expected a CaptureFormatError, got ${String(caught)}`);
  if (typeof message === 'string') assert.equal(caught.message, message);
  else assert.match(caught.message, message);
  return caught;
}

function readAll(bytes: Uint8Array): CaptureReader {
  const r = new CaptureReader({ packet: () => undefined });
  r.push(bytes);
  return r;
}

// ------------------------------------------------------------------------------- pcap

for (const endian of ['le', 'be'] as const) {
  for (const nano of [false, true]) {
    test(`pcap ${nano ? 'ns' : 'µs'} ${endian}: packets, lengths, timestamps, header info`, () => {
      const bytes = buildPcap({
        endian,
        nano,
        linkType: 276,
        snapLen: 96,
        packets: [
          { data: pkt(60), tsSec: 1700000000, tsNsec: 123456789 },
          { data: pkt(96), origLen: 1514, tsSec: 4294967295, tsNsec: 999999999 },
          { data: pkt(0), tsSec: 0, tsNsec: 0 },
        ],
      });
      const r = run(bytes);
      assert.equal(r.error, undefined);
      assert.deepEqual(r.end, { format: 'pcap' });
      assert.equal(r.sections[0].bigEndian, endian === 'be');
      assert.equal(r.sections[0].nanosecond, nano);
      assert.deepEqual([r.sections[0].versionMajor, r.sections[0].versionMinor], [2, 4]);
      assert.equal(r.interfaces[0].linkType, 276);
      assert.equal(r.interfaces[0].snapLen, 96);
      assert.equal(r.interfaces[0].tsUnitsPerSecond, nano ? 1e9 : 1e6);
      const frac = (ns: number) => (nano ? ns : Math.floor(ns / 1000) * 1000);
      assert.deepEqual(
        r.packets.map((p) => [p.index, p.capLen, p.origLen, p.linkType, p.tsSec, p.tsNsec, p.data[0] ?? -1]),
        [
          [0, 60, 60, 276, 1700000000, frac(123456789), 60],
          [1, 96, 1514, 276, 4294967295, frac(999999999), 96],
          [2, 0, 0, 276, 0, 0, -1],
        ],
      );
      assert.equal(r.stats.packets, 3);
      assert.equal(r.stats.bytesConsumed, bytes.length);
    });
  }
}

test('pcap: any snaplen, version 2.5 accepted (as tshark does), major 1 rejected', () => {
  for (const snapLen of [0, 1, 0xffffffff]) {
    assert.equal(run(buildPcap({ snapLen, packets: [{ data: pkt(70) }] })).packets.length, 1);
  }
  const v25 = run(buildPcap({ versionMinor: 5, packets: [{ data: pkt(10) }] }));
  assert.equal(v25.packets.length, 1);
  assert.equal(v25.sections[0].versionMinor, 5);
  const err = formatError(
    () => readAll(buildPcap({ versionMajor: 1, versionMinor: 4 })),
    'unsupported pcap version 1.4 at offset 4 (only major version 2 exists)',
  );
  assert.equal(err.offset, 4);
});

test('pcap before 2.3 stored len before caplen: swapped as libpcap does', () => {
  const rec = pcapRecord({ data: pkt(20), capLenField: 1500, origLen: 20 }); // fields swapped
  const r = run(concatBytes(pcapHeader({ versionMinor: 2 }), rec));
  assert.deepEqual(
    r.packets.map((p) => [p.capLen, p.origLen]),
    [[20, 1500]],
  );
});

test('pcap link-type field: FCS length bits understood, reserved bits rejected', () => {
  const fcs = run(buildPcap({ linkTypeField: (0x04000000 | (2 << 28) | 1) >>> 0, packets: [{ data: pkt(64) }] }));
  assert.equal(fcs.interfaces[0].linkType, 1);
  assert.equal(fcs.interfaces[0].fcsLenBytes, 4);
  assert.equal(fcs.packets[0].linkType, 1);
  const err = formatError(
    () => readAll(buildPcap({ linkTypeField: 0x00300000 })),
    'pcap link-type field 0x00300000 at offset 20 has reserved bits 0x00300000 set',
  );
  assert.equal(err.offset, 20);
});

test('pcap caplen beyond the limit is an error with the numbers, never an allocation', () => {
  const good = pcapRecord({ data: pkt(100) });
  for (const capLen of [0x7ffffff0, 0xffffffff, 16 * 1024 * 1024 + 1]) {
    const bytes = concatBytes(pcapHeader(), good, pcapRecord({ data: pkt(8), capLenField: capLen }));
    const r = run(bytes);
    assert.equal(r.packets.length, 1, 'the record before was delivered');
    assert.equal(r.error?.message, `pcap record caplen ${capLen} at offset 140 exceeds the limit of 16777216 bytes`);
    assert.equal(r.error?.recordOffset, 140);
    assert.deepEqual(r.end?.truncated, { offset: 140, reason: r.error?.message });
    assert.equal(r.end?.corrupt, true);
  }
  // A smaller limit applies to legitimate big records too.
  const r = run(buildPcap({ packets: [{ data: pkt(2000) }] }), { limits: { maxRecordBytes: 1024 } });
  assert.match(r.error?.message ?? '', /caplen 2000 at offset 24 exceeds the limit of 1024 bytes/);
});

// ----------------------------------------------------------------------------- pcapng

test('pcapng: sections, interfaces, options, EPB/SPB/PB, skipped blocks', () => {
  const b = new PcapngBuilder('le')
    .shb({ comments: ['first', 'second'], hardware: 'hw', os: 'linux', userApplication: 'test' })
    .idb({ linkType: 1, snapLen: 0, name: 'eth0', description: 'wired', comments: ['if c'], os: 'os0' })
    .idb({ linkType: 276, snapLen: 64, tsresol: 9, tsoffset: 1000n })
    .nrb([10, 0, 0, 1], 'host')
    .epb({ interfaceId: 0, data: pkt(61), origLen: 1000, tsSec: 1700000000, tsNsec: 654321000, comments: ['a', 'b'] })
    .epb({ interfaceId: 1, data: pkt(64), tsSec: 5, tsNsec: 123456789 })
    .custom(pkt(7))
    .custom(pkt(3), false)
    .spb({ data: pkt(80), origLen: 80 }) // interface 0 has snaplen 0: all 80 bytes
    .pb({ interfaceId: 1, data: pkt(10), tsSec: 7, tsNsec: 1, comments: ['old'] })
    .block(0x12345678, pkt(5))
    .isb(0)
    .shb({ endian: 'be', comments: ['be section'] })
    .idb({ linkType: 101, snapLen: 40, tsresol: 0x80 | 20 })
    .spb({ data: pkt(40), origLen: 300 }) // captured = min(origLen, snaplen 40)
    .epb({ interfaceId: 0, data: pkt(20), ts: (5n << 20n) | (1n << 19n) }); // 5.5 s in 2^-20 units
  const r = run(b.build());
  assert.equal(r.error, undefined, r.error?.message);
  assert.deepEqual(r.end, { format: 'pcapng' });
  assert.deepEqual(
    r.sections.map((s) => [s.sectionIndex, s.bigEndian, s.comments, s.hardware, s.os, s.userApplication]),
    [
      [0, false, ['first', 'second'], 'hw', 'linux', 'test'],
      [1, true, ['be section'], undefined, undefined, undefined],
    ],
  );
  assert.deepEqual(
    r.interfaces.map((i) => [i.sectionIndex, i.interfaceId, i.linkType, i.snapLen, i.name, i.description, i.comments, i.tsUnitsPerSecond, i.tsOffsetSec]),
    [
      [0, 0, 1, 0, 'eth0', 'wired', ['if c'], 1e6, 0],
      [0, 1, 276, 64, undefined, undefined, [], 1e9, 1000],
      [1, 0, 101, 40, undefined, undefined, [], 2 ** 20, 0],
    ],
  );
  assert.equal(r.interfaces[0].os, 'os0');
  assert.deepEqual(
    r.packets.map((p) => [p.index, p.sectionIndex, p.interfaceId, p.linkType, p.capLen, p.origLen, p.tsSec, p.tsNsec, p.comments]),
    [
      [0, 0, 0, 1, 61, 1000, 1700000000, 654321000, ['a', 'b']],
      [1, 0, 1, 276, 64, 64, 1005, 123456789, []],
      [2, 0, 0, 1, 80, 80, 0, 0, []],
      [3, 0, 1, 276, 10, 10, 1007, 1, ['old']],
      [4, 1, 0, 101, 40, 300, 0, 0, []],
      [5, 1, 0, 101, 20, 20, 5, 500000000, []],
    ],
  );
  assert.deepEqual(r.stats.skippedBlocks, {
    '0x00000004': 1,
    '0x00000bad': 1,
    '0x40000bad': 1,
    '0x12345678': 1,
    '0x00000005': 1,
  });
});

test('pcapng: the comments array is emptied for a packet without comments', () => {
  const seen: string[][] = [];
  const bytes = new PcapngBuilder().shb().idb().epb({ data: pkt(4), comments: ['x'] }).epb({ data: pkt(4) }).build();
  const r = new CaptureReader({ packet: (rec) => seen.push([...rec.comments]) });
  r.push(bytes);
  assert.deepEqual(seen, [['x'], []]);
});

test('pcapng: block total length 3 at offset 28 is not a multiple of 4', () => {
  const bytes = new PcapngBuilder().shb().block(1, pkt(8), { totalLength: 3 }).build();
  const err = formatError(() => readAll(bytes), 'pcapng block total length 3 at offset 28 is not a multiple of 4 (IDB)');
  assert.equal(err.offset, 32);
  assert.equal(err.recordOffset, 28);
  assert.equal(err.expected, 'a multiple of 4');
});

test('pcapng: extreme block lengths are errors, never allocations', () => {
  for (const [len, why] of [
    [0, 'is below the minimum of 20 bytes for this block type'],
    [8, 'is below the minimum of 20 bytes for this block type'],
    [0xfffffffc, 'exceeds the limit of 16777216 bytes'],
    [0x7ffffff0, 'exceeds the limit of 16777216 bytes'],
    [0xffffffff, 'is not a multiple of 4'],
  ] as const) {
    const bytes = new PcapngBuilder().shb().block(1, pkt(8), { totalLength: len }).build();
    // Also with the header split over pushes, so that the carry path sees the length.
    for (const sizes of [[bytes.length], [30, 1]]) {
      const r = run(bytes, { chunkSizes: sizes });
      assert.equal(r.error?.message, `pcapng block total length ${len} at offset 28 ${why} (IDB)`);
    }
  }
});

test('pcapng: trailing length mismatch, option past the block, bad interface, caplen past the block', () => {
  const trailing = new PcapngBuilder().shb().idb({}, { trailingLength: 24 }).build();
  formatError(() => readAll(trailing), 'pcapng IDB at offset 28: trailing total length 24 at offset 44 does not match the leading 20');

  const opt = new PcapngBuilder().shb().idb({ options: [{ code: 2, value: pkt(4), lenField: 200 }] }).build();
  formatError(
    () => readAll(opt),
    "pcapng IDB option 2 at offset 44 has length 200, beyond the end of the block's options at offset 56 (8 bytes left)",
  );

  const noIf = new PcapngBuilder().shb().idb().epb({ interfaceId: 3, data: pkt(4) }).build();
  formatError(() => readAll(noIf), 'pcapng EPB at offset 48 refers to interface 3, but section 0 has 1 interface(s)');

  const spbNoIf = new PcapngBuilder().shb().spb({ data: pkt(4) }).build();
  formatError(() => readAll(spbNoIf), /^pcapng SPB at offset 28 refers to interface 0, but section 0 has 0 interface/);

  const cap = new PcapngBuilder().shb().idb().epb({ data: pkt(8), capLenField: 9 }).build();
  formatError(() => readAll(cap), 'pcapng EPB at offset 48: captured length 9 exceeds the 8 bytes the block holds');
});

test('pcapng: version and byte-order magic checked per section', () => {
  formatError(() => readAll(new PcapngBuilder().shb({ versionMajor: 0, versionMinor: 1 }).build()), 'unsupported pcapng version 0.1 at offset 12');
  formatError(() => readAll(new PcapngBuilder().shb({ versionMinor: 1 }).build()), 'unsupported pcapng version 1.1 at offset 12');
  assert.equal(run(new PcapngBuilder().shb({ versionMinor: 2 }).build()).error, undefined, '1.2 is read as 1.0');
  const second = new PcapngBuilder().shb().idb().shb({ endian: 'be', versionMajor: 2 }).build();
  formatError(() => readAll(second), 'unsupported pcapng version 2.0 at offset 60');
  const bom = new PcapngBuilder().shb().build();
  bom.set([1, 2, 3, 4], 8);
  formatError(() => readAll(bom), 'pcapng byte-order magic 0x01020304 at offset 8 is not 1a2b3c4d in either byte order');
});

// ------------------------------------------------------------------- formats and endings

test('unknown magic, empty input, short inputs', () => {
  formatError(() => readAll(Uint8Array.of(0x50, 0x4b, 3, 4, 0, 0)), /^unknown capture format: magic number 0x504b0304 at offset 0; expected pcap/);
  formatError(() => readAll(Uint8Array.of(0xa1, 0xb2, 0xcd, 0x34)), /modified\/Kuznetzov pcap, not supported/);

  const empty = new CaptureReader({ packet: () => undefined });
  empty.push(new Uint8Array(0));
  assert.deepEqual(empty.end(), { format: undefined, truncated: { offset: 0, reason: 'empty input' } });

  const three = new CaptureReader({ packet: () => undefined });
  three.push(Uint8Array.of(0xd4, 0xc3, 0xb2));
  assert.equal(three.format, undefined);
  assert.deepEqual(three.end().truncated?.offset, 0);

  const header20 = run(pcapHeader().subarray(0, 20));
  assert.deepEqual(header20.end, { format: 'pcap', truncated: { offset: 0, reason: 'pcap global header cut short: 20 of 24 bytes' } });
});

test('truncation: the offset is where the incomplete item starts; all before it was delivered', () => {
  const pcap = buildPcap({ packets: [{ data: pkt(50) }, { data: pkt(50) }] });
  const cutRecord = run(pcap.subarray(0, pcap.length - 10));
  assert.equal(cutRecord.packets.length, 1);
  assert.deepEqual(cutRecord.end?.truncated, { offset: 90, reason: 'pcap record 1 cut short in the middle of the packet: 56 of 66 bytes' });
  assert.equal(cutRecord.end?.corrupt, undefined);
  const cutHeader = run(pcap.subarray(0, 95));
  assert.deepEqual(cutHeader.end?.truncated, { offset: 90, reason: 'pcap record 1 header cut short: 5 of 16 bytes' });

  const ng = new PcapngBuilder().shb().idb().epb({ data: pkt(50) }).epb({ data: pkt(50) }).build();
  const cutBlock = run(ng.subarray(0, ng.length - 1));
  assert.equal(cutBlock.packets.length, 1);
  assert.deepEqual(cutBlock.end?.truncated, { offset: 132, reason: 'pcapng EPB cut short: 83 of 84 bytes' });
  const cutBlockHeader = run(ng.subarray(0, 135));
  assert.deepEqual(cutBlockHeader.end?.truncated, { offset: 132, reason: 'pcapng block header cut short: 3 of 8 bytes' });
});

test('after a format error the reader stays failed and end() reports corruption', () => {
  const r = new CaptureReader({ packet: () => undefined });
  const bytes = buildPcap({ packets: [{ data: pkt(4), capLenField: 0xffffffff }] });
  assert.throws(() => r.push(bytes), CaptureFormatError);
  assert.throws(() => r.push(pkt(10)), CaptureFormatError);
  assert.deepEqual(r.end(), {
    format: 'pcap',
    truncated: { offset: 24, reason: 'pcap record caplen 4294967295 at offset 24 exceeds the limit of 16777216 bytes' },
    corrupt: true,
  });
});

test('one reused PacketRecord; the caller may overwrite its chunk after push()', () => {
  const packets = Array.from({ length: 20 }, (_, i) => ({ data: pkt(30 + i, i), tsSec: i }));
  for (const format of ['pcap', 'pcapng'] as const) {
    const bytes = buildCapture(format, packets);
    const recs = new Set<PacketRecord>();
    const firstBytes: number[] = [];
    const r = new CaptureReader({
      packet(rec) {
        recs.add(rec);
        firstBytes.push(rec.buf[rec.offset]);
      },
    });
    const scratch = new Uint8Array(7);
    for (let at = 0; at < bytes.length; at += 7) {
      const n = Math.min(7, bytes.length - at);
      scratch.set(bytes.subarray(at, at + n));
      r.push(scratch.subarray(0, n));
      scratch.fill(0xee); // the reader must have copied what it kept
    }
    assert.deepEqual(r.end(), { format });
    assert.equal(recs.size, 1);
    assert.deepEqual(firstBytes, packets.map((_, i) => i));
  }
});

test('input ending inside a block header whose length is already bad: corrupt, not cut short', () => {
  const shb = new PcapngBuilder().shb().build();
  const bytes = concatBytes(shb, Uint8Array.of(1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0));
  const r = new CaptureReader({ packet: () => undefined });
  r.push(bytes); // 10 bytes of the block: not enough to walk it, enough to judge its length
  assert.deepEqual(r.end(), {
    format: 'pcapng',
    truncated: { offset: 28, reason: 'pcapng block total length 4294967295 at offset 28 is not a multiple of 4 (IDB)' },
    corrupt: true,
  });
});

test('a sink that throws stops the reader for good (no half-parsed state reused)', () => {
  const bytes = buildPcap({ packets: [{ data: pkt(4) }, { data: pkt(4) }, { data: pkt(4) }] });
  let n = 0;
  const r = new CaptureReader({
    packet() {
      if (++n === 2) throw new Error('sink full');
    },
  });
  assert.throws(() => r.push(bytes), /sink full/);
  assert.throws(() => r.push(pkt(1)), /sink full/);
  assert.equal(n, 2);
  assert.match(r.end().truncated?.reason ?? '', /^reading stopped by an error: sink full$/);
});

test('pcapng: an unusable if_tsresol is an error pointing at its IDB', () => {
  const bytes = new PcapngBuilder().shb().idb().epb({ data: pkt(4) }).idb({ tsresol: 0x7f }).build();
  const r = run(bytes);
  assert.equal(r.packets.length, 1);
  assert.equal(r.error?.message, 'unsupported if_tsresol 0x7f (10^-127 s) at offset 104');
  assert.deepEqual(r.end?.truncated, { offset: 84, reason: r.error?.message });
});
