// The first HTTP/1.x request of a client byte stream: method, target, version, Host.
// A real parse of the request line and header lines, bounded; no regex over bytes.

import type { HttpRequestHint } from '../../shared/flowSummary.js';
import { SNIFF_DONE, SNIFF_NEED_MORE, SNIFF_NO_MATCH } from './tls.js';
import { safeText } from './text.js';

const METHODS = ['GET', 'POST', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'CONNECT', 'TRACE',
  'PROPFIND', 'PROPPATCH', 'MKCOL', 'COPY', 'MOVE', 'LOCK', 'UNLOCK', 'REPORT', 'SEARCH'];
const MAX_PATH = 1024;
const MAX_HOST = 255;

export let lastHttp: HttpRequestHint | undefined;

function indexOfLf(buf: Uint8Array, p: number, end: number): number {
  for (let i = p; i < end; i++) if (buf[i] === 0x0a) return i;
  return -1;
}

/** Matches a method at `off`; returns its length, 0 for a prefix of one (need more), -1. */
function method(buf: Uint8Array, off: number, end: number): number {
  let partial = false;
  for (const m of METHODS) {
    let i = 0;
    while (i < m.length && off + i < end && buf[off + i] === m.charCodeAt(i)) i++;
    if (i === m.length) {
      if (off + i >= end) partial = true;
      else if (buf[off + i] === 0x20) return m.length;
    } else if (off + i >= end) partial = true;
  }
  return partial ? 0 : -1;
}

/**
 * Parses the start of a client stream as an HTTP/1.x request. `final` says no more bytes
 * will come (buffer limit reached): return what was found.
 */
export function parseHttpRequest(buf: Uint8Array, off: number, end: number, final: boolean): number {
  lastHttp = undefined;
  const ml = method(buf, off, end);
  if (ml < 0) return SNIFF_NO_MATCH;
  if (ml === 0) return final ? SNIFF_NO_MATCH : SNIFF_NEED_MORE;
  const lf = indexOfLf(buf, off, end);
  if (lf < 0) return final ? SNIFF_NO_MATCH : SNIFF_NEED_MORE;
  const lineEnd = lf > off && buf[lf - 1] === 0x0d ? lf - 1 : lf;
  // METHOD SP target SP HTTP/1.x
  let sp2 = -1;
  for (let i = lineEnd - 1; i > off + ml; i--) if (buf[i] === 0x20) { sp2 = i; break; }
  if (sp2 < 0 || lineEnd - (sp2 + 1) !== 8) return SNIFF_NO_MATCH;
  const v = sp2 + 1;
  if (buf[v] !== 0x48 || buf[v + 1] !== 0x54 || buf[v + 2] !== 0x54 || buf[v + 3] !== 0x50 || buf[v + 4] !== 0x2f ||
      buf[v + 5] !== 0x31 || buf[v + 6] !== 0x2e || (buf[v + 7] !== 0x30 && buf[v + 7] !== 0x31)) return SNIFF_NO_MATCH;
  const hint: HttpRequestHint = {
    method: safeText(buf, off, off + ml, 16),
    path: safeText(buf, off + ml + 1, sp2, MAX_PATH),
    version: buf[v + 7] === 0x31 ? 'HTTP/1.1' : 'HTTP/1.0',
  };
  // header lines until the blank line
  let p = lf + 1;
  while (true) {
    const e = indexOfLf(buf, p, end);
    if (e < 0) {
      lastHttp = hint;
      return final ? SNIFF_DONE : SNIFF_NEED_MORE;
    }
    const le = e > p && buf[e - 1] === 0x0d ? e - 1 : e;
    if (le === p) break; // end of headers
    if (le - p >= 5 && (buf[p] | 0x20) === 0x68 && (buf[p + 1] | 0x20) === 0x6f && (buf[p + 2] | 0x20) === 0x73 &&
        (buf[p + 3] | 0x20) === 0x74 && buf[p + 4] === 0x3a) {
      let a = p + 5;
      let b = le;
      while (a < b && (buf[a] === 0x20 || buf[a] === 0x09)) a++;
      while (b > a && (buf[b - 1] === 0x20 || buf[b - 1] === 0x09)) b--;
      hint.host = safeText(buf, a, b, MAX_HOST);
      break;
    }
    p = e + 1;
  }
  lastHttp = hint;
  return SNIFF_DONE;
}
