// Falco's `time`: an RFC 3339 string with up to nanoseconds ("2021-08-03T05:02:19.853197342Z").
// Kept exact as epoch nanoseconds in a bigint/decimal string; never read from `evt.time`,
// whose integer exceeds 2^53 and has already lost precision in any JSON number reader.
import type { Checked } from './validate.js';

export interface AlertTime {
  /** Canonical UTC string with 9 fractional digits. */
  iso: string;
  ms: number;
  ns: bigint;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:?\d{2})$/;

export function parseRfc3339Nano(v: string): Checked<AlertTime> {
  if (v.length > 40) return { ok: false, reason: 'too long for a timestamp' };
  const m = RFC3339.exec(v);
  if (!m) return { ok: false, reason: 'not an RFC 3339 timestamp' };
  const [, y, mo, d, h, mi, s, frac = '', tz] = m;
  const month = Number(mo), day = Number(d), hour = Number(h), min = Number(mi), sec = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || min > 59 || sec > 60) {
    return { ok: false, reason: 'timestamp field out of range' };
  }
  let offsetMin = 0;
  if (tz !== 'Z' && tz !== 'z') {
    const sign = tz.startsWith('-') ? -1 : 1;
    const digits = tz.slice(1).replace(':', '');
    offsetMin = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2)));
  }
  const baseMs = Date.UTC(Number(y), month - 1, day, hour, min, sec) - offsetMin * 60_000;
  const check = new Date(Date.UTC(Number(y), month - 1, day));
  if (check.getUTCDate() !== day) return { ok: false, reason: 'no such calendar day' };
  const nanos = BigInt(frac.padEnd(9, '0'));
  return ok(BigInt(baseMs) * 1_000_000n + nanos);
}

/** The gRPC-derived shape `{seconds: "1637339716", nanos: 457772674}`. */
export function parseSecondsNanos(v: Record<string, unknown>): Checked<AlertTime> {
  const s = v['seconds'];
  const n = v['nanos'] ?? 0;
  let secs: bigint;
  if (typeof s === 'string' && /^[0-9]{1,12}$/.test(s)) secs = BigInt(s);
  else if (typeof s === 'number' && Number.isSafeInteger(s) && s >= 0) secs = BigInt(s);
  else return { ok: false, reason: 'seconds is not a non-negative integer' };
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 999_999_999) return { ok: false, reason: 'nanos is not an integer in 0-999999999' };
  return ok(secs * 1_000_000_000n + BigInt(n));
}

function ok(ns: bigint): Checked<AlertTime> {
  if (ns < 0n || ns > 253402300799999999999n) return { ok: false, reason: 'timestamp outside years 1970-9999' };
  return { ok: true, value: { iso: nsToIso(ns), ms: Number(ns / 1_000_000n), ns } };
}

export function nsToIso(ns: bigint): string {
  const ms = Number(ns / 1_000_000n);
  const frac = (ns % 1_000_000_000n).toString().padStart(9, '0');
  return `${new Date(ms).toISOString().slice(0, 19)}.${frac}Z`;
}
