// Correctness against tshark: for every capture in test/fixtures/pcap, our TCP and UDP flows
// (endpoints, frames and bytes in each direction) must equal tshark's conversations
// (F.conv.tsv, built from tshark 4.0.17's per-packet fields; see the fixtures README).
// IP and IPv6 address-pair totals are compared too (our flows summed per address pair), and
// the first/last frame times of TCP/UDP conversations (within a microsecond).
//
// Every difference is listed below by file, conversation and reason. An exception is a
// documented mismatch, not a skipped file: the rest of the file must still match, and each
// listed conversation must really differ (so the list cannot go stale silently).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeFile } from '../../src/core/flows/analyzeFile.js';
import { CaptureFormatError } from '../../src/core/pcap/types.js';
import type { FlowSummary } from '../../src/shared/flowSummary.js';

const DIR = join(__dirname, '..', 'fixtures', 'pcap');

interface ConvRow {
  proto: string;
  a: string;
  b: string;
  framesAB: number;
  bytesAB: number;
  framesBA: number;
  bytesBA: number;
  /** "sec.nnnnnnnnn" of the first and last frame (TCP/UDP rows only). */
  first?: string;
  last?: string;
}

/** Conversations that may differ, per file: "proto A B" (as in the .conv.tsv) → reason. */
const EXCEPTIONS: Record<string, Record<string, string>> = {
  'ppp_tcp-malformed.pcap': {
    'tcp 172.19.42.74:49671 87.240.131.240:25014':
      'TCP data offset 7 (28 bytes) in 20-byte segments: we count both frames as undecodable ' +
      '("tcp header longer than segment"). The .conv.tsv, built from per-packet fields, lists them; ' +
      "tshark's own conv,tcp table (tshark.txt) does not: there we agree with tshark (asserted below)",
    'ip 172.19.42.74 87.240.131.240':
      'the same two frames: tshark counts them in conv,ip; we make no flow for a packet whose TCP ' +
      'header is bogus (they are in totals.undecodable)',
  },
  'ppp_ip4_bad_fragment.pcap': {
    'ip 0.0.0.1 0.0.0.1':
      'an MPLS-carried IPv4 header claiming 60 header bytes in a 42-byte packet: undecodable for us ' +
      '("truncated ipv4 options"). The fields-derived .conv.tsv lists it; tshark\'s own conv,ip table ' +
      'does not (asserted below)',
  },
  'ppp_ip-frag.pcap': {
    'ip 10.118.213.212 10.118.213.211':
      'one last fragment (frame 2969, id 0x1f59) whose first fragment is not in the capture: with no ' +
      'ports it names no flow and is counted in totals.ipFragments.unattributed; tshark counts it in conv,ip',
  },
  'td_bigtcp-ipv6.pcap': {
    'tcp 2604:1380:4091:ce00::b:43267 2604:1380:4091:ce00::d:41219':
      'Linux BIG TCP: IPv6 payload length 0 and no jumbo option. We take the captured bytes as the ' +
      'payload (as tcpdump does) and find the TCP segment; tshark 4.0 calls the TCP header malformed ' +
      'and has no TCP conversation (the ipv6 row matches)',
  },
  'td_of13_ericsson.pcapng': {
    'udp 192.168.1.1:1234 192.168.1.2:5678':
      'this UDP is inside Ethernet frames carried as OpenFlow packet-in/packet-out data over TCP; ' +
      'tshark dissects OpenFlow payloads, we do not look inside TCP payloads',
    'ip 192.168.1.1 192.168.1.2': 'the same OpenFlow-carried frames at the IP layer',
  },
};

/** Conversations whose counts match but whose first/last times may differ, with why. */
const TIME_EXCEPTIONS: Record<string, Record<string, string>> = {
  'td_timestamp_invalid_micro.pcap': {
    'tcp 131.155.215.69:46656 137.116.81.94:80':
      'record timestamps with a microsecond fraction >= 1e6 (1000000, 2147483648): the reader carries ' +
      'whole seconds (…370.000000, …3517.483648); the .conv.tsv prints the raw fraction ("1418145370.1000000000")',
  },
  'td_timestamp_invalid_nano.pcap': {
    'tcp 131.155.215.69:46656 137.116.81.94:80':
      'the same with nanosecond fractions >= 1e9: the .conv.tsv even prints a negative first time ' +
      '("-1418145370.2147483648"); the reader carries whole seconds',
  },
};

