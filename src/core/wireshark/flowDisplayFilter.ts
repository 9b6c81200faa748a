// Wireshark display filters for a capture: the alerted flow's (from the plan) or a selected
// flow's. Flow addresses and ports come from packet bytes, so they are validated and re-printed
// by buildFilters; nothing from the summary reaches the filter as text.
import type { FlowRecord } from '../../shared/flowSummary.js';
import { buildFilters, FilterInputError, type FlowContext, type L4Protocol } from '../capture/captureFilter.js';

const L4: ReadonlySet<string> = new Set(['tcp', 'udp', 'icmp', 'icmpv6', 'sctp']);

export type DisplayFilterResult = { ok: true; filter: string } | { ok: false; reason: string };

/** The display filter selecting one flow of a summary (both directions). */
export function displayFilterForFlow(flow: Pick<FlowRecord, 'protocol' | 'client' | 'server'>): DisplayFilterResult {
  const proto = typeof flow.protocol === 'string' && L4.has(flow.protocol) ? (flow.protocol as L4Protocol) : undefined;
  const ctx: FlowContext = {
    ...(proto ? { protocol: proto } : {}),
    client: { ip: flow.client.ip, ...(flow.client.port !== undefined ? { port: flow.client.port } : {}) },
    server: { ip: flow.server.ip, ...(flow.server.port !== undefined ? { port: flow.server.port } : {}) },
  };
  try {
    const built = buildFilters(ctx);
    if (!built.display) return { ok: false, reason: 'the flow has no usable address' };
    // Port-less protocols (icmp, ip-N): restrict to the protocol as well when Wireshark knows it.
    if (built.scope === 'peer' && (proto === 'icmp' || proto === 'icmpv6')) return { ok: true, filter: `${built.display} && ${proto}` };
    return { ok: true, filter: built.display };
  } catch (e) {
    if (e instanceof FilterInputError) return { ok: false, reason: e.message };
    throw e;
  }
}

/** A display filter from a plan/summary context: accepted only when it is one buildFilters
 *  could have produced (the sidecar is a file on disk; it is re-checked, not trusted). */
export function isSafeDisplayFilter(filter: string): boolean {
  if (filter.length > 512) return false;
  return /^[a-z0-9.:=&| ]*$/i.test(filter);
}
