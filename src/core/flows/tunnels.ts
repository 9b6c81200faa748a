// GRE header decoding (RFC 2784/2890, and PPTP's enhanced GRE version 1) to the start and
// EtherType of what it carries: IP, Ethernet (0x6558, also ERSPAN II/III), PPP (PPTP),
// MPLS, Cisco MetaData. The result goes to a reused LinkResult, as for link layers;
// netType 0x6558 means "an Ethernet frame starts at netOff".

import { ETHERTYPE_IPV4, ETHERTYPE_IPV6, LinkResult, LinkStatus, mpls } from './linkLayer.js';

export const ETHERTYPE_TEB = 0x6558;

function bad(out: LinkResult, reason: string): LinkStatus {
  out.reason = reason;
  return LinkStatus.Undecodable;
}

export function decodeGre(buf: Uint8Array, off: number, end: number, out: LinkResult): LinkStatus {
  if (off + 4 > end) return bad(out, 'truncated gre header');
  const f0 = buf[off];
  const f1 = buf[off + 1];
  let type = (buf[off + 2] << 8) | buf[off + 3];
  let p = off + 4;
  const version = f1 & 7;
  if (version === 0) {
    if (f0 & 0x40) return bad(out, 'gre source routing');
    if (f0 & 0x80) p += 4; // checksum + reserved
    if (f0 & 0x20) p += 4; // key
    if (f0 & 0x10) p += 4; // sequence
  } else if (version === 1) {
    p += 4; // payload length + call id (key always present)
    if (f0 & 0x10) p += 4;
    if (f1 & 0x80) p += 4; // acknowledgment
  } else {
    return bad(out, `gre version ${version}`);
  }
  if (p > end) return bad(out, 'truncated gre header');
  out.netOff = p;
  out.netType = type;
  if (p === end) return LinkStatus.Ok; // e.g. a PPTP acknowledgment or a keepalive: nothing inside
  if (type === 0x880b) {
    // PPP: optional address/control FF 03, protocol (1 or 2 bytes)
    if (p + 2 <= end && buf[p] === 0xff && buf[p + 1] === 0x03) p += 2;
    if (p >= end) return bad(out, 'truncated ppp header');
    let pp = buf[p];
    if (pp & 1) p += 1;
    else {
      if (p + 2 > end) return bad(out, 'truncated ppp header');
      pp = (pp << 8) | buf[p + 1];
      p += 2;
    }
    if (pp === 0x21) type = ETHERTYPE_IPV4;
    else if (pp === 0x57) type = ETHERTYPE_IPV6;
    else {
      out.reason = 'ppp control';
      return LinkStatus.NonIp;
    }
  } else if (type === 0x88be) {
    // ERSPAN type II (8-byte header when the sequence bit is set; type I has none)
    if (f0 & 0x10) p += 8;
    type = ETHERTYPE_TEB;
  } else if (type === 0x22eb) {
    if (p + 12 > end) return bad(out, 'truncated erspan header');
    p += 12 + (buf[p + 11] & 1 ? 8 : 0); // ERSPAN type III (+ platform sub-header)
    type = ETHERTYPE_TEB;
  } else if (type === 0x8909) {
    // Cisco MetaData in GRE: next EtherType (2), version, length, options (2), SGT (2)
    if (p + 8 > end) return bad(out, 'truncated cisco metadata header');
    type = (buf[p] << 8) | buf[p + 1];
    p += 8;
  } else if (type === 0x8847 || type === 0x8848) {
    return mpls(buf, p, end, out);
  }
  out.netOff = p;
  out.netType = type;
  return LinkStatus.Ok;
}
