// The per-packet encoding of the alerted flow (flowContext.ts): whether a captured packet is one
// of the selection's, so that the pcapng carries a packet comment on exactly those packets.
// Uses the analyzer's own link and IP decoders; allocates nothing per packet. Like the capture
// filter, it looks at the outermost IP header and reads ports only where the packet has them
// (not in a non-first IP fragment).
import type { PacketRecord } from '../pcap/types.js';
import { decodeLink, ETHERTYPE_IPV4, ETHERTYPE_IPV6, LinkResult, LinkStatus } from '../flows/linkLayer.js';
import { decodeIpv4, decodeIpv6, IpResult } from '../flows/ipLayer.js';
import { selectionOf, type FlowContext } from './flowContext.js';

const PROTO: Record<string, number> = { tcp: 6, udp: 17, icmp: 1, icmpv6: 58, sctp: 132 };

/** The address as the four 32-bit words the IP decoders write (IPv4: one word, then zeros). */
function words(ip: string, v6: boolean): Int32Array {
  const w = new Int32Array(4);
  if (!v6) {
    const b = ip.split('.').map(Number);
    w[0] = (b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3];
    return w;
  }
  const [head, tail = ''] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
  for (let i = 0; i < 4; i++) w[i] = (parseInt(groups[2 * i], 16) << 16) | parseInt(groups[2 * i + 1], 16);
  return w;
}

/** A predicate for the packets of `flow`, or undefined when the flow names no address. */
export function makeFlowMatcher(flow: FlowContext): ((rec: PacketRecord) => boolean) | undefined {
  const sel = selectionOf(flow);
  if (sel.hosts.length === 0) return undefined;
  const hosts = sel.hosts.map((h) => ({ w: words(h.ip, h.v6), v6: h.v6 }));
  const ports = sel.ports;
  const proto = sel.protocol ? PROTO[sel.protocol] : undefined;
  const link = new LinkResult();
  const ip = new IpResult();
  const k = new Int32Array(9);
  const eq = (w: Int32Array, at: number): boolean => k[at] === w[0] && k[at + 1] === w[1] && k[at + 2] === w[2] && k[at + 3] === w[3];
  return (rec) => {
    const end = rec.offset + rec.capLen;
    if (decodeLink(rec.buf, rec.offset, end, rec.linkType, link) !== LinkStatus.Ok) return false;
    let ok: boolean;
    let v6: boolean;
    if (link.netType === ETHERTYPE_IPV4) { ok = decodeIpv4(rec.buf, link.netOff, end, ip, k); v6 = false; }
    else if (link.netType === ETHERTYPE_IPV6) { ok = decodeIpv6(rec.buf, link.netOff, end, ip, k); v6 = true; }
    else return false;
    if (!ok) return false;
    if (proto !== undefined && ip.proto !== proto) return false;
    for (const h of hosts) if (h.v6 !== v6 || (!eq(h.w, 1) && !eq(h.w, 5))) return false;
    if (ports.length === 0) return true;
    if ((ip.isFragment && ip.fragOffset !== 0) || ip.l4Off + 4 > ip.l4End) return false;
    const sport = (rec.buf[ip.l4Off] << 8) | rec.buf[ip.l4Off + 1];
    const dport = (rec.buf[ip.l4Off + 2] << 8) | rec.buf[ip.l4Off + 3];
    for (const p of ports) if (p !== sport && p !== dport) return false;
    return true;
  };
}
