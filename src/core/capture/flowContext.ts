// The alerted flow: one type (FlowContext, as the plan and the sidecar keep it) and one
// checked form of it (Selection) from which the four encodings are derived —
//   the capture filter (BPF) and the Wireshark display filter (captureFilter.ts),
//   the per-packet matcher that marks packets in the pcapng (flowMatcher.ts),
//   the per-flow matcher that marks the summary's alerted flows (flowMatches, here).
// All four select the same packets: those of the protocol (when known) whose two addresses
// include every host of the selection and whose two ports include every port of it. A test
// (test/integration/flowAgreement.test.ts) runs the four over the same packets.
//
// Alert fields are attacker controlled. Nothing from them reaches a filter as text: every
// address is parsed and re-printed in canonical form (node:net), every port is an integer
// 1–65535, the protocol comes from a closed list. Anything else is refused with a reason.
import { isIPv4 } from 'node:net';
import { checkIp } from '../alerts/validate.js';
import { CodedError } from '../util/problem.js';
import type { FlowEndpoint } from '../../shared/flowSummary.js';

export type L4Protocol = 'tcp' | 'udp' | 'icmp' | 'icmpv6' | 'sctp';
export const L4_PROTOCOLS: readonly L4Protocol[] = ['tcp', 'udp', 'icmp', 'icmpv6', 'sctp'];
/** The protocols whose packets carry ports. */
const WITH_PORTS: ReadonlySet<string> = new Set(['tcp', 'udp', 'sctp']);

export interface Endpoint {
  ip: string;
  port?: number;
}

/** The network facts of an alerted flow (usually from FalcoAlert.network). */
export interface FlowContext {
  protocol?: L4Protocol;
  client?: Endpoint;
  server?: Endpoint;
}

/** What the selection is, in words a user reads in the plan. */
export type FilterScope =
  | 'flow' // both endpoints with ports: the alerted connection
  | 'server' // the server address and port (client port unknown)
  | 'peer' // one or two addresses, no usable port
  | 'pod'; // no network context: everything the pod sends and receives

export class FilterInputError extends CodedError {
  override readonly name = 'FilterInputError';
  readonly code = 'plan';
  constructor(readonly field: string, readonly value: unknown, reason: string) {
    super(`${field}: ${reason}`);
  }
}

function printable(s: string): string {
  const cut = s.length > 60 ? `${s.slice(0, 60)}…` : s;
  return cut.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

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

export interface CleanEndpoint {
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

/** A flow context checked and reduced to what selects packets. */
export interface Selection {
  scope: FilterScope;
  protocol?: L4Protocol;
  /** Addresses every selected packet carries (as source or destination); none: scope 'pod'. */
  hosts: Array<{ ip: string; v6: boolean }>;
  /** Ports every selected packet carries (as source or destination port). */
  ports: number[];
  /** The endpoints as checked (for the words of the plan). */
  client?: CleanEndpoint;
  server?: CleanEndpoint;
}

/** Checks a flow context and derives what it selects. Throws FilterInputError for invalid input.
 *  Both endpoints with ports: both addresses and both ports. The server's port known: the
 *  server's address and port (any client: a beacon's next connection comes from a new port).
 *  Otherwise the addresses given, any port. */
export function selectionOf(ctx: FlowContext): Selection {
  const proto = ctx.protocol;
  if (proto !== undefined && !(L4_PROTOCOLS as readonly string[]).includes(proto)) {
    throw new FilterInputError('protocol', proto, `'${printable(String(proto))}' is not one of ${L4_PROTOCOLS.join(', ')}`);
  }
  const client = cleanEndpoint(ctx.client, 'client');
  const server = cleanEndpoint(ctx.server, 'server');
  if (client && server && client.v6 !== server.v6) {
    throw new FilterInputError('server.ip', server.ip,
      `the client ${client.ip} is IPv${client.v6 ? 6 : 4} and the server IPv${server.v6 ? 6 : 4}: no packet carries both`);
  }
  const base = { ...(proto ? { protocol: proto } : {}), ...(client ? { client } : {}), ...(server ? { server } : {}) };
  const host = (e: CleanEndpoint): { ip: string; v6: boolean } => ({ ip: e.ip, v6: e.v6 });
  const ported = proto !== undefined && WITH_PORTS.has(proto);
  if (!client && !server) return { ...base, scope: 'pod', hosts: [], ports: [] };
  if (ported && client?.port !== undefined && server?.port !== undefined) {
    return { ...base, scope: 'flow', hosts: [host(client), host(server)], ports: [client.port, server.port] };
  }
  if (ported && server?.port !== undefined) return { ...base, scope: 'server', hosts: [host(server)], ports: [server.port] };
  return { ...base, scope: 'peer', hosts: [client, server].filter((e): e is CleanEndpoint => e !== undefined).map(host), ports: [] };
}

/** The per-flow encoding: does a summary's flow carry the selected packets? Undefined or an
 *  empty selection matches no flow. */
export function flowMatches(sel: Selection | undefined, f: { protocol: string; client: FlowEndpoint; server: FlowEndpoint }): boolean {
  if (!sel || sel.hosts.length === 0) return false;
  if (sel.protocol && sel.protocol !== f.protocol) return false;
  if (!sel.hosts.every((h) => h.ip === f.client.ip || h.ip === f.server.ip)) return false;
  return sel.ports.every((p) => p === f.client.port || p === f.server.port);
}

/** The flow context of one summary flow (its addresses and ports come from packet bytes and are
 *  checked again by selectionOf). Port-less protocols other than ICMP have no L4Protocol. */
export function flowContextOfRecord(f: { protocol: string; client: FlowEndpoint; server: FlowEndpoint }): FlowContext {
  const proto = (L4_PROTOCOLS as readonly string[]).includes(f.protocol) ? (f.protocol as L4Protocol) : undefined;
  return {
    ...(proto ? { protocol: proto } : {}),
    client: { ip: f.client.ip, ...(f.client.port !== undefined ? { port: f.client.port } : {}) },
    server: { ip: f.server.ip, ...(f.server.port !== undefined ? { port: f.server.port } : {}) },
  };
}
