// A flow record's texts as the flow columns keep them (webview/flowColumns.ts): the analyzer's
// canonical times and their exact numbers, the names a flow carried, how its client was chosen.
// No DOM and no Node: imported by the webview and by the extension's worker and host.
import { str } from './format.js';
import { isoTime } from '../src/core/flows/format.js';

const CANONICAL = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)\.(\d{9})Z$/;

/** Whole seconds and nanoseconds of the analyzer's ISO text, or undefined when `t` is not
 *  exactly what isoTime makes of them. */
export function exactTime(t: unknown): [number, number] | undefined {
  if (typeof t !== 'string') return undefined;
  const m = CANONICAL.exec(t);
  if (!m) return undefined;
  const d = new Date(0);
  d.setUTCFullYear(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  d.setUTCHours(Number(m[4]), Number(m[5]), Number(m[6]), 0);
  const sec = d.getTime() / 1000;
  const ns = Number(m[7]);
  return isoTime(sec, ns) === t ? [sec, ns] : undefined;
}

/** Whole seconds from 1970 to 9999 and nanoseconds: isoTime's canonical text, which exactTime
 *  gives back and parseIsoSeconds reads as `sec + ns / 1e9` (both correctly rounded). */
export function canonical(sec: number, ns: number): boolean {
  return Number.isInteger(sec) && sec >= 0 && sec < 253402300800 && Number.isInteger(ns) && ns >= 0 && ns < 1e9;
}

export function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The names a flow carried — "DNS a.example" for each distinct name of its first 32 DNS hints
 *  (`dns[0 .. n)`), "TLS b.example", "HTTP GET host/path" — each to `put`, every value cut as
 *  the webview cuts it. */
export function eachName(dns: ArrayLike<unknown>, n: number, sni: unknown, http: { method: unknown; host: unknown; path: unknown } | undefined,
  put: (name: string) => void): void {
  for (let k = 0; k < n && k < 32; k++) {
    const name = str(dns[k], '', 1024);
    if (!name) continue;
    let dup = false;
    for (let j = 0; j < k && !dup; j++) dup = str(dns[j], '', 1024) === name;
    if (!dup) put(hintName('DNS', name));
  }
  const s = hintName('TLS', sni);
  if (s) put(s);
  if (http) put(httpName(http.method, http.host, http.path));
}

/** "DNS a.example" / "TLS b.example" for a DNS or TLS name, cut as the webview cuts it; '' for
 *  no name. */
export function hintName(kind: 'DNS' | 'TLS', v: unknown): string {
  const name = str(v, '', 1024);
  return name ? `${kind} ${name}` : '';
}

/** "HTTP GET host/path" for a flow's HTTP request. */
export function httpName(method: unknown, host: unknown, path: unknown): string {
  return `HTTP ${str(method, '?', 32)} ${str(host, '', 1024)}${str(path, '', 2048)}`;
}

/** eachName of a record, as a list. */
export function hintNames(f: Record<string, unknown>): string[] {
  const names: string[] = [];
  const dns = Array.isArray(f.dns) ? f.dns.slice(0, 32).map((d: unknown) => (isObj(d) ? d.name : undefined)) : [];
  eachName(dns, dns.length, f.tlsSni, isObj(f.http) ? { method: f.http.method, host: f.http.host, path: f.http.path } : undefined, (x) => names.push(x));
  return names;
}

export const CLIENT_BY = ['syn', 'syn-ack', 'first-packet'] as const;

/** A record's `dns` as the columns keep it: an answer for its question's own name has name 0
 *  (each long name once; recordAt puts it back). */
export function sameNamesAsZero(dns: unknown): unknown {
  if (!Array.isArray(dns)) return dns;
  return dns.map((d: unknown) => {
    if (!isObj(d) || typeof d.name !== 'string' || !Array.isArray(d.answers)) return d;
    const q = d.name;
    return { ...d, answers: d.answers.map((a: unknown) => (isObj(a) && a.name === q ? { ...a, name: 0 } : a)) };
  });
}