/** For these files the .conv.tsv (per-packet fields) and tshark's own tables disagree; our
 *  result must equal tshark's own table (tshark.txt) for the named section: no rows. */
const TSHARK_TABLE_EMPTY: Record<string, string> = {
  'ppp_tcp-malformed.pcap': 'TCP Conversations',
  'ppp_ip4_bad_fragment.pcap': 'IPv4 Conversations',
};

/** Files that neither tshark nor we can read from the start (tshark: no conversations). */
const UNREADABLE = new Set([
  'lp_pcap-invalid-version-1.pcap',
  'lp_pcapng-invalid-vers-1.pcapng',
  'lp_pcapng-invalid-vers-2.pcapng',
  'lp_shb-option-too-long.pcapng',
  'lp_linktype-reserved-field-not-zero.pcap',
  'gen_hdr_only_cut.pcap',
]);

/** tshark 4.0 refuses the file; we read it. What we must find instead is asserted. */
const TSHARK_UNREADABLE: Record<string, { reason: string; check: (s: FlowSummary) => void }> = {
  'td_brcm-tag.pcap': {
    reason: 'link type 281 (Broadcom tag) is unknown to tshark 4.0, which rejects the whole file; ' +
      'we read it and count its frames as an unknown link type',
    check: (s) => {
      assert.equal(s.flows.length, 0);
      assert.ok((s.totals.unknownLinkTypes['281'] ?? 0) > 0);
      assert.equal(s.totals.unknownLinkTypes['281'], s.totals.packets);
    },
  },
};

/** tshark outputs whose capture is not in the fixtures (so there is nothing to analyse). */
const CAPTURE_NOT_IN_FIXTURES: Record<string, string> = {
  'ppp_pcapng-example.pcapng.zst':
    'only the .conv.tsv/.tshark.txt of this zstd-compressed pcapng were copied; its content is ' +
    'ppp_pcapng-example.pcapng, which is compared',
};

function readConv(file: string): ConvRow[] {
  const text = readFileSync(join(DIR, `${file}.conv.tsv`), 'utf8');
  const rows: ConvRow[] = [];
  for (const line of text.split('\n').slice(1)) {
    if (!line.trim()) continue;
    const c = line.split('\t');
    rows.push({ proto: c[0], a: c[1], b: c[2], framesAB: +c[3], bytesAB: +c[4], framesBA: +c[5], bytesBA: +c[6], first: c[9], last: c[10] });
  }
  return rows;
}

