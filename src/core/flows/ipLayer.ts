// IPv4 / IPv6 header decoding into a reused `IpResult`, addresses written straight into the
// flow table's scratch key (no allocation).

export class IpResult {
  version = 4;
  proto = 0;
  /** Start and end (exclusive, clipped to the captured bytes) of the upper-layer data. */
  l4Off = 0;
  l4End = 0;
  /** Length of the upper-layer data as the header declares it (may exceed what was captured). */
  l4DeclaredLen = 0;
  isFragment = false;
  /** Byte offset of this fragment in its datagram. */
  fragOffset = 0;
  moreFragments = false;
  fragId = 0;
  /** Bytes of datagram data this fragment carries (as declared). */
  fragLen = 0;
  reason = '';
}

/** Decodes an IPv4 header at `off`. Writes source to k[1] and destination to k[5] (k[2..4],
 *  k[6..8] zeroed). Returns false with `ip.reason` when it cannot be decoded. */
export function decodeIpv4(buf: Uint8Array, off: number, end: number, ip: IpResult, k: Int32Array): boolean {
  if (off + 20 > end) {
    ip.reason = 'truncated ipv4 header';
    return false;
  }
  const b0 = buf[off];
  if (b0 >> 4 !== 4) {
    ip.reason = `ipv4 version ${b0 >> 4}`;
    return false;
  }
  const hl = (b0 & 0x0f) * 4;
  if (hl < 20) {
    ip.reason = `ipv4 header length ${b0 & 0x0f} < 5`;
    return false;
  }
  if (off + hl > end) {
    ip.reason = 'truncated ipv4 options';
    return false;
  }
  let total = (buf[off + 2] << 8) | buf[off + 3];
  if (total === 0) {
    total = end - off; // TSO/GSO or BIG TCP: the length is whatever was captured
  } else if (total < hl) {
    ip.reason = `ipv4 total length ${total} < header length ${hl}`;
    return false;
  }
  const ffo = (buf[off + 6] << 8) | buf[off + 7];
  ip.version = 4;
  ip.proto = buf[off + 9];
  ip.fragOffset = (ffo & 0x1fff) * 8;
  ip.moreFragments = (ffo & 0x2000) !== 0;
  ip.isFragment = ip.moreFragments || ip.fragOffset !== 0;
  ip.fragId = (buf[off + 4] << 8) | buf[off + 5];
  ip.l4Off = off + hl;
  ip.l4DeclaredLen = total - hl;
  ip.fragLen = total - hl;
  ip.l4End = off + total < end ? off + total : end;
  k[1] = (buf[off + 12] << 24) | (buf[off + 13] << 16) | (buf[off + 14] << 8) | buf[off + 15];
  k[2] = 0;
  k[3] = 0;
  k[4] = 0;
  k[5] = (buf[off + 16] << 24) | (buf[off + 17] << 16) | (buf[off + 18] << 8) | buf[off + 19];
  k[6] = 0;
  k[7] = 0;
  k[8] = 0;
  return true;
}

function word(buf: Uint8Array, p: number): number {
  return (buf[p] << 24) | (buf[p + 1] << 16) | (buf[p + 2] << 8) | buf[p + 3];
}

/** Decodes an IPv6 header and its extension headers at `off`. Addresses go to k[1..4]
 *  (source) and k[5..8] (destination). */
export function decodeIpv6(buf: Uint8Array, off: number, end: number, ip: IpResult, k: Int32Array): boolean {
  if (off + 40 > end) {
    ip.reason = 'truncated ipv6 header';
    return false;
  }
  if (buf[off] >> 4 !== 6) {
    ip.reason = `ipv6 version ${buf[off] >> 4}`;
    return false;
  }
  const plen = (buf[off + 4] << 8) | buf[off + 5];
  let nh = buf[off + 6];
  k[1] = word(buf, off + 8);
  k[2] = word(buf, off + 12);
  k[3] = word(buf, off + 16);
  k[4] = word(buf, off + 20);
  k[5] = word(buf, off + 24);
  k[6] = word(buf, off + 28);
  k[7] = word(buf, off + 32);
  k[8] = word(buf, off + 36);
  // payload length 0 with a Hop-by-Hop jumbo option (or BIG TCP): the rest of the capture.
  let dgramEnd = plen === 0 ? Number.MAX_SAFE_INTEGER : off + 40 + plen;
  let p = off + 40;
  let fragStart = -1;
  ip.version = 6;
  ip.isFragment = false;
  ip.fragOffset = 0;
  ip.moreFragments = false;
  ip.fragId = 0;
  for (let n = 0; ; n++) {
    if (n === 16) {
      ip.reason = 'more than 16 ipv6 extension headers';
      return false;
    }
    if (nh === 0 || nh === 43 || nh === 60 || nh === 135 || nh === 139 || nh === 140) {
      if (p + 8 > end) {
        ip.reason = 'truncated ipv6 extension header';
        return false;
      }
      const len = (buf[p + 1] + 1) * 8;
      if (nh === 0 && plen === 0) {
        // look for the jumbo payload option (type 0xC2, length 4)
        for (let q = p + 2; q + 2 <= p + len && q + 2 <= end;) {
          const t = buf[q];
          if (t === 0) { q++; continue; }
          const ol = buf[q + 1];
          if (t === 0xc2 && ol === 4 && q + 6 <= end) dgramEnd = off + 40 + (word(buf, q + 2) >>> 0);
          q += 2 + ol;
        }
      }
      nh = buf[p];
      p += len;
    } else if (nh === 51) {
      if (p + 8 > end) {
        ip.reason = 'truncated ipv6 authentication header';
        return false;
      }
      const len = (buf[p + 1] + 2) * 4;
      nh = buf[p];
      p += len;
    } else if (nh === 44) {
      if (p + 8 > end) {
        ip.reason = 'truncated ipv6 fragment header';
        return false;
      }
      const fo = ((buf[p + 2] << 8) | buf[p + 3]) & 0xfff8;
      const more = (buf[p + 3] & 1) !== 0;
      nh = buf[p];
      ip.fragId = word(buf, p + 4);
      p += 8;
      fragStart = p;
      if (fo !== 0 || more) {
        ip.isFragment = true;
        ip.fragOffset = fo;
        ip.moreFragments = more;
        if (fo !== 0) break; // the rest is not headers but a datagram's middle
      }
    } else {
      break;
    }
  }
  if (p > end || p > dgramEnd) {
    ip.reason = 'ipv6 extension headers beyond packet';
    return false;
  }
  ip.proto = nh;
  ip.l4Off = p;
  const declaredEnd = dgramEnd === Number.MAX_SAFE_INTEGER ? end : dgramEnd;
  ip.l4DeclaredLen = declaredEnd - p;
  ip.fragLen = fragStart >= 0 ? declaredEnd - fragStart : 0;
  ip.l4End = dgramEnd < end ? dgramEnd : end;
  return true;
}
