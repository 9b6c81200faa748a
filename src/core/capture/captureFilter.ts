// Capture (BPF) and display (Wireshark) filters built from an alert's network context.
//
// Alert fields are attacker controlled. Nothing from them reaches a filter as text: every
// address is parsed and re-printed in canonical form (node:net), every port is an integer
// 1–65535, the protocol comes from a closed list. Anything else is refused with a reason.
import { isIPv4 } from 'node:net';
import { checkIp } from '../alerts/validate.js';
import { CodedError } from '../util/problem.js';

export type L4Protocol = 'tcp' | 'udp' | 'icmp' | 'icmpv6' | 'sctp';

export interface Endpoint {
  ip: string;
  port?: number;
}

/** The network facts a filter is built from (usually from FalcoAlert.network). */
export interface FlowContext {
  protocol?: L4Protocol;
  client?: Endpoint;
  server?: Endpoint;
}

/** What the filter selects, in words a user reads in the plan. */
export type FilterScope =
  | 'flow' // both endpoints with ports: the alerted connection
  | 'server' // the server address and port (client port unknown)
  | 'peer' // one or two addresses, no usable port
  | 'pod'; // no network context: everything the pod sends and receives

export interface BuiltFilters {
  scope: FilterScope;
  /** libpcap filter; '' captures everything. */
  bpf: string;
  /** Wireshark display filter selecting the alerted flow ('' when scope is 'pod'). */
  display: string;
  /** One sentence for the plan ("TCP 10.0.0.5:43122 ↔ 203.0.113.9:4444, plus DNS"). */
  description: string;
}

export class FilterInputError extends CodedError {
  override readonly name = 'FilterInputError';
  readonly code = 'plan';
  constructor(readonly field: string, readonly value: unknown, reason: string) {
    super(`${field}: ${reason}`);
  }
}

const PROTOCOLS: ReadonlySet<string> = new Set(['tcp', 'udp', 'icmp', 'icmpv6', 'sctp']);

/** Parses an address and prints it canonically; throws FilterInputError otherwise. */
export function canonicalIp(value: unknown, field: string): { ip: string; v6: boolean } {
  // The alert parser's validator: dotted-quad IPv4 without leading zeros, IPv6 canonicalised,
  // no zone ids.
  const checked = checkIp(value);
  if (!checked.ok) {
    throw new FilterInputError(field, value, typeof value === 'string' ? `'${printable(value)}' is not an IPv4 or IPv6 address` : 'not an IP address');
  }
  const host = checked.value;
  if (!host.includes(':')) return { ip: host, v6: false };
  // IPv4-mapped addresses are captured as IPv4 on the wire.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(host);
  if (mapped && isIPv4(mapped[1])) return { ip: mapped[1], v6: false };
  const hexMapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(host);
  if (hexMapped) {
    const hi = parseInt(hexMapped[1], 16);
    const lo = parseInt(hexMapped[2], 16);
    return { ip: `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`, v6: false };
  }
  return { ip: host, v6: true };
}

export function validPort(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 65535) {
    throw new FilterInputError(field, value, `'${printable(String(value))}' is not a port (an integer 0–65535)`);
  }
  // Falco prints port 0 when it does not know it (e.g. unconnected UDP): unknown, not "port 0".
  return value === 0 ? undefined : value;
}

function printable(s: string): string {
  const cut = s.length > 60 ? `${s.slice(0, 60)}…` : s;
  return cut.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

interface CleanEndpoint {
  ip: string;
  v6: boolean;
  port?: number;
}

function cleanEndpoint(e: Endpoint | undefined, field: string): CleanEndpoint | undefined {
  if (!e) return undefined;
  const { ip, v6 } = canonicalIp(e.ip, `${field}.ip`);
  const port = validPort(e.port, `${field}.port`);
  return port === undefined ? { ip, v6 } : { ip, v6, port };
}

export interface FilterOptions {
  /** Also capture DNS (port 53) so that the names behind the addresses are in the file. */
  includeDns?: boolean;
}

/** Builds the capture and display filters. Throws FilterInputError for invalid input. */
export function buildFilters(ctx: FlowContext, opts: FilterOptions = {}): BuiltFilters {
  const proto = ctx.protocol;
  if (proto !== undefined && !PROTOCOLS.has(proto)) {
    throw new FilterInputError('protocol', proto, `'${printable(String(proto))}' is not one of ${[...PROTOCOLS].join(', ')}`);
  }
  const client = cleanEndpoint(ctx.client, 'client');
  const server = cleanEndpoint(ctx.server, 'server');
  const hasPorts = proto === 'tcp' || proto === 'udp' || proto === 'sctp' || proto === undefined;
  const dns = opts.includeDns ? ' or port 53' : '';
  const dnsWords = opts.includeDns ? ', plus DNS' : '';
  const P = proto ? proto.toUpperCase() : 'IP';

  if (client && server && client.v6 !== server.v6) {
    throw new FilterInputError('server.ip', server.ip,
      `the client ${client.ip} is IPv${client.v6 ? 6 : 4} and the server IPv${server.v6 ? 6 : 4}: no packet carries both`);
  }
  if (!client && !server) {
    return { scope: 'pod', bpf: '', display: '', description: 'all of the pod\'s traffic (the alert has no network context)' };
  }
  const ipField = (e: CleanEndpoint): string => (e.v6 ? 'ipv6.addr' : 'ip.addr');
  const portField = proto === 'udp' ? 'udp.port' : proto === 'sctp' ? 'sctp.port' : 'tcp.port';
  const protoBpf = proto === undefined ? '' : proto === 'icmpv6' ? 'icmp6' : proto;
  const fmt = (e: CleanEndpoint): string => (e.port === undefined ? e.ip : e.v6 ? `[${e.ip}]:${e.port}` : `${e.ip}:${e.port}`);

  if (client && server && client.port !== undefined && server.port !== undefined && hasPorts && proto) {
    const bpf = `(${protoBpf} and ((src host ${client.ip} and src port ${client.port} and dst host ${server.ip} and dst port ${server.port})`
      + ` or (src host ${server.ip} and src port ${server.port} and dst host ${client.ip} and dst port ${client.port})))${dns}`;
    const display = `${ipField(client)}==${client.ip} && ${ipField(server)}==${server.ip} && ${portField}==${client.port} && ${portField}==${server.port}`;
    return { scope: 'flow', bpf, display, description: `${P} ${fmt(client)} ↔ ${fmt(server)}${dnsWords}` };
  }
  if (server && server.port !== undefined && hasPorts && proto) {
    const bpf = `(${protoBpf} and host ${server.ip} and port ${server.port})${dns}`;
    const display = `${ipField(server)}==${server.ip} && ${portField}==${server.port}`;
    return { scope: 'server', bpf, display, description: `${P} to or from ${fmt(server)}${dnsWords}` };
  }
  const hosts = [client, server].filter((e): e is CleanEndpoint => e !== undefined);
  const bpfHosts = hosts.map((h) => `host ${h.ip}`).join(' and ');
  const protoPart = protoBpf ? `${protoBpf} and ` : '';
  const bpf = `(${protoPart}${bpfHosts})${dns}`;
  const display = hosts.map((h) => `${ipField(h)}==${h.ip}`).join(' && ');
  return { scope: 'peer', bpf, display, description: `${P} traffic with ${hosts.map((h) => h.ip).join(' and ')}${dnsWords}` };
}
