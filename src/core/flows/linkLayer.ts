// Link-layer decoding: from a frame's first byte to the start of its network layer.
// Hot path: plain byte math on the reused buffer, no allocation. The result lives in the
// fields of one reused `LinkResult`.

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_IPV6 = 0x86dd;
const ETHERTYPE_VLAN = 0x8100;
const ETHERTYPE_QINQ = 0x88a8;
const ETHERTYPE_QINQ_OLD = 0x9100;
const ETHERTYPE_PPPOE_SESSION = 0x8864;
export const ETHERTYPE_MPLS = 0x8847;
export const ETHERTYPE_MPLS_MC = 0x8848;

/** An MPLS label stack at `p`; IP after the bottom label is recognised by its version. */
export function mpls(buf: Uint8Array, p: number, end: number, out: LinkResult): LinkStatus {
  for (let n = 0; ; n++) {
    if (n === 16 || p + 4 > end) {
      out.reason = n === 16 ? 'more than 16 mpls labels' : 'truncated mpls label';
      return LinkStatus.Undecodable;
    }
    const bottom = buf[p + 2] & 1;
    p += 4;
    if (bottom) break;
  }
  const v = p < end ? buf[p] >> 4 : 0;
  if (v !== 4 && v !== 6) {
    out.reason = 'mpls';
    return LinkStatus.NonIp;
  }
  out.netOff = p;
  out.netType = v === 4 ? ETHERTYPE_IPV4 : ETHERTYPE_IPV6;
  return LinkStatus.Ok;
}

/** What `decodeLink` found. */
export const enum LinkStatus {
  /** `netType` is the EtherType of the payload at `netOff` (IPv4/IPv6 or other). */
  Ok = 0,
  /** The link type is not one we decode. */
  UnknownLinkType = 1,
  /** The frame is too short or malformed; `reason` says why. */
  Undecodable = 2,
  /** Not an EtherType-carrying frame (802.3 LLC without SNAP, 802.11 management, …);
   *  `reason` names it. */
  NonIp = 3,
}

export class LinkResult {
  netOff = 0;
  netType = 0;
  reason = '';
}

/** Link types decoded here (LINKTYPE_* values). */
export const DECODED_LINK_TYPES: readonly number[] = [0, 1, 12, 14, 101, 108, 113, 127, 192, 228, 229, 239, 258, 276];

function ipByVersion(buf: Uint8Array, off: number, end: number, out: LinkResult): LinkStatus {
  if (off >= end) {
    out.reason = 'raw ip: empty packet';
    return LinkStatus.Undecodable;
  }
  const v = buf[off] >> 4;
  out.netOff = off;
  if (v === 4) out.netType = ETHERTYPE_IPV4;
  else if (v === 6) out.netType = ETHERTYPE_IPV6;
  else {
    out.reason = `raw ip: version ${v}`;
    return LinkStatus.Undecodable;
  }
  return LinkStatus.Ok;
}

/** Ethernet II / 802.3 with any number of 802.1Q/802.1ad tags, LLC/SNAP and PPPoE session. */
export function decodeEthernet(buf: Uint8Array, off: number, end: number, out: LinkResult): LinkStatus {
  const p = off + 12;
  if (p + 2 > end) {
    out.reason = 'truncated ethernet header';
    return LinkStatus.Undecodable;
  }
  return etherPayload(buf, p + 2, end, (buf[p] << 8) | buf[p + 1], out, true);
}

/** What follows an EtherType field (Ethernet, SLL, SLL2): VLAN tags, 802.3 LLC/SNAP (when
 *  `lengthField` allows a length there), MPLS, PPPoE session, then the network layer. */
export function etherPayload(buf: Uint8Array, p: number, end: number, type: number, out: LinkResult, lengthField: boolean): LinkStatus {
  // VLAN tags (bounded: at most 8 stacked tags)
  for (let tags = 0; type === ETHERTYPE_VLAN || type === ETHERTYPE_QINQ || type === ETHERTYPE_QINQ_OLD; tags++) {
    if (tags === 8 || p + 4 > end) {
      out.reason = tags === 8 ? 'more than 8 vlan tags' : 'truncated vlan tag';
      return LinkStatus.Undecodable;
    }
    type = (buf[p + 2] << 8) | buf[p + 3];
    p += 4;
  }
  if (type < 0x0600 && lengthField) {
    // 802.3 length field: LLC follows. Only SNAP (AA AA 03) carries an EtherType.
    if (p + 8 <= end && buf[p] === 0xaa && buf[p + 1] === 0xaa && buf[p + 2] === 0x03) {
      type = (buf[p + 6] << 8) | buf[p + 7];
      p += 8;
    } else {
      out.reason = 'llc';
      return LinkStatus.NonIp;
    }
  }
  if (type === ETHERTYPE_MPLS || type === ETHERTYPE_MPLS_MC) return mpls(buf, p, end, out);
  if (type === ETHERTYPE_PPPOE_SESSION) {
    if (p + 8 > end) {
      out.reason = 'truncated pppoe header';
      return LinkStatus.Undecodable;
    }
    const pppProto = (buf[p + 6] << 8) | buf[p + 7];
    p += 8;
    if (pppProto === 0x0021) type = ETHERTYPE_IPV4;
    else if (pppProto === 0x0057) type = ETHERTYPE_IPV6;
    else {
      out.reason = 'pppoe control';
      return LinkStatus.NonIp;
    }
  }
  out.netOff = p;
  out.netType = type;
  return LinkStatus.Ok;
}

