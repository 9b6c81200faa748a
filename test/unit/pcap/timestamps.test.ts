// Timestamp conversion against a BigInt reference: every resolution, fast and slow paths.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTs32, setTs64, tsResolutionFromByte, unitsToNanos } from '../../../src/core/pcap/timestamps.js';
import { CaptureFormatError } from '../../../src/core/pcap/types.js';

function reference(v: bigint, tsresol: number, offset: bigint): { sec: bigint; nsec: bigint } {
  const exp = BigInt(tsresol & 0x7f);
  const ups = (tsresol & 0x80) === 0 ? 10n ** exp : 1n << exp;
  const sec = v / ups;
  const rem = v % ups;
  return { sec: sec + offset, nsec: (rem * 1_000_000_000n) / ups };
}

/** Deterministic pseudo-random 32-bit values (xorshift). */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

const RESOLUTIONS = [0, 1, 3, 6, 9, 10, 12, 15, 0x80, 0x81, 0x8a, 0x94, 0x97, 0x98, 0x9f, 0xa0, 0xa1, 0xa2, 0xa3, 0xa8, 0xb4];

test('setTs64 equals the BigInt reference for all resolutions, small and huge values', () => {
  const next = rng(12345);
  const out = { tsSec: 0, tsNsec: 0 };
  for (const r of RESOLUTIONS) {
    const res = tsResolutionFromByte(r);
    const values: bigint[] = [0n, 1n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 64n - 1n, 2n ** 63n, 2n ** 32n];
    for (let i = 0; i < 2000; i++) {
      const hi = i % 2 === 0 ? next() % 0x200000 : next(); // half below 2^53 (fast path)
      values.push((BigInt(hi) << 32n) | BigInt(next()));
    }
    for (const v of values) {
      const hi = Number(v >> 32n);
      const lo = Number(v & 0xffffffffn);
      setTs64(out, hi, lo, res, 0);
      const want = reference(v, r, 0n);
      // Seconds above 2^53 cannot be exact doubles; compare those approximately.
      if (want.sec < 2n ** 53n) assert.equal(out.tsSec, Number(want.sec), `tsresol ${r} v ${v}`);
      else assert.ok(Math.abs(out.tsSec - Number(want.sec)) / Number(want.sec) < 1e-15);
      assert.equal(out.tsNsec, Number(want.nsec), `tsresol ${r} v ${v} nsec`);
      assert.ok(out.tsNsec >= 0 && out.tsNsec < 1e9);
    }
  }
});

test('if_tsoffset is added to the seconds (also negative)', () => {
  const out = { tsSec: 0, tsNsec: 0 };
  setTs64(out, 0, 1_500_000, tsResolutionFromByte(6), -100);
  assert.deepEqual(out, { tsSec: -99, tsNsec: 500_000_000 });
  setTs64(out, 0x10000000, 5, tsResolutionFromByte(6), 3600);
  const want = reference((0x10000000n << 32n) | 5n, 6, 3600n);
  assert.deepEqual(out, { tsSec: Number(want.sec), tsNsec: Number(want.nsec) });
});

test('2^32 seconds and beyond (year 2106+) in µs and ns', () => {
  const out = { tsSec: 0, tsNsec: 0 };
  const us = 2n ** 32n * 1_000_000n + 1n;
  setTs64(out, Number(us >> 32n), Number(us & 0xffffffffn), tsResolutionFromByte(6), 0);
  assert.deepEqual(out, { tsSec: 2 ** 32, tsNsec: 1000 });
  const ns = 2n ** 34n * 1_000_000_000n + 999_999_999n; // beyond 2^64? no: 1.7e19 < 1.8e19
  setTs64(out, Number(ns >> 32n), Number(ns & 0xffffffffn), tsResolutionFromByte(9), 0);
  assert.deepEqual(out, { tsSec: 2 ** 34, tsNsec: 999_999_999 });
});

test('binary resolutions convert the fraction exactly (floor)', () => {
  const res = tsResolutionFromByte(0x80 | 40);
  assert.equal(unitsToNanos(2 ** 39, res), 500_000_000);
  assert.equal(unitsToNanos(2 ** 40 - 1, res), 999_999_999);
  assert.equal(unitsToNanos(1, res), 0);
});

test('absurd resolutions are a CaptureFormatError, not a wrong number', () => {
  assert.throws(() => tsResolutionFromByte(16), CaptureFormatError);
  assert.throws(() => tsResolutionFromByte(0x80 | 53), CaptureFormatError);
  assert.throws(() => tsResolutionFromByte(0x7f, 99), /unsupported if_tsresol 0x7f \(10\^-127 s\) at offset 99/);
});

test('setTs32 carries out-of-range fractions and says so', () => {
  const out = { tsSec: 0, tsNsec: 0 };
  assert.equal(setTs32(out, 10, 999_999, false), false);
  assert.deepEqual(out, { tsSec: 10, tsNsec: 999_999_000 });
  assert.equal(setTs32(out, 10, 1_000_000, false), true);
  assert.deepEqual(out, { tsSec: 11, tsNsec: 0 });
  assert.equal(setTs32(out, 0xffffffff, 0xffffffff, true), true);
  assert.deepEqual(out, { tsSec: 0xffffffff + 4, tsNsec: 294_967_295 });
  assert.equal(setTs32(out, 5, 999_999_999, true), false);
  assert.deepEqual(out, { tsSec: 5, tsNsec: 999_999_999 });
});
