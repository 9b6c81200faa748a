// Human-readable rendering of a FlowSummary for the terminal.
import type { FlowRecord, FlowEndpoint } from '../shared/flowSummary.js';
import type { AnnotatedFlow, AnnotatedSummary } from '../shared/annotatedSummary.js';
import { terminalSafe } from '../core/util/terminalSafe.js';
import { formatBytes } from '../shared/byteSize.js';

function ep(e: FlowEndpoint): string {
  if (e.port === undefined) return e.ip;
  return e.ip.includes(':') ? `[${e.ip}]:${e.port}` : `${e.ip}:${e.port}`;
}

function named(e: FlowEndpoint, id: AnnotatedFlow['clientIdentity']): string {
  if (!id || id.kind === 'unknown') return ep(e);
  return `${ep(e)} ${terminalSafe(id.kind === 'pod' ? `${id.namespace}/${id.workload?.name ?? id.name}` : id.label, 40)}`;
}

function seconds(f: FlowRecord): number {
  return (Date.parse(f.lastSeen) - Date.parse(f.firstSeen)) / 1000;
}

/** What the analyst wants to see next to a flow: names it carried. */
export function flowHints(f: FlowRecord): string {
  const parts: string[] = [];
  if (f.tlsSni) parts.push(`sni=${f.tlsSni}`);
  if (f.http) parts.push(`http ${f.http.method} ${f.http.host ?? ''}${f.http.path}`);
  if (f.dns?.length) {
    const names = [...new Set(f.dns.map((d) => d.name))];
    parts.push(`dns ${names.slice(0, 3).join(',')}${names.length > 3 ? ` +${names.length - 3}` : ''}`);
  }
  if (f.flags?.includes('RST')) parts.push('RST');
  return terminalSafe(parts.join(' '), 80);
}

function table(header: string[], rows: string[][], rightAligned: Set<number>): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (rightAligned.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** The table of a whole summary: alerted flows first, then by bytes, the first `top`. */
export function renderSummary(s: AnnotatedSummary, file: string, top: number): string {
  const flows = [...s.flows].sort((a, b) => Number(b.alerted ?? false) - Number(a.alerted ?? false)
    || (b.bytes.fromClient + b.bytes.fromServer) - (a.bytes.fromClient + a.bytes.fromServer));
  return renderTable(s, flows.slice(0, top), s.flows.length, s.flows.some((f) => f.alerted), file);
}

/** The table of a summary's head (its `flows` are not read) with the rows to show, already
 *  in order: `total` flows in all, `anyAlerted` when one of them is the alerted flow. */
export function renderTable(s: AnnotatedSummary, shown: readonly AnnotatedFlow[], total: number, anyAlerted: boolean, file: string): string {
  const t = s.totals;
  const out: string[] = [];
  out.push(`${terminalSafe(file, 300)}: ${s.format ?? 'unknown format'}, ${t.packets.toLocaleString('en')} packets, ${formatBytes(t.bytes)}, `
    + `${t.durationSeconds.toFixed(3)} s, ${t.flows.toLocaleString('en')} flows`);
  if (t.firstPacket) out.push(`from ${t.firstPacket} to ${t.lastPacket}`);
  const ctx = s.context;
  if (ctx) {
    if (ctx.alert) out.push(`alert: ${terminalSafe(ctx.alert.rule, 100)} (${ctx.alert.priority ?? '?'}) at ${ctx.alert.time ?? '?'}: ${terminalSafe(ctx.alert.output, 200)}`);
    out.push(`capture ${ctx.id}: ${terminalSafe(ctx.target)}, filter ${terminalSafe(ctx.filter || '(none)', 200)}${ctx.outcome ? `, ${ctx.outcome}` : ''}`);
    if (ctx.displayFilter) out.push(`display filter of the alerted flow: ${terminalSafe(ctx.displayFilter, 200)}`);
  } else {
    for (const c of s.comments) out.push(`comment: ${terminalSafe(c, 300)}`);
  }
  const protos = Object.entries(t.protocols).sort((a, b) => b[1].packets - a[1].packets)
    .map(([p, v]) => `${p} ${v.flows} flows/${v.packets} pkts`);
  if (protos.length) out.push(`protocols: ${protos.join(', ')}`);
  out.push('');
  // A workload capture: which pod each flow was captured on (its pods share a workload name).
  const podColumn = shown.some((f) => f.capturedOn);
  out.push(table(
    ['', 'proto', 'client', 'server', 'pkts c→s', 'pkts s→c', 'bytes c→s', 'bytes s→c', 'secs', 'seen', ...(podColumn ? ['captured on'] : [])],
    shown.map((f) => [f.alerted ? '▶' : '', f.protocol, named(f.client, f.clientIdentity), named(f.server, f.serverIdentity),
      String(f.packets.fromClient), String(f.packets.fromServer),
      formatBytes(f.bytes.fromClient), formatBytes(f.bytes.fromServer), seconds(f).toFixed(3), flowHints(f),
      ...(podColumn ? [terminalSafe((f.capturedOn ?? []).join(' '), 120)] : [])]),
    new Set([4, 5, 6, 7, 8]),
  ));
  if (total > shown.length) out.push(`… ${total - shown.length} more flows (use --top N or --json)`);
  const notes: string[] = [];
  if (t.undecodable.packets) {
    notes.push(`${t.undecodable.packets} packets not decoded: ${Object.entries(t.undecodable.reasons).map(([r, n]) => `${terminalSafe(r)} (${n})`).join(', ')}`);
  }
  const unk = Object.entries(t.unknownLinkTypes);
  if (unk.length) notes.push(`link types not decoded: ${unk.map(([l, n]) => `LINKTYPE ${l} (${n} packets)`).join(', ')}`);
  const nonIp = Object.entries(t.nonIp);
  if (nonIp.length) notes.push(`non-IP frames: ${nonIp.map(([k, n]) => `${k} ${n}`).join(', ')}`);
  if (t.overflow.flowsRefused) notes.push(`flow limit ${t.overflow.maxFlows} reached: ${t.overflow.packets} packets of ${t.overflow.flowsRefused} more flows not tracked`);
  if (s.truncated) notes.push(`TRUNCATED at byte ${s.truncated.offset}: ${terminalSafe(s.truncated.reason, 300)} (everything before it is summarised)`);
  if (ctx?.snapshotGaps?.length) notes.push(`cluster snapshot incomplete: ${ctx.snapshotGaps.map((g) => terminalSafe(g)).join('; ')}`);
  if (anyAlerted) notes.push('▶ = the alerted flow');
  if (notes.length) out.push('', ...notes);
  return out.join('\n') + '\n';
}
