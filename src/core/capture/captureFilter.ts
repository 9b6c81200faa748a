// Capture (BPF) and display (Wireshark) filters: two of the four encodings of the alerted flow,
// derived from its checked form (selectionOf, flowContext.ts), so that they select the packets
// the per-packet and per-flow matchers select.
import { selectionOf, type FilterScope, type FlowContext, type Selection } from './flowContext.js';

export interface BuiltFilters {
  scope: FilterScope;
  /** libpcap filter; '' captures everything. */
  bpf: string;
  /** Wireshark display filter selecting the alerted flow ('' when scope is 'pod'). */
  display: string;
  /** One sentence for the plan ("TCP 10.0.0.5:43122 ↔ 203.0.113.9:4444, plus DNS"). */
  description: string;
}

export interface FilterOptions {
  /** Also capture DNS (port 53) so that the names behind the addresses are in the file. */
  includeDns?: boolean;
}

/** Wireshark's name of a protocol (also its display filter). */
const WIRESHARK: Record<NonNullable<Selection['protocol']>, string> = { tcp: 'tcp', udp: 'udp', sctp: 'sctp', icmp: 'icmp', icmpv6: 'icmpv6' };
const LIBPCAP: Record<NonNullable<Selection['protocol']>, string> = { tcp: 'tcp', udp: 'udp', sctp: 'sctp', icmp: 'icmp', icmpv6: 'icmp6' };

/** libpcap filter of a selection ('' for scope 'pod': everything). */
export function bpfOf(sel: Selection, opts: FilterOptions = {}): string {
  if (sel.hosts.length === 0) return '';
  const terms = [...(sel.protocol ? [LIBPCAP[sel.protocol]] : []), ...sel.hosts.map((h) => `host ${h.ip}`), ...sel.ports.map((p) => `port ${p}`)];
  return `(${terms.join(' and ')})${opts.includeDns ? ' or port 53' : ''}`;
}

/** Wireshark display filter of a selection ('' for scope 'pod'). */
export function displayFilterOf(sel: Selection): string {
  if (sel.hosts.length === 0) return '';
  const portField = sel.protocol === 'udp' ? 'udp.port' : sel.protocol === 'sctp' ? 'sctp.port' : 'tcp.port';
  const terms = [...sel.hosts.map((h) => `${h.v6 ? 'ipv6.addr' : 'ip.addr'}==${h.ip}`), ...sel.ports.map((p) => `${portField}==${p}`)];
  // Without ports the protocol is a term of its own (with ports, tcp.port implies TCP).
  if (sel.protocol && sel.ports.length === 0) terms.push(WIRESHARK[sel.protocol]);
  return terms.join(' && ');
}

function describe(sel: Selection, dns: boolean): string {
  const dnsWords = dns ? ', plus DNS' : '';
  const P = sel.protocol ? sel.protocol.toUpperCase() : 'IP';
  const fmt = (e: { ip: string; v6: boolean; port?: number }): string => (e.port === undefined ? e.ip : e.v6 ? `[${e.ip}]:${e.port}` : `${e.ip}:${e.port}`);
  switch (sel.scope) {
    case 'pod': return 'all of the pod\'s traffic (the alert has no network context)';
    case 'flow': return `${P} ${fmt(sel.client!)} ↔ ${fmt(sel.server!)}${dnsWords}`;
    case 'server': return `${P} to or from ${fmt(sel.server!)}${dnsWords}`;
    case 'peer': return `${P} traffic with ${sel.hosts.map((h) => h.ip).join(' and ')}${dnsWords}`;
    default: { const never: never = sel.scope; return never; }
  }
}

/** Builds the capture and display filters. Throws FilterInputError for invalid input. */
export function buildFilters(ctx: FlowContext, opts: FilterOptions = {}): BuiltFilters {
  const sel = selectionOf(ctx);
  const dns = sel.scope !== 'pod' && opts.includeDns === true;
  return { scope: sel.scope, bpf: bpfOf(sel, { includeDns: dns }), display: displayFilterOf(sel), description: describe(sel, dns) };
}
