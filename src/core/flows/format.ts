// Text forms of addresses and timestamps (made when a summary is printed, not per packet).

import { flat } from './text.js';
import { Konst, type ByteWriter } from './byteWriter.js';

export function formatIpv4(v: number): string {
  return flat(`${(v >>> 24) & 255}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`);
}

/** IPv6 text as glibc's inet_ntop writes it (what tshark prints): lower-case hex, the
 *  longest run of two or more zero groups as "::", IPv4-mapped/compatible as dotted quad. */
export function formatIpv6Groups(g: ArrayLike<number>): string {
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestLen < 2) bestStart = -1;
  let s = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      s += i === 0 ? '::' : ':';
      i += bestLen - 1;
      continue;
    }
    if (i === 6 && bestStart === 0 && (bestLen === 6 || (bestLen === 5 && g[5] === 0xffff))) {
      s += `${g[6] >> 8}.${g[6] & 255}.${g[7] >> 8}.${g[7] & 255}`;
      break;
    }
    s += g[i].toString(16);
    if (i < 7) s += ':';
  }
  return flat(s);
}

export function formatIpv6Bytes(buf: Uint8Array, off: number): string {
  const g = new Array<number>(8);
  for (let i = 0; i < 8; i++) g[i] = (buf[off + 2 * i] << 8) | buf[off + 2 * i + 1];
  return formatIpv6Groups(g);
}

export function formatIpv6Words(w0: number, w1: number, w2: number, w3: number): string {
  return formatIpv6Groups([w0 >>> 16, w0 & 0xffff, w1 >>> 16, w1 & 0xffff, w2 >>> 16, w2 & 0xffff, w3 >>> 16, w3 & 0xffff]);
}

let isoCacheDay = NaN;
let isoCacheDate = '';

function two(n: number): string {
  return n < 10 ? `0${n}` : `${n}`;
}

/** Proleptic Gregorian date of a day number (days since 1970-01-01), any magnitude
 *  (H. Hinnant's civil_from_days), as ISO text: "2026-11-28", "+584554-06-11", "-000001-…". */
function civilDate(z: number): string {
  z += 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  const ys = y >= 0 && y <= 9999 ? String(y).padStart(4, '0') : (y < 0 ? '-' : '+') + String(Math.abs(y)).padStart(6, '0');
  return `${ys}-${two(m)}-${two(d)}`;
}

/** ISO 8601 UTC with 9 fractional digits: "2026-11-28T13:42:53.877858000Z". Hand-made
 *  (the date part cached per day), for any timestamp a capture can hold: summaries print
 *  two per flow, and pcapng's 64-bit timestamps reach far beyond JavaScript's Date. */
export function isoTime(sec: number, ns: number): string {
  return flat(`${isoSecondPrefix(sec)}${isoNanos(ns)}Z`);
}

/** "2026-11-28T13:42:53." for a whole second. */
function isoSecondPrefix(sec: number): string {
  const day = Math.floor(sec / 86400);
  if (day !== isoCacheDay) {
    isoCacheDay = day;
    isoCacheDate = civilDate(day);
  }
  const r = sec - day * 86400;
  const h = Math.floor(r / 3600);
  const m = Math.floor((r - h * 3600) / 60);
  const s = Math.floor(r - h * 3600 - m * 60);
  return `${isoCacheDate}T${two(h)}:${two(m)}:${two(s)}.`;
}

function isoNanos(ns: number): string {
  return ns < 100000000 ? String(ns).padStart(9, '0') : String(ns);
}

/** isoTime written as bytes (JSON output): the second's prefix is kept from one call to the
 *  next (consecutive flows mostly start in the same second). */
export class IsoTimeBytes {
  private day = NaN;
  private date = new Konst('');

  write(w: ByteWriter, sec: number, ns: number): void {
    const day = Math.floor(sec / 86400);
    if (day !== this.day) {
      this.day = day;
      this.date = new Konst(`${civilDate(day)}T`);
    }
    w.k(this.date);
    const r = sec - day * 86400;
    const h = Math.floor(r / 3600);
    const m = Math.floor((r - h * 3600) / 60);
    const s = Math.floor(r - h * 3600 - m * 60);
    w.two(h);
    w.byte(0x3a);
    w.two(m);
    w.byte(0x3a);
    w.two(s);
    w.byte(0x2e);
    if (ns >= 0 && ns < 1e9 && Math.floor(ns) === ns) w.nanos(ns);
    else w.ascii(isoNanos(ns));
    w.byte(0x5a);
  }
}

const ISO_TIME = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:[.,](\d{1,9})\d*)?(Z|[+-]\d\d:?\d\d)$/i;

/** Whole seconds and nanoseconds of an ISO 8601 time with a date, seconds, up to 9 fractional
 *  digits (more are cut) and Z or an offset ("2026-11-28T13:42:51.902816512Z", Falco's form);
 *  undefined for anything else, an impossible date included. */
export function parseIsoTime(text: string): { sec: number; ns: number } | undefined {
  const m = ISO_TIME.exec(text);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i]));
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(ms);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || back.getUTCHours() !== h
    || back.getUTCMinutes() !== mi || back.getUTCSeconds() !== s) return undefined;
  const zone = m[8].toUpperCase();
  let offset = 0;
  if (zone !== 'Z') {
    const oh = Number(zone.slice(1, 3));
    const om = Number(zone.slice(-2));
    if (oh > 23 || om > 59) return undefined;
    offset = (zone[0] === '-' ? -1 : 1) * (oh * 3600 + om * 60);
  }
  return { sec: ms / 1000 - offset, ns: m[7] ? Number(m[7].padEnd(9, '0')) : 0 };
}
