// Every capture in test/fixtures/pcap/ (real files from public test suites and our own
// captures): the packet count must equal capinfos' count in MANIFEST.tsv, the captured bytes
// capinfos' "Data size", first/last timestamps and comments what capinfos printed — or the
// file's documented error / truncation must be reported with a specific message.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readCaptureFile } from '../../../src/core/pcap/readCaptureFile.js';
import { CaptureFormatError } from '../../../src/core/pcap/types.js';
import { FIXTURES, fixture, fixtureCaptures, manifest, run } from './readerHarness.js';
import type { Packet } from './readerHarness.js';

/** Files capinfos cannot read in full, with what our reader must say instead. */
interface Unreadable {
  packets: number;
  /** A CaptureFormatError is thrown (by readCaptureFile: before anything was delivered). */
  error?: RegExp;
  /** Or the end is truncated at this offset with this reason. */
  truncated?: { offset: number; reason: RegExp; corrupt?: true };
  why: string;
}

const UNREADABLE: Record<string, Unreadable> = {
  'gen_lo_cut.pcap': {
    packets: 317,
    truncated: { offset: 49915, reason: /^pcap record 317 cut short in the middle of the packet: 85 of 118 bytes$/ },
    why: 'cut at 50000 bytes in the middle of packet 318 (capinfos: 317 packets, "cut short")',
  },
  'gen_lo_cut.pcapng': {
    packets: 285,
    truncated: { offset: 48764, reason: /^pcapng EPB cut short: 1236 of 1392 bytes$/ },
    why: 'cut at 50000 bytes in the middle of an EPB (capinfos: 285 packets)',
  },
  'gen_hdr_only_cut.pcap': {
    packets: 0,
    truncated: { offset: 0, reason: /^pcap global header cut short: 20 of 24 bytes$/ },
    why: 'only 20 bytes of the 24-byte global header',
  },
  'gen_lo_badcaplen.pcap': {
    packets: 9,
    truncated: {
      offset: 860,
      reason: /^pcap record caplen 2147483632 at offset 860 exceeds the limit of 16777216 bytes$/,
      corrupt: true,
    },
    why: 'packet 10 caplen patched to 0x7ffffff0 (capinfos: 9 packets, "damaged or corrupt")',
  },
  'lp_pcap-invalid-version-1.pcap': {
    packets: 0,
    error: /^unsupported pcap version 1\.4 at offset 4/,
    why: 'tshark: "pcap: major version 1 unsupported"',
  },
  'lp_pcapng-invalid-vers-1.pcapng': {
    packets: 0,
    error: /^unsupported pcapng version 0\.1 at offset 12$/,
    why: 'tshark: "pcapng: unknown SHB version 0.1"',
  },
  'lp_pcapng-invalid-vers-2.pcapng': {
    packets: 0,
    error: /^unsupported pcapng version 1\.1 at offset 12$/,
    why: 'tshark: "pcapng: unknown SHB version 1.1"',
  },
  'lp_shb-option-too-long.pcapng': {
    packets: 0,
    // tshark reports the SHB option of length 12336 (0x3030) running past the block; the
    // same 52-byte SHB also ends in "0000" where its trailing length should be, which we
    // check first (before looking inside a block).
    error: /^pcapng SHB at offset 0: trailing total length 808464432 at offset 48 does not match the leading 52$/,
    why: 'tshark: "pcapng: Not enough data to handle option of length 12336"',
  },
  'lp_linktype-reserved-field-not-zero.pcap': {
    packets: 0,
    error: /^pcap link-type field 0x00300000 at offset 20 has reserved bits 0x00300000 set$/,
    why: 'tshark: "pcap: network type reserved field not zero (0x00300000)"',
  },
  'td_brcm-tag.pcap': {
    // tshark refuses the file only because it does not know link type 281 (DSA_TAG_BRCM); the
    // file is well-formed. The reader does not judge link types (the flow analyzer counts
    // unknown ones), so it reads every record: 24 + 23 records = exactly the file's 4474 bytes.
    packets: 23,
    why: 'tshark: "pcap: network type 281 unknown or unsupported"',
  },
};

/** Files whose capinfos first/last times are wrong, with tshark's own frame.time_epoch of the
 *  first frames instead (tshark -r F -T fields -e frame.time_epoch). */
