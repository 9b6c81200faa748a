// Timestamp arithmetic for capture files: exact to the nanosecond, with plain numbers (no
// BigInt). A pcapng timestamp is a 64-bit count of interface units (10^-n or 2^-n seconds)
// given as two 32-bit halves; the result is whole seconds plus nanoseconds.
//
// Fast path: when the 64-bit value is below 2^53 - unitsPerSecond, it is an exact double and
// one division gives the seconds. Otherwise the value is divided with 16-bit limbs (the power
// of two in unitsPerSecond by shifting, its odd part by long division), which stays exact.

import { CaptureFormatError } from './types.js';

/** How to turn a count of interface units into seconds + nanoseconds. */
export interface TsResolution {
  /** Units per second (1e6 for µs, 1e9 for ns, 2^n for binary resolutions). */
  readonly unitsPerSecond: number;
  /** Largest 64-bit value handled by the fast path (a double with no rounding). */
  readonly fastMax: number;
  /** Decimal resolutions 10^-e with e <= 9: nanoseconds = remainder * nsMul. 0 otherwise. */
  readonly nsMul: number;
  /** Decimal resolutions with e > 9: nanoseconds = floor(remainder / nsDiv). 0 otherwise. */
  readonly nsDiv: number;
  /** Binary exponent n for 2^-n resolutions; -1 for decimal ones. */
  readonly binaryExp: number;
  /** unitsPerSecond = 2^pow2 * odd, used by the slow path. */
  readonly pow2: number;
  readonly odd: number;
  /** The if_tsresol byte as written (0x06 for µs), for display. */
  readonly tsresolByte: number;
}

/** Where a conversion writes its result (a PacketRecord fits). */
export interface TsOut {
  tsSec: number;
  tsNsec: number;
}

const TWO32 = 4294967296;
const TWO53 = 9007199254740992;
/** Largest decimal exponent (10^-15 s) and binary exponent (2^-52 s) we can convert exactly. */
const MAX_DECIMAL_EXP = 15;
const MAX_BINARY_EXP = 52;

/** Resolution from a pcapng if_tsresol byte: bit 7 clear = 10^-n, set = 2^-n. */
export function tsResolutionFromByte(byte: number, offset = 0, recordOffset = offset): TsResolution {
  const exp = byte & 0x7f;
  if ((byte & 0x80) === 0) {
    if (exp > MAX_DECIMAL_EXP) {
      throw new CaptureFormatError(
        `unsupported if_tsresol 0x${byte.toString(16).padStart(2, '0')} (10^-${exp} s) at offset ${offset}`,
        offset,
        `a decimal resolution of at most 10^-${MAX_DECIMAL_EXP} s`,
        recordOffset,
      );
    }
    const ups = 10 ** exp;
    return {
      unitsPerSecond: ups,
      fastMax: TWO53 - ups,
      nsMul: exp <= 9 ? 10 ** (9 - exp) : 0,
      nsDiv: exp > 9 ? 10 ** (exp - 9) : 0,
      binaryExp: -1,
      pow2: exp,
      odd: 5 ** exp,
      tsresolByte: byte,
    };
  }
  if (exp > MAX_BINARY_EXP) {
    throw new CaptureFormatError(
      `unsupported if_tsresol 0x${byte.toString(16)} (2^-${exp} s) at offset ${offset}`,
      offset,
      `a binary resolution of at most 2^-${MAX_BINARY_EXP} s`,
      recordOffset,
    );
  }
  const ups = 2 ** exp;
  return {
    unitsPerSecond: ups,
    fastMax: TWO53 - ups,
    nsMul: 0,
    nsDiv: 0,
    binaryExp: exp,
    pow2: exp,
    odd: 1,
    tsresolByte: byte,
  };
}

export const TS_MICRO: TsResolution = tsResolutionFromByte(6);
export const TS_NANO: TsResolution = tsResolutionFromByte(9);

