// However the bytes are cut into chunks — one byte at a time, odd sizes, whole — the reader
// delivers the identical packet sequence (hash of every record's fields and bytes), the same
// sections, interfaces, stats and ending.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixture, fixtureCaptures, run } from './readerHarness.js';
import type { RunResult } from './readerHarness.js';
import { PcapngBuilder, buildPcap } from '../../support/captureBuilder.js';

/** Files fed one byte at a time (all fixtures up to this size: the gen_* captures of 836
 *  packets in every pcap/pcapng variant, the pcapng generator files, the broken ones). */
const BYTE_AT_A_TIME_MAX = 320 * 1024;

function summary(r: RunResult): unknown {
  return {
    hash: r.hash,
    packets: r.stats.packets,
    bytesConsumed: r.stats.bytesConsumed,
    skipped: r.stats.skippedBlocks,
    invalidTimestamps: r.stats.invalidTimestamps,
    sections: r.sections,
    interfaces: r.interfaces,
    end: r.end,
    error: r.error && [r.error.message, r.error.offset, r.error.recordOffset],
  };
}

function same(bytes: Uint8Array, name: string, byteAtATime: boolean): void {
  const whole = summary(run(bytes, { keep: false }));
  const cuts: number[][] = [[4093], [1, 2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 64, 1000, 65537]];
  if (byteAtATime) cuts.push([1]);
  for (const sizes of cuts) {
    assert.deepEqual(summary(run(bytes, { keep: false, chunkSizes: sizes })), whole, `${name} in chunks of ${sizes.join(',')}`);
  }
}

test('pcap and pcapng fixtures: one byte at a time = odd chunks = whole', () => {
  let n = 0;
  for (const f of fixtureCaptures()) {
    const bytes = fixture(f);
    if (bytes.length > BYTE_AT_A_TIME_MAX) continue;
    same(bytes, f, true);
    n++;
  }
  assert.ok(n >= 100, `${n} files`);
});

test('large fixtures (up to 4 MB): odd chunks = whole', () => {
  for (const f of fixtureCaptures()) {
    const bytes = fixture(f);
    if (bytes.length <= BYTE_AT_A_TIME_MAX) continue;
    same(bytes, f, false);
  }
});

test('built captures with big records (carry grows), comments and sections: byte at a time', () => {
  const big = new Uint8Array(200_000).map((_, i) => i & 0xff);
  const pcap = buildPcap({ nano: true, endian: 'be', packets: [{ data: big }, { data: big.subarray(0, 5) }, { data: big }] });
  same(pcap, 'big pcap', true);
  const ng = new PcapngBuilder('be')
    .shb({ comments: ['x'] })
    .idb({ tsresol: 0x80 | 30 })
    .epb({ data: big, comments: ['c1', 'c2'], tsSec: 3, tsNsec: 7 })
    .spb({ data: big.subarray(0, 33) })
    .shb({ endian: 'le' })
    .idb({ linkType: 113 })
    .epb({ data: big })
    .build();
  same(ng, 'big pcapng', true);
  // Truncated in the middle of the big record: same truncation however it was fed.
  same(ng.subarray(0, 150_000), 'cut pcapng', true);
});
