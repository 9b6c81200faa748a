// Mutation fuzzing of the reader over corpus files, with a fixed seed and a bounded number of
// iterations (FUZZ_ITERATIONS to change it, FUZZ_SEED to try other seeds). Every run must end
// with a clean result or a CaptureFormatError: never another exception, a hang, a packet
// outside its buffer, or a huge allocation (process RSS stays under a bound).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CaptureReader } from '../../../src/core/pcap/captureReader.js';
import { CaptureFormatError } from '../../../src/core/pcap/types.js';
import { fixture, fixtureCaptures } from './readerHarness.js';

const ITERATIONS = Number(process.env.FUZZ_ITERATIONS ?? 4000);
const SEED = Number(process.env.FUZZ_SEED ?? 0x5eed1234);
/** Files up to this size take part (the gen_* 836-packet captures included). */
const MAX_FILE = 160 * 1024;
const RSS_BOUND = 400 * 1024 * 1024;
const EXTREMES = [0, 3, 0xffffffff, 0x7ffffff0, 0xfffffffc, 1, 12, 16, 0x01000000];
const MAGICS = [0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1, 0x0a0d0d0a, 0x1a2b3c4d, 0x4d3c2b1a, 0xa1b2cd34, 0];

class Rng {
  constructor(private x: number) {}
  u32(): number {
    let x = this.x;
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    this.x = x;
    return x;
  }
  below(n: number): number {
    return n <= 0 ? 0 : this.u32() % n;
  }
  pick<T>(a: readonly T[]): T {
    return a[this.below(a.length)];
  }
}

/** Offsets of length fields in the original structure (pcap caplen/len; pcapng block lengths,
 *  EPB caplen, option lengths), so mutations hit the fields that matter. */
