// Every packet of every fixture, field by field, against tshark: original length, captured
// length, timestamp to the nanosecond and interface id. tshark's per-frame output
// (`tshark -r F -T fields -e frame.len -e frame.cap_len -e frame.time_epoch -e frame.interface_id`)
// is normalised and hashed into tsharkFrames.golden.tsv, so the test needs no tshark.
// Regenerate with UPDATE_GOLDEN=1 (needs tshark; the file records its version) and review the diff.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, fixture, fixtureCaptures, run } from './readerHarness.js';

const GOLDEN = join(__dirname, 'tsharkFrames.golden.tsv');

/** Fixtures where tshark's frames cannot equal ours, and why (each is checked elsewhere). */
const NOT_COMPARABLE: Record<string, string> = {
  'td_timestamp_invalid_micro.pcap':
    'fraction 0x80000000 µs: tshark wraps it, we carry it into the seconds (corpus.test.ts checks all three)',
  'td_timestamp_invalid_nano.pcap': 'fraction 0x80000000 ns: tshark prints it negative, we carry it (corpus.test.ts)',
  'td_brcm-tag.pcap': 'tshark refuses link type 281, so it lists no frames (corpus.test.ts: 23 records, whole file)',
};

/** "sec.fraction" with any number of digits (tshark prints 10 for an invalid ns fraction)
 *  as seconds + 9-digit nanoseconds, carrying whole seconds. */
function epoch9(s: string): string {
  if (s === '') return '0.000000000'; // no timestamp (Simple Packet Block): the reader gives 0
  const m = /^(\d+)(?:\.(\d+))?$/.exec(s);
  if (!m) return `unparsed:${s}`;
  const frac = (m[2] ?? '').padEnd(9, '0');
  const carry = frac.length > 9 ? BigInt(frac.slice(0, frac.length - 9)) : 0n;
  return `${BigInt(m[1]) + carry}.${frac.slice(-9)}`;
}

function tsharkLines(file: string, pcapng: boolean): string[] {
  // tshark exits non-zero on a broken file but still prints the frames it read.
  const out = spawnSync(
    'tshark',
    ['-r', join(FIXTURES, file), '-T', 'fields', '-e', 'frame.len', '-e', 'frame.cap_len', '-e', 'frame.time_epoch', '-e', 'frame.interface_id'],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 256 * 1024 * 1024 },
  ).stdout;
  const lines: string[] = [];
  for (const line of out.split('\n')) {
    if (line === '') continue;
    const [len, cap, ep, ifid] = line.split('\t');
    // tshark 4.0 also lists pcapng custom blocks as frames; they have no interface.
    if (pcapng && (ifid ?? '') === '') continue;
    lines.push(`${len}\t${cap}\t${epoch9(ep ?? '')}\t${ifid === '' || ifid === undefined ? '0' : ifid}`);
  }
  return lines;
}

function digest(lines: string[]): string {
  return createHash('sha256').update(lines.join('\n')).digest('hex');
}

function ourLines(file: string): { lines: string[]; pcapng: boolean } {
  const r = run(fixture(file));
  const lines = r.packets.map((p) => `${p.origLen}\t${p.capLen}\t${p.tsSec}.${String(p.tsNsec).padStart(9, '0')}\t${p.interfaceId}`);
  return { lines, pcapng: r.end?.format === 'pcapng' };
}

function readGolden(): Map<string, { frames: number; sha256: string }> {
  const m = new Map<string, { frames: number; sha256: string }>();
  for (const line of readFileSync(GOLDEN, 'utf8').split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const [file, frames, sha256] = line.split('\t');
    m.set(file, { frames: Number(frames), sha256 });
  }
  return m;
}

if (process.env.UPDATE_GOLDEN === '1') {
  test('regenerate tsharkFrames.golden.tsv with tshark', () => {
    const version = execFileSync('tshark', ['--version'], { encoding: 'utf8' }).split('\n')[0];
    const rows = [`# ${version}; frames and sha256 of "len\\tcap_len\\tepoch(9 digits)\\tinterface_id" lines`, '# file\tframes\tsha256'];
    for (const f of fixtureCaptures()) {
      if (NOT_COMPARABLE[f]) continue;
      const { pcapng } = ourLines(f);
      const lines = tsharkLines(f, pcapng);
      if (lines.length > 0) rows.push(`${f}\t${lines.length}\t${digest(lines)}`);
    }
    writeFileSync(GOLDEN, rows.join('\n') + '\n');
  });
} else {
  test('every packet of every fixture equals tshark: lengths, ns timestamp, interface', () => {
    const golden = readGolden();
    assert.ok(golden.size >= 100, `${golden.size} golden entries`);
    for (const [file, want] of golden) {
      const { lines } = ourLines(file);
      assert.equal(lines.length, want.frames, `${file}: frames`);
      assert.equal(digest(lines), want.sha256, `${file}: per-frame fields differ from tshark's`);
    }
    // Every readable fixture is in the golden file unless listed as not comparable.
    for (const f of fixtureCaptures()) {
      if (golden.has(f) || NOT_COMPARABLE[f]) continue;
      const { lines } = ourLines(f);
      assert.equal(lines.length, 0, `${f} has packets but no golden entry`);
    }
  });
}