/** Nanoseconds in `rem` units of a resolution (0 <= rem < unitsPerSecond < 2^53). */
export function unitsToNanos(rem: number, res: TsResolution): number {
  if (res.nsMul !== 0) return rem * res.nsMul;
  if (res.nsDiv !== 0) return Math.floor(rem / res.nsDiv);
  // Binary 2^-n: floor(rem * 1e9 / 2^n) = floor(rem * 5^9 / 2^(n-9)).
  const n = res.binaryExp;
  if (n <= 23) return Math.floor((rem * 1e9) / res.unitsPerSecond);
  if (n <= 32) return Math.floor((rem * 1953125) / 2 ** (n - 9));
  // rem = h*2^26 + l; rem*5^9 = X*2^26 + Y with X = h*5^9, Y = l*5^9 (both exact, < 2^48).
  const h = Math.floor(rem / 67108864);
  const l = rem - h * 67108864;
  const x = h * 1953125;
  const y = l * 1953125;
  const m = n - 9; // >= 24
  if (m >= 26) return Math.floor((x + Math.floor(y / 67108864)) / 2 ** (m - 26));
  return x * 2 ** (26 - m) + Math.floor(y / 2 ** m);
}

/** Converts the 64-bit unit count hi:lo to seconds + nanoseconds, plus offsetSec (if_tsoffset). */
export function setTs64(out: TsOut, hi: number, lo: number, res: TsResolution, offsetSec: number): void {
  const v = hi * TWO32 + lo;
  if (v <= res.fastMax) {
    const ups = res.unitsPerSecond;
    let sec = Math.floor(v / ups);
    let rem = v - sec * ups;
    if (rem < 0) {
      sec -= 1;
      rem += ups;
    } else if (rem >= ups) {
      sec += 1;
      rem -= ups;
    }
    out.tsSec = sec + offsetSec;
    out.tsNsec = res.nsMul !== 0 ? rem * res.nsMul : unitsToNanos(rem, res);
    return;
  }
  setTs64Slow(out, hi, lo, res, offsetSec);
}

/** 64-bit values at or above 2^53: shift out the power of two, long-divide by the odd part. */
function setTs64Slow(out: TsOut, hi: number, lo: number, res: TsResolution, offsetSec: number): void {
  const p = res.pow2;
  // q1 = v >> p (as hi1:lo1), r1 = v mod 2^p.
  let hi1: number;
  let lo1: number;
  let r1: number;
  if (p === 0) {
    hi1 = hi;
    lo1 = lo;
    r1 = 0;
  } else if (p < 32) {
    r1 = lo & ((1 << p) - 1); // p <= 31: the mask is positive, so is r1
    lo1 = ((lo >>> p) | (hi << (32 - p))) >>> 0;
    hi1 = hi >>> p;
  } else if (p === 32) {
    r1 = lo;
    lo1 = hi;
    hi1 = 0;
  } else {
    const s = p - 32;
    r1 = (hi % 2 ** s) * TWO32 + lo;
    lo1 = hi >>> s;
    hi1 = 0;
  }
  const o = res.odd;
  let q: number;
  let r = 0;
  if (o === 1) {
    q = hi1 * TWO32 + lo1;
  } else {
    q = 0;
    const limbs = [hi1 >>> 16, hi1 & 0xffff, lo1 >>> 16, lo1 & 0xffff];
    for (const limb of limbs) {
      const cur = r * 65536 + limb; // r < o < 2^36, so cur < 2^52: exact
      let qd = Math.floor(cur / o);
      let rr = cur - qd * o;
      if (rr < 0) {
        qd -= 1;
        rr += o;
      } else if (rr >= o) {
        qd += 1;
        rr -= o;
      }
      r = rr;
      q = q * 65536 + qd; // beyond 2^53 seconds (285 million years) this rounds; nothing real is there
    }
  }
  const rem = r * 2 ** p + r1;
  out.tsSec = q + offsetSec;
  out.tsNsec = unitsToNanos(rem, res);
}

/** pcap (32-bit seconds, 32-bit fraction): returns true when the fraction was out of range
 *  and had to be normalised by carrying whole seconds (what tshark's arithmetic does too). */
export function setTs32(out: TsOut, sec: number, frac: number, nano: boolean): boolean {
  if (nano) {
    if (frac < 1e9) {
      out.tsSec = sec;
      out.tsNsec = frac;
      return false;
    }
    const carry = Math.floor(frac / 1e9);
    out.tsSec = sec + carry;
    out.tsNsec = frac - carry * 1e9;
    return true;
  }
  if (frac < 1e6) {
    out.tsSec = sec;
    out.tsNsec = frac * 1000;
    return false;
  }
  const carry = Math.floor(frac / 1e6);
  out.tsSec = sec + carry;
  out.tsNsec = (frac - carry * 1e6) * 1000;
  return true;
}