function decodeNull(buf: Uint8Array, off: number, end: number, out: LinkResult): LinkStatus {
  if (off + 4 > end) {
    out.reason = 'truncated null/loopback header';
    return LinkStatus.Undecodable;
  }
  // As Wireshark reads it: a 32-bit value, big endian; when only its upper half is set it is
  // an AF value written little endian (DLT_NULL is in the writer's byte order; DLT_LOOP is
  // big endian); a value above 1500 is an EtherType in the lower half (some BSD drivers).
  let af = ((buf[off] << 24) | (buf[off + 1] << 16) | (buf[off + 2] << 8) | buf[off + 3]) >>> 0;
  if ((af & 0xffff0000) !== 0 && (af & 0xffff) === 0) af = buf[off] | (buf[off + 1] << 8);
  if (af > 1500) {
    out.netOff = off + 4;
    out.netType = af & 0xffff;
    return LinkStatus.Ok;
  }
  out.netOff = off + 4;
  if (af === 2) out.netType = ETHERTYPE_IPV4;
  else if (af === 24 || af === 28 || af === 30 || af === 10) out.netType = ETHERTYPE_IPV6;
  else {
    out.reason = `af ${af}`;
    return LinkStatus.NonIp;
  }
  return LinkStatus.Ok;
}

/** 802.11 data frame (after any radiotap/PPI header) → LLC/SNAP EtherType. */
function decode80211(buf: Uint8Array, off: number, end: number, out: LinkResult): LinkStatus {
  if (off + 24 > end) {
    out.reason = 'truncated 802.11 header';
    return LinkStatus.Undecodable;
  }
  const fc0 = buf[off];
  const fc1 = buf[off + 1];
  const type = (fc0 >> 2) & 3;
  const subtype = fc0 >> 4;
  if (type !== 2) {
    out.reason = type === 0 ? '802.11 management' : type === 1 ? '802.11 control' : '802.11 extension';
    return LinkStatus.NonIp;
  }
  if (subtype & 0x4) {
    out.reason = '802.11 null data';
    return LinkStatus.NonIp;
  }
  if (fc1 & 0x40) {
    out.reason = '802.11 protected';
    return LinkStatus.NonIp;
  }
  let p = off + 24;
  if ((fc1 & 3) === 3) p += 6; // ToDS and FromDS: 4th address
  if (subtype & 0x8) {
    p += 2; // QoS control
    if (fc1 & 0x80) p += 4; // +HTC
  }
  if (p + 8 > end) {
    out.reason = 'truncated 802.11 llc header';
    return LinkStatus.Undecodable;
  }
  if (buf[p] !== 0xaa || buf[p + 1] !== 0xaa || buf[p + 2] !== 0x03) {
    out.reason = '802.11 llc';
    return LinkStatus.NonIp;
  }
  out.netType = (buf[p + 6] << 8) | buf[p + 7];
  out.netOff = p + 8;
  return LinkStatus.Ok;
}

function decodeNflog(buf: Uint8Array, off: number, end: number, out: LinkResult): LinkStatus {
  if (off + 4 > end) {
    out.reason = 'truncated nflog header';
    return LinkStatus.Undecodable;
  }
  const family = buf[off];
  let p = off + 4;
  // TLVs: length (host order, little endian in practice, includes the 4-byte header), type.
  for (let n = 0; n < 64 && p + 4 <= end; n++) {
    const len = buf[p] | (buf[p + 1] << 8);
    const type = buf[p + 2] | (buf[p + 3] << 8);
    if (len < 4 || p + len > end) break;
    if ((type & 0x7fff) === 9) {
      out.netOff = p + 4;
      if (family === 2) out.netType = ETHERTYPE_IPV4;
      else if (family === 10) out.netType = ETHERTYPE_IPV6;
      else return ipByVersion(buf, p + 4, p + len, out);
      return LinkStatus.Ok;
    }
    p += (len + 3) & ~3;
  }
  out.reason = 'nflog without payload';
  return LinkStatus.NonIp;
}

/**
 * Decodes the link layer of one frame. `depth` bounds the recursion of wrapper link types
 * (PKTAP, PPI).
 */
