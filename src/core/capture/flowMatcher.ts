// Tells whether a captured packet belongs to the alerted flow, so that the pcapng can carry
// a packet comment on exactly those packets. Uses the analyzer's own link and IP decoders;
// allocates nothing per packet.
import type { PacketRecord } from '../pcap/types.js';
import { decodeLink, ETHERTYPE_IPV4, ETHERTYPE_IPV6, LinkResult, LinkStatus } from '../flows/linkLayer.js';
import { decodeIpv4, decodeIpv6, IpResult } from '../flows/ipLayer.js';
import { canonicalIp, type FlowContext } from './captureFilter.js';

const PROTO: Record<string, number> = { tcp: 6, udp: 17, icmp: 1, icmpv6: 58, sctp: 132 };

/** The address as the four 32-bit words the IP decoders write (IPv4: one word, then zeros). */
function words(ip: string): Int32Array {
  const { ip: canon, v6 } = canonicalIp(ip, 'ip');
  const w = new Int32Array(4);
  if (!v6) {
    const b = canon.split('.').map(Number);
    w[0] = (b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3];
    return w;
  }
  const [head, tail = ''] = canon.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = canon.includes('::') ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
  for (let i = 0; i < 4; i++) w[i] = (parseInt(groups[2 * i], 16) << 16) | parseInt(groups[2 * i + 1], 16);
  return w;
}

/** A predicate for the packets of `flow`, or undefined when the flow names no address. */
export function makeFlowMatcher(flow: FlowContext): ((rec: PacketRecord) => boolean) | undefined {
  const a = flow.client ? { w: words(flow.client.ip), port: flow.client.port } : undefined;
  const b = flow.server ? { w: words(flow.server.ip), port: flow.server.port } : undefined;
  if (!a && !b) return undefined;
  const proto = flow.protocol ? PROTO[flow.protocol] : undefined;
  const link = new LinkResult();
  const ip = new IpResult();
  const k = new Int32Array(9);
  const eq = (w: Int32Array, at: number): boolean => k[at] === w[0] && k[at + 1] === w[1] && k[at + 2] === w[2] && k[at + 3] === w[3];
  const hasPorts = proto === 6 || proto === 17 || proto === 132;
  return (rec) => {
    const end = rec.offset + rec.capLen;
    if (decodeLink(rec.buf, rec.offset, end, rec.linkType, link) !== LinkStatus.Ok) return false;
    let ok: boolean;
    if (link.netType === ETHERTYPE_IPV4) ok = decodeIpv4(rec.buf, link.netOff, end, ip, k);
    else if (link.netType === ETHERTYPE_IPV6) ok = decodeIpv6(rec.buf, link.netOff, end, ip, k);
    else return false;
    if (!ok) return false;
    if (proto !== undefined && ip.proto !== proto) return false;
    // Which side of the packet is the client?
    let fwd = true;
    if (a && b) {
      if (eq(a.w, 1) && eq(b.w, 5)) fwd = true;
      else if (eq(b.w, 1) && eq(a.w, 5)) fwd = false;
      else return false;
    } else {
      const only = (a ?? b)!;
      if (!eq(only.w, 1) && !eq(only.w, 5)) return false;
      fwd = eq(only.w, 1) === (only === a);
    }
    if (!hasPorts || ip.isFragment && ip.fragOffset !== 0) return true;
    if (ip.l4Off + 4 > ip.l4End) return false;
    const sport = (rec.buf[ip.l4Off] << 8) | rec.buf[ip.l4Off + 1];
    const dport = (rec.buf[ip.l4Off + 2] << 8) | rec.buf[ip.l4Off + 3];
    const cport = fwd ? sport : dport;
    const spt = fwd ? dport : sport;
    if (a?.port !== undefined && cport !== a.port) return false;
    if (b?.port !== undefined && spt !== b.port) return false;
    return true;
  };
}