function lengthFields(b: Uint8Array): number[] {
  const out: number[] = [];
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const magic = dv.getUint32(0, false);
  if (magic === 0x0a0d0d0a) {
    let le = true;
    let pos = 0;
    while (pos + 12 <= b.length) {
      if (dv.getUint32(pos, true) === 0x0a0d0d0a) le = dv.getUint32(pos + 8, true) === 0x1a2b3c4d;
      const type = dv.getUint32(pos, le);
      const len = dv.getUint32(pos + 4, le);
      if (len < 12 || len % 4 !== 0 || pos + len > b.length) break;
      out.push(pos + 4, pos + len - 4);
      if (type === 6) out.push(pos + 20, pos + 24);
      if (type === 1 || type === 0x0a0d0d0a) out.push(pos + 8 + (type === 1 ? 8 : 16) + 2); // first option's length (u16)
      pos += len;
    }
  } else {
    const le = magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1;
    let pos = 24;
    while (pos + 16 <= b.length) {
      out.push(pos + 8, pos + 12);
      pos += 16 + dv.getUint32(pos + 8, le);
    }
  }
  return out.filter((o) => o + 4 <= b.length);
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function mutate(orig: Uint8Array, fields: number[], rng: Rng): { bytes: Uint8Array; how: string } {
  const b = orig.slice();
  const dv = new DataView(b.buffer);
  switch (rng.below(6)) {
    case 0: {
      const n = 1 + rng.below(8);
      for (let i = 0; i < n; i++) b[rng.below(b.length)] ^= 1 << rng.below(8);
      return { bytes: b, how: `${n} bit flips` };
    }
    case 1: {
      const at = rng.below(b.length);
      return { bytes: b.subarray(0, at), how: `truncated at ${at}` };
    }
    case 2: {
      if (fields.length === 0) return { bytes: b, how: 'no fields' };
      const at = rng.pick(fields);
      const v = rng.pick(EXTREMES);
      if (rng.below(4) === 0) dv.setUint16(at, v & 0xffff, rng.below(2) === 0);
      else dv.setUint32(at, v, rng.below(2) === 0);
      return { bytes: b, how: `length field at ${at} = ${v}` };
    }
    case 3: {
      const m = rng.pick(MAGICS);
      const at = rng.below(3) === 0 ? rng.pick(fields.concat([8])) & ~3 : 0;
      dv.setUint32(at, m, false);
      return { bytes: b, how: `magic ${m.toString(16)} at ${at}` };
    }
    case 4: {
      // Duplicate or remove a slice (shifts every later structure).
      const at = rng.below(b.length);
      const n = 1 + rng.below(64);
      if (rng.below(2) === 0) {
        const dup = b.subarray(at, at + n);
        const out = new Uint8Array(b.length + dup.length);
        out.set(b.subarray(0, at));
        out.set(dup, at);
        out.set(b.subarray(at), at + dup.length);
        return { bytes: out, how: `inserted ${dup.length} at ${at}` };
      }
      return { bytes: concat(b.subarray(0, at), b.subarray(at + n)), how: `removed ${n} at ${at}` };
    }
    default: {
      // Random bytes over a random span.
      const at = rng.below(b.length);
      const n = Math.min(b.length - at, 1 + rng.below(32));
      for (let i = 0; i < n; i++) b[at + i] = rng.below(256);
      return { bytes: b, how: `${n} random bytes at ${at}` };
    }
  }
}

test(`fuzz: ${ITERATIONS} mutated corpus files end cleanly or with a CaptureFormatError`, () => {
  const files = fixtureCaptures()
    .map((f) => ({ f, bytes: fixture(f) }))
    .filter((x) => x.bytes.length <= MAX_FILE && x.bytes.length >= 4)
    .map((x) => ({ ...x, fields: lengthFields(x.bytes) }));
  assert.ok(files.length >= 90);
  const rng = new Rng(SEED);
  let errors = 0;
  let truncated = 0;
  let clean = 0;
  let maxRss = 0;
  for (let i = 0; i < ITERATIONS; i++) {
    const { f, bytes: orig, fields } = rng.pick(files);
    const { bytes, how } = mutate(orig, fields, rng);
    const label = `iteration ${i} (seed ${SEED}): ${f} ${how}`;
    let packets = 0;
    const reader = new CaptureReader(
      {
        packet(rec) {
          packets++;
          if (rec.offset < 0 || rec.offset + rec.capLen > rec.buf.length) assert.fail(`${label}: packet outside its buffer`);
          if (!(rec.tsNsec >= 0 && rec.tsNsec < 1e9 && Number.isInteger(rec.tsNsec))) assert.fail(`${label}: tsNsec ${rec.tsNsec}`);
        },
      },
      // A smaller limit in some runs, so that "legal but over the limit" is exercised too.
      rng.below(4) === 0 ? { maxRecordBytes: 1 + rng.below(4096) } : undefined,
    );
    const started = performance.now();
    const chunk = rng.below(3) === 0 ? 1 + rng.below(17) : 1 + rng.below(70000);
    try {
      for (let at = 0; at < bytes.length; at += chunk) reader.push(bytes.subarray(at, at + chunk));
    } catch (err) {
      if (!(err instanceof CaptureFormatError)) {
        assert.fail(`${label}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      }
      assert.ok(err.recordOffset <= bytes.length && err.offset <= bytes.length + 8, `${label}: offset ${err.offset}`);
      assert.match(err.message, /\d/, `${label}: the message names numbers`);
    }
    const end = reader.end();
    assert.equal(reader.stats.packets, packets, label);
    if (end.corrupt) errors++;
    else if (end.truncated) truncated++;
    else {
      clean++;
      assert.equal(reader.stats.bytesConsumed, bytes.length, label);
    }
    if (end.truncated) assert.ok(end.truncated.offset <= bytes.length, label);
    assert.ok(performance.now() - started < 5000, `${label}: took too long`);
    if (i % 64 === 0) {
      maxRss = Math.max(maxRss, process.memoryUsage().rss);
      assert.ok(maxRss < RSS_BOUND, `${label}: RSS ${maxRss}`);
    }
  }
  // The mutations must actually reach all three outcomes.
  console.log(`fuzz: ${ITERATIONS} runs, ${errors} format errors, ${truncated} truncated, ${clean} clean, max RSS ${(maxRss / 1048576).toFixed(0)} MB`);
  assert.ok(errors > ITERATIONS / 10 && truncated > ITERATIONS / 20 && clean > ITERATIONS / 20, `errors ${errors} truncated ${truncated} clean ${clean}`);
});