export function decodeLink(buf: Uint8Array, off: number, end: number, linkType: number, out: LinkResult, depth = 0): LinkStatus {
  switch (linkType) {
    case 1:
      return decodeEthernet(buf, off, end, out);
    case 276: // Linux SLL2: protocol(2) reserved(2) ifindex(4) hatype(2) pkttype(1) halen(1) addr(8)
      if (off + 20 > end) {
        out.reason = 'truncated sll2 header';
        return LinkStatus.Undecodable;
      }
      out.netType = (buf[off] << 8) | buf[off + 1];
      out.netOff = off + 20;
      return sllPayload(buf, out.netOff, end, (buf[off + 8] << 8) | buf[off + 9], out);
    case 113: // Linux SLL: pkttype(2) hatype(2) halen(2) addr(8) protocol(2)
      if (off + 16 > end) {
        out.reason = 'truncated sll header';
        return LinkStatus.Undecodable;
      }
      out.netType = (buf[off + 14] << 8) | buf[off + 15];
      out.netOff = off + 16;
      return sllPayload(buf, out.netOff, end, (buf[off + 2] << 8) | buf[off + 3], out);
    case 101:
    case 12:
    case 14:
    case 228:
    case 229:
      return ipByVersion(buf, off, end, out);
    case 0:
    case 108:
      return decodeNull(buf, off, end, out);
    case 127: {
      // radiotap: version(1) pad(1) length(2, LE)
      if (off + 4 > end) {
        out.reason = 'truncated radiotap header';
        return LinkStatus.Undecodable;
      }
      const len = buf[off + 2] | (buf[off + 3] << 8);
      if (len < 8 || off + len > end) {
        out.reason = 'radiotap length beyond frame';
        return LinkStatus.Undecodable;
      }
      return decode80211(buf, off + len, end, out);
    }
    case 105:
      return decode80211(buf, off, end, out);
    case 239:
      return decodeNflog(buf, off, end, out);
    case 192: {
      // PPI: version(1) flags(1) length(2, LE) dlt(4, LE)
      if (off + 8 > end) {
        out.reason = 'truncated ppi header';
        return LinkStatus.Undecodable;
      }
      const len = buf[off + 2] | (buf[off + 3] << 8);
      const dlt = (buf[off + 4] | (buf[off + 5] << 8) | (buf[off + 6] << 16) | (buf[off + 7] << 24)) >>> 0;
      if (len < 8 || off + len > end) {
        out.reason = 'ppi length beyond frame';
        return LinkStatus.Undecodable;
      }
      if (depth > 2) {
        out.reason = 'nested link headers';
        return LinkStatus.Undecodable;
      }
      return decodeLink(buf, off + len, end, dlt, out, depth + 1);
    }
    case 258: {
      // Apple PKTAP: header length (4, LE), record type (4), dlt (4, LE) …
      if (off + 12 > end) {
        out.reason = 'truncated pktap header';
        return LinkStatus.Undecodable;
      }
      const len = (buf[off] | (buf[off + 1] << 8) | (buf[off + 2] << 16) | (buf[off + 3] << 24)) >>> 0;
      const dlt = (buf[off + 8] | (buf[off + 9] << 8) | (buf[off + 10] << 16) | (buf[off + 11] << 24)) >>> 0;
      if (len < 12 || off + len > end) {
        out.reason = 'pktap length beyond frame';
        return LinkStatus.Undecodable;
      }
      if (depth > 2) {
        out.reason = 'nested link headers';
        return LinkStatus.Undecodable;
      }
      return decodeLink(buf, off + len, end, dlt, out, depth + 1);
    }
    default:
      return LinkStatus.UnknownLinkType;
  }
}

/** SLL/SLL2 protocol field: an EtherType (VLAN tags may follow in band), except for a few
 *  ARPHRD types. */
function sllPayload(buf: Uint8Array, off: number, end: number, hatype: number, out: LinkResult): LinkStatus {
  if (hatype === 824) {
    out.reason = 'netlink';
    return LinkStatus.NonIp;
  }
  if (out.netType === 0x0004 || out.netType === 0x0001) {
    out.reason = 'llc';
    return LinkStatus.NonIp;
  }
  if (hatype === 778 /* ARPHRD_IPGRE */ || hatype === 776 /* ARPHRD_SIT */ || hatype === 768 /* IPIP */) {
    return ipByVersion(buf, off, end, out);
  }
  return etherPayload(buf, off, end, out.netType, out, false);
}

/** A short name for a non-IP EtherType (for the nonIp totals). */
export function etherTypeName(type: number): string {
  switch (type) {
    case 0x0806: return 'arp';
    case 0x8035: return 'rarp';
    case 0x88cc: return 'lldp';
    case 0x888e: return 'eapol';
    case 0x8847: case 0x8848: return 'mpls';
    case 0x8863: return 'pppoe discovery';
    case 0x9000: return 'loopback';
    case 0x88f7: return 'ptp';
    default: return `ethertype 0x${type.toString(16).padStart(4, '0')}`;
  }
}