function ourRows(s: FlowSummary): ConvRow[] {
  const rows: ConvRow[] = [];
  const ipPairs = new Map<string, ConvRow>();
  for (const f of s.flows) {
    if (f.protocol === 'tcp' || f.protocol === 'udp') {
      rows.push({
        proto: f.protocol,
        a: `${f.client.ip}:${f.client.port}`,
        b: `${f.server.ip}:${f.server.port}`,
        framesAB: f.packets.fromClient,
        bytesAB: f.bytes.fromClient,
        framesBA: f.packets.fromServer,
        bytesBA: f.bytes.fromServer,
        first: epoch(f.firstSeen),
        last: epoch(f.lastSeen),
      });
    }
    // IP layer: every frame of the flow's IP header, fragments included
    const proto = f.client.ip.includes(':') ? 'ipv6' : 'ip';
    const fc = f.packets.fromClient + (f.ipFragments?.packets.fromClient ?? 0);
    const fs = f.packets.fromServer + (f.ipFragments?.packets.fromServer ?? 0);
    const bc = f.bytes.fromClient + (f.ipFragments?.bytes.fromClient ?? 0);
    const bs = f.bytes.fromServer + (f.ipFragments?.bytes.fromServer ?? 0);
    const [x, y] = [f.client.ip, f.server.ip];
    const key = `${proto} ${x < y ? x : y} ${x < y ? y : x}`;
    let r = ipPairs.get(key);
    if (!r) {
      r = { proto, a: x, b: y, framesAB: 0, bytesAB: 0, framesBA: 0, bytesBA: 0 };
      ipPairs.set(key, r);
    }
    if (x === y) {
      r.framesAB += fc + fs; r.bytesAB += bc + bs; // tshark: both directions are A → B
    } else if (r.a === x) {
      r.framesAB += fc; r.bytesAB += bc; r.framesBA += fs; r.bytesBA += bs;
    } else {
      r.framesAB += fs; r.bytesAB += bs; r.framesBA += fc; r.bytesBA += bc;
    }
  }
  return rows.concat([...ipPairs.values()]);
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Our ISO time → "seconds.nanoseconds" since the epoch, as the .conv.tsv writes it (also
 *  for years beyond JavaScript's Date, which 64-bit pcapng timestamps reach). */
function epoch(iso: string): string {
  const m = /^([+-]?\d+)-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)\.(\d{9})Z$/.exec(iso);
  assert.ok(m, iso);
  const sec = daysFromCivil(+m[1], +m[2], +m[3]) * 86400 + +m[4] * 3600 + +m[5] * 60 + +m[6];
  return `${sec}.${m[7]}`;
}

/** Unordered key of a conversation. */
function pairKey(r: ConvRow): string {
  return `${r.proto} ${r.a < r.b ? r.a : r.b} ${r.a < r.b ? r.b : r.a}`;
}

/** Orients `ours` like `theirs` (A first) and renders both comparably. */
function render(r: ConvRow, a: string): string {
  return r.a === a
    ? `${r.framesAB}f/${r.bytesAB}B -> ${r.framesBA}f/${r.bytesBA}B`
    : `${r.framesBA}f/${r.bytesBA}B -> ${r.framesAB}f/${r.bytesAB}B`;
}

/** A .conv.tsv time ("1795873374.226361022", or "0E-9" for zero) → [seconds, nanoseconds]. */
function secNs(x: string): [number, number] {
  const m = /^(-?\d+)\.(\d+)$/.exec(x);
  if (!m) return [Math.floor(Number(x)), 0];
  return [Number(m[1]), Number(m[2].padEnd(9, '0'))];
}

/** |x - y| in microseconds. */
function microsApart(x: string, y: string): number {
  const [xs, xn] = secNs(x);
  const [ys, yn] = secNs(y);
  return Math.abs((xs - ys) * 1e6 + (xn - yn) / 1e3);
}

/** First and last frame times agree within a microsecond (the .conv.tsv prints
 *  frame.time_epoch through a double, which is not exact to the nanosecond). */
function timesAgree(t: ConvRow, o: ConvRow): boolean {
  if (t.first === undefined || o.first === undefined || t.last === undefined || o.last === undefined) return true;
  return microsApart(t.first, o.first) <= 1 && microsApart(t.last, o.last) <= 1;
}

export interface CompareResult {
  matched: string[];
  /** Frames or bytes differ (or the conversation is missing on one side). */
  differ: Map<string, string>;
  /** Counts equal, first/last times differ by more than a microsecond. */
  timeDiffer: Map<string, string>;
}

/** Compares tshark's rows with ours, conversation by conversation (several rows with the
 *  same endpoints, e.g. a reused TCP 4-tuple, are paired in order). */
export function compare(theirs: ConvRow[], ours: ConvRow[], protos: Set<string>): CompareResult {
  const mine = new Map<string, ConvRow[]>();
  for (const r of ours) {
    if (!protos.has(r.proto)) continue;
    const k = pairKey(r);
    const l = mine.get(k);
    if (l) l.push(r);
    else mine.set(k, [r]);
  }
  const matched: string[] = [];
  const differ = new Map<string, string>();
  const timeDiffer = new Map<string, string>();
  for (const t of theirs) {
    if (!protos.has(t.proto)) continue;
    const label = `${t.proto} ${t.a} ${t.b}`;
    const l = mine.get(pairKey(t));
    const o = l?.shift();
    const want = render(t, t.a);
    const got = o ? render(o, t.a) : 'missing';
    if (want !== got) differ.set(label, `tshark ${want}, ours ${got}`);
    else if (o && !timesAgree(t, o)) timeDiffer.set(label, `tshark ${t.first} .. ${t.last}, ours ${o.first} .. ${o.last}`);
    else matched.push(label);
  }
  for (const [, l] of mine) for (const o of l) differ.set(`${o.proto} ${o.a} ${o.b}`, `tshark none, ours ${render(o, o.a)}`);
  return { matched, differ, timeDiffer };
}

const totals = { rows: 0, matched: 0 };

const files = readdirSync(DIR).filter((f) => f.endsWith('.conv.tsv')).map((f) => f.slice(0, -'.conv.tsv'.length)).sort();

test('the corpus is there', () => {
  assert.ok(files.length >= 100, `only ${files.length} captures with .conv.tsv`);
});

for (const file of files) {
  test(`tshark conversations: ${file}`, async (t) => {
    const theirs = readConv(file);
    if (file in CAPTURE_NOT_IN_FIXTURES) {
      assert.ok(!existsSync(join(DIR, file)), `${file} is now in the fixtures: compare it`);
      return;
    }
    let summary: FlowSummary;
    try {
      summary = await analyzeFile(join(DIR, file));
    } catch (e) {
      assert.ok(e instanceof CaptureFormatError, `${file}: ${String(e)}`);
      assert.ok(UNREADABLE.has(file), `${file} unreadable: ${e.message}`);
      assert.equal(theirs.length, 0, 'tshark found conversations in a file we cannot read');
      return;
    }
    if (UNREADABLE.has(file)) {
      // The reader may stop at the header without throwing (a cut header is "truncated";
      // a header-only file has no packets): either way there is nothing to compare.
      assert.equal(summary.totals.packets, 0, `${file} was expected to be unreadable`);
      assert.equal(theirs.length, 0);
      return;
    }
    const special = TSHARK_UNREADABLE[file];
    if (special) {
      assert.equal(theirs.length, 0);
      special.check(summary);
      return;
    }
    const ours = ourRows(summary);
    const allowed = EXCEPTIONS[file] ?? {};
    const { matched, differ, timeDiffer } = compare(theirs, ours, new Set(['tcp', 'udp', 'ip', 'ipv6']));
    const l4 = theirs.filter((r) => r.proto === 'tcp' || r.proto === 'udp').length;
    const l4Matched = matched.filter((k) => k.startsWith('tcp ') || k.startsWith('udp ')).length;
    t.diagnostic(`tcp/udp ${l4Matched}/${l4}, ip/ipv6 ${matched.length - l4Matched}/${theirs.length - l4} conversations equal`);
    totals.rows += theirs.length;
    totals.matched += matched.length;
    const unexplained = [...differ].filter(([k]) => !(k in allowed));
    assert.deepEqual(unexplained, [], `${file}: conversations differing from tshark`);
    for (const k of Object.keys(allowed)) {
      assert.ok(differ.has(k), `${file}: exception "${k}" no longer differs; remove it`);
    }
    const allowedTimes = TIME_EXCEPTIONS[file] ?? {};
    assert.deepEqual([...timeDiffer].filter(([k]) => !(k in allowedTimes)), [], `${file}: first/last times differing from tshark`);
    for (const k of Object.keys(allowedTimes)) {
      assert.ok(timeDiffer.has(k), `${file}: time exception "${k}" no longer differs; remove it`);
    }
  });
}

/** Data rows of one conversation table in a tshark.txt ("TCP Conversations", …). */
function tsharkTableRows(file: string, title: string): string[] {
  const lines = readFileSync(join(DIR, `${file}.tshark.txt`), 'utf8').split('\n');
  const start = lines.findIndex((l) => l.trim() === title);
  assert.ok(start >= 0, `${file}.tshark.txt has no "${title}"`);
  const rows: string[] = [];
  for (let i = start + 4; i < lines.length && !lines[i].startsWith('====='); i++) if (lines[i].trim()) rows.push(lines[i]);
  return rows;
}

for (const [file, title] of Object.entries(TSHARK_TABLE_EMPTY)) {
  test(`tshark's own ${title} table is empty for ${file}, and we have no such flow`, async () => {
    assert.deepEqual(tsharkTableRows(file, title), []);
    const s = await analyzeFile(join(DIR, file));
    const proto = title.startsWith('TCP') ? 'tcp' : title.startsWith('UDP') ? 'udp' : undefined;
    const flows = s.flows.filter((f) => (proto ? f.protocol === proto : !f.client.ip.includes(':')));
    assert.deepEqual(flows, []);
    assert.ok(s.totals.undecodable.packets > 0);
  });
}

test('over the corpus, nearly every tshark conversation is equal', (t) => {
  // runs after the per-file tests (node:test runs top-level tests in order)
  t.diagnostic(`${totals.matched} of ${totals.rows} tshark conversations equal (frames, bytes, times)`);
  assert.ok(totals.rows > 2500 && totals.matched >= totals.rows - 12, `${totals.matched}/${totals.rows}`);
});
