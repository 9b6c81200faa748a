// TLS ClientHello → server_name (SNI). Bounds-checked reads over the client's first bytes,
// which may span several TCP segments and several TLS records (the caller buffers them).

import { safeText } from './text.js';

export const SNIFF_NEED_MORE = 0;
export const SNIFF_DONE = 1;
export const SNIFF_NO_MATCH = 2;

export const MAX_SNI_CHARS = 255;

/** Set by `parseClientHello` when it returns SNIFF_DONE: where the hello's host name is
 *  (`sniBuf[sniStart .. sniEnd)`, raw bytes; `sniBuf` undefined when it had none). The hint
 *  extractor interns the name's display-safe form from there (no string per flow). */
export let sniBuf: Uint8Array | undefined;
export let sniStart = 0;
export let sniEnd = 0;

/** The host name of the last ClientHello parsed, as display-safe text (undefined: none). */
export function lastSniText(): string | undefined {
  return sniBuf === undefined ? undefined : safeText(sniBuf, sniStart, sniEnd, MAX_SNI_CHARS);
}

/** Finds the server name in a ClientHello whose handshake body is `buf[b .. e)`. */
function helloSni(buf: Uint8Array, b: number, e: number): void {
  let p = b + 2 + 32; // client_version, random
  if (p + 1 > e) return;
  p += 1 + buf[p]; // session id
  if (p + 2 > e) return;
  p += 2 + ((buf[p] << 8) | buf[p + 1]); // cipher suites
  if (p + 1 > e) return;
  p += 1 + buf[p]; // compression methods
  if (p + 2 > e) return;
  const extEnd = Math.min(e, p + 2 + ((buf[p] << 8) | buf[p + 1]));
  p += 2;
  while (p + 4 <= extEnd) {
    const type = (buf[p] << 8) | buf[p + 1];
    const len = (buf[p + 2] << 8) | buf[p + 3];
    p += 4;
    if (p + len > extEnd) return;
    if (type === 0) {
      // server_name_list: length(2), then entries: type(1) length(2) name
      let q = p + 2;
      const listEnd = Math.min(p + len, p + 2 + ((buf[p] << 8) | buf[p + 1]));
      while (q + 3 <= listEnd) {
        const nt = buf[q];
        const nl = (buf[q + 1] << 8) | buf[q + 2];
        q += 3;
        if (q + nl > listEnd) return;
        if (nt === 0) {
          sniBuf = buf;
          sniStart = q;
          sniEnd = q + nl;
          return;
        }
        q += nl;
      }
      return;
    }
    p += len;
  }
}

/**
 * Looks for a ClientHello at the start of the client byte stream `buf[off .. end)`.
 * SNIFF_NEED_MORE: a ClientHello has started but is incomplete; SNIFF_DONE: parsed (see
 * `sniBuf`); SNIFF_NO_MATCH: not TLS.
 */
export function parseClientHello(buf: Uint8Array, off: number, end: number): number {
  sniBuf = undefined;
  if (end - off < 1) return SNIFF_NEED_MORE;
  if (buf[off] !== 0x16) return SNIFF_NO_MATCH;
  if (end - off < 6) return end - off >= 2 && buf[off + 1] !== 3 ? SNIFF_NO_MATCH : SNIFF_NEED_MORE;
  if (buf[off + 1] !== 3 || buf[off + 5] !== 1) return SNIFF_NO_MATCH;
  const recLen = (buf[off + 3] << 8) | buf[off + 4];
  if (recLen < 4) return SNIFF_NO_MATCH;
  if (end - off < 9) return SNIFF_NEED_MORE;
  const hsLen = (buf[off + 6] << 16) | (buf[off + 7] << 8) | buf[off + 8];
  if (hsLen > 0xffff) return SNIFF_NO_MATCH;
  if (recLen >= 4 + hsLen) {
    // the whole hello is in the first record
    if (end - off < 9 + hsLen) return SNIFF_NEED_MORE;
    helloSni(buf, off + 9, off + 9 + hsLen);
    return SNIFF_DONE;
  }
  // The hello continues in further records: gather the handshake bytes.
  const hs = new Uint8Array(4 + hsLen);
  let have = 0;
  let r = off;
  while (have < hs.length) {
    if (r + 5 > end) return SNIFF_NEED_MORE;
    if (buf[r] !== 0x16) return SNIFF_DONE; // something else interleaved: give up quietly
    const len = (buf[r + 3] << 8) | buf[r + 4];
    const avail = Math.min(len, end - (r + 5));
    const n = Math.min(avail, hs.length - have);
    hs.set(buf.subarray(r + 5, r + 5 + n), have);
    have += n;
    if (have >= hs.length) break;
    if (avail < len) return SNIFF_NEED_MORE;
    r += 5 + len;
  }
  helloSni(hs, 4, hs.length);
  return SNIFF_DONE;
}