const TIME_EXCEPTIONS: Record<string, string[]> = {
  // Two interfaces, ns (if_tsresol 9) and µs: capinfos 4.0 prints "586524-01-19" for both
  // first and last packet, while tshark itself decodes the frames as below.
  'ppp_pcapng-example.pcapng': ['1422527998.578402281', '2894531997.938836488', '1422527998.578455857'],
};

function tsharkText(file: string): string {
  return readFileSync(join(FIXTURES, `${file}.tshark.txt`), 'utf8');
}

function field(text: string, name: string): string | undefined {
  const m = new RegExp(`^${name}:\\s+(.*)$`, 'm').exec(text);
  return m?.[1];
}

/** capinfos prints UTC "YYYY-MM-DD HH:MM:SS.fraction" with 6 or 9 fraction digits. */
function formatTs(sec: number, nsec: number, digits: number): string {
  const iso = new Date(sec * 1000).toISOString();
  const frac = String(nsec).padStart(9, '0').slice(0, digits);
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}.${frac}`;
}

function cmpTs(a: Packet, b: Packet): number {
  return a.tsSec - b.tsSec || a.tsNsec - b.tsNsec;
}

test('the manifest lists every capture in the fixture folder', () => {
  const listed = manifest().map((r) => r.file).sort();
  assert.deepEqual(fixtureCaptures(), listed);
  assert.ok(listed.length >= 100, `only ${listed.length} captures`);
});

for (const row of manifest()) {
  const special = UNREADABLE[row.file];
  test(`${row.file}: ${special ? special.why : `${row.packets} packets as capinfos counts`}`, async () => {
    const r = run(fixture(row.file));
    const wantFormat = row.format.startsWith('pcapng') ? 'pcapng' : 'pcap';
    if (special === undefined) {
      assert.equal(r.error, undefined, r.error?.message);
      assert.equal(r.end?.truncated, undefined);
      assert.equal(r.end?.format, wantFormat, 'format from the magic number, not the file name');
      assert.equal(String(r.packets.length), row.packets);
      const text = tsharkText(row.file);
      const dataSize = field(text, 'Data size');
      assert.ok(dataSize, 'capinfos Data size');
      const capBytes = r.packets.reduce((n, p) => n + p.origLen, 0);
      assert.equal(`${capBytes} bytes`, dataSize, 'sum of original lengths = capinfos Data size');
      // Link types listed in the manifest, e.g. "EN10MB(1),NULL(0)".
      const lts = [...row.linkTypes.matchAll(/\((\d+)\)/g)].map((m) => Number(m[1])).sort((a, b) => a - b);
      const seen = [...new Set(r.interfaces.map((i) => i.linkType))].sort((a, b) => a - b);
      assert.deepEqual(seen, lts);
      const epochs = TIME_EXCEPTIONS[row.file];
      if (epochs) {
        assert.deepEqual(
          r.packets.slice(0, epochs.length).map((p) => `${p.tsSec}.${String(p.tsNsec).padStart(9, '0')}`),
          epochs,
        );
      } else {
        checkTimes(text, r.packets);
      }
      return;
    }
    // Through readCaptureFile, as the analyzer reads: errors before any delivery are thrown;
    // after, they become a corrupt truncation with everything before delivered.
    let n = 0;
    if (special.error) {
      await assert.rejects(
        readCaptureFile(join(FIXTURES, row.file), { packet: () => n++ }),
        (err: unknown) => err instanceof CaptureFormatError && special.error!.test(err.message),
      );
      assert.ok(r.error && special.error.test(r.error.message), r.error?.message);
    } else {
      const res = await readCaptureFile(join(FIXTURES, row.file), { packet: () => n++ });
      if (special.truncated) {
        assert.equal(res.end.truncated?.offset, special.truncated.offset);
        assert.match(res.end.truncated?.reason ?? '', special.truncated.reason);
        assert.equal(res.end.corrupt, special.truncated.corrupt);
      } else {
        assert.equal(res.end.truncated, undefined);
        assert.equal(res.fileBytes, res.stats.bytesConsumed);
      }
      assert.equal(res.end.format, wantFormat);
    }
    assert.equal(n, special.packets);
    assert.equal(r.packets.length, special.packets);
  });
}

/** First/last packet time as capinfos printed them (earliest / latest timestamp). capinfos
 *  prints none when some packets have no timestamp (Simple Packet Blocks). */
function checkTimes(text: string, packets: Packet[]): void {
  const first = field(text, 'First packet time');
  const last = field(text, 'Last packet time');
  if (first === undefined || last === undefined) return;
  if (first === 'n/a') {
    assert.equal(packets.length, 0);
    return;
  }
  const timed = [...packets].sort(cmpTs);
  for (const [want, p] of [
    [first, timed[0]],
    [last, timed[timed.length - 1]],
  ] as const) {
    const m = /\.(-?\d+)$/.exec(want);
    assert.ok(m);
    // capinfos prints an out-of-range fraction raw ("10.1000000"); we normalise it (checked
    // in the timestamp tests), so only well-formed ones are compared here.
    if (m[1].startsWith('-') || (m[1].length !== 6 && m[1].length !== 9)) continue;
    assert.equal(formatTs(p.tsSec, p.tsNsec, m[1].length), want);
  }
}

test('comments and names: SHB and IDB options of gen_lo.pcapng and png_le_test009.pcapng', () => {
  const g = run(fixture('gen_lo.pcapng'));
  const text = tsharkText('gen_lo.pcapng');
  assert.deepEqual(g.sections[0].comments, [field(text, 'Capture comment')]);
  assert.equal(g.sections[0].hardware, field(text, 'Capture hardware'));
  assert.equal(g.sections[0].os, field(text, 'Capture oper-sys'));
  assert.equal(g.sections[0].userApplication, field(text, 'Capture application'));
  assert.equal(g.interfaces[0].name, 'lo');
  assert.equal(g.interfaces[0].description, 'Loopback');
  assert.equal(g.interfaces[0].tsUnitsPerSecond, 1e9);
  assert.equal(g.stats.skippedBlocks['0x00000005'], 1, 'the ISB at the end');

  const t = run(fixture('png_le_test009.pcapng'));
  assert.deepEqual(t.sections[0].comments, ['test009']);
  assert.equal(t.sections[0].hardware, 'Apple MBP');
  assert.equal(t.interfaces[0].name, 'eth0');
  assert.deepEqual(
    t.packets.map((p) => p.comments),
    [['test009-1'], ['test009-2']],
  );
});

test('2106: a pcapng timestamp of 2^32 seconds (td_time_2106_overflow.pcapng)', () => {
  const r = run(fixture('td_time_2106_overflow.pcapng'));
  assert.equal(r.packets[0].tsSec, 2 ** 32);
  assert.equal(r.packets[0].tsNsec, 0);
});

test('invalid pcap fractions are counted and carried into the seconds', () => {
  const micro = run(fixture('td_timestamp_invalid_micro.pcap'));
  assert.equal(micro.stats.invalidTimestamps, 2);
  for (const p of micro.packets) assert.ok(p.tsNsec >= 0 && p.tsNsec < 1e9);
  // capinfos: first 17:16:09.999999, last "17:16:10.1000000" = 17:16:11.000000, duration 1.000001
  const [a, b, c] = micro.packets;
  assert.equal(formatTs(a.tsSec, a.tsNsec, 6), '2014-12-09 17:16:09.999999');
  assert.equal(formatTs(b.tsSec, b.tsNsec, 6), '2014-12-09 17:16:11.000000');
  // The third has 0x80000000 µs: 2147.483648 s carried (tshark reads it as negative).
  assert.equal(c.tsSec - 1418145370, 2147);
  assert.equal(c.tsNsec, 483648000);
  const nano = run(fixture('td_timestamp_invalid_nano.pcap'));
  assert.equal(nano.stats.invalidTimestamps, 2);
  for (const p of nano.packets) assert.ok(p.tsNsec >= 0 && p.tsNsec < 1e9);
});

test('several sections of different byte order (png_le_test202.pcapng)', () => {
  const r = run(fixture('png_le_test202.pcapng'));
  assert.deepEqual(
    r.sections.map((s) => [s.sectionIndex, s.bigEndian, s.comments[0]]),
    [
      [0, false, 'test202 SHB-0'],
      [1, true, 'test202 SHB-1'],
      [2, false, 'test202 SHB-2'],
    ],
  );
  assert.deepEqual(
    r.packets.map((p) => p.sectionIndex),
    [0, 0, 0, 1, 1, 1, 1, 2], // as tshark's frame.interface_id / frame.time_epoch show
  );
});
