// The two halves of a parallel analysis as one: the worker's counters added to the main
// analyzer's, and the flows of both tables in the order one analyzer would have made them
// (by the packet that created each). `mergeParts` refuses — the caller then analyses the file
// in one thread — whenever the split could have changed a result: a flow seen by both threads
// (the same inner flow in tunnels of two address pairs), a capture-wide bound reached (flow
// limit, hint budgets, fragment table, reason maps), so that the merged summary is always the
// one-thread summary.

import type { FlowRecord } from '../../shared/flowSummary.js';
import type { ByteWriter } from './byteWriter.js';
import type { FlowAccounting, AccountingSnapshot } from './flowAccounting.js';
import type { FlowAnalyzer } from './flowAnalyzer.js';
import { FlowJsonWriter } from './flowJson.js';
import { FlowRecordMaker, type FlowEndpoints, type FlowList } from './buildSummary.js';
import type { CountMap } from './countMap.js';
import { MAX_FRAGMENT_ENTRIES } from './fragments.js';
import { S_BYTES } from './flowTable.js';
import { PartFlows } from './flowWorker.js';
import type { FlowParts } from '../../shared/flowParts.js';

/** Restores the worker's share on this thread. */
export function partFromSnapshot(s: AccountingSnapshot, maxFlows: number): PartFlows {
  const p = new PartFlows({ maxFlows }, 0);
  p.table.restore(s.table);
  p.hints.restore(s.hints);
  for (const [k, n] of s.nonIp) p.nonIp.add(k, n);
  for (const [k, n] of s.undecodable) p.undecodable.add(k, n);
  p.undecodablePackets = s.undecodablePackets;
  p.fragmentPackets = s.fragmentPackets;
  p.frags.created = s.fragsCreated;
  p.frags.unattributed = s.fragsUnattributed;
  p.overflowPackets = s.overflowPackets;
  p.overflowBytes = s.overflowBytes;
  p.flowsRefused = s.flowsRefused;
  p.protoPkts.set(s.protoPkts);
  p.protoBytes.set(s.protoBytes);
  p.before.restore(s.before);
  return p;
}

/** Why the parts cannot be merged, or undefined when they can. */
export function mergeRefusal(main: FlowAnalyzer, part: PartFlows): string | undefined {
  const a = main.table;
  const b = part.table;
  if (a.count + b.count + main.flowsRefused + part.flowsRefused > a.maxFlows) return 'the flow limit was reached';
  if (main.hints.budgetSpent || part.hints.budgetSpent) return 'a hint budget was spent';
  if (main.frags.created + part.frags.created > MAX_FRAGMENT_ENTRIES) return 'more fragmented datagrams than the fragment table holds';
  if (!unionFits(main.nonIp, part.nonIp) || !unionFits(main.undecodable, part.undecodable)) return 'a reason map is full';
  for (let f = 0; f < a.count; f++) if (a.depthOf(f) > 0 && b.findKeyOf(a, f) >= 0) return 'a tunnelled flow is in both halves';
  for (let f = 0; f < b.count; f++) if (b.depthOf(f) > 0 && a.findKeyOf(b, f) >= 0) return 'a tunnelled flow is in both halves';
  return undefined;
}

function unionFits(a: CountMap, b: CountMap): boolean {
  if (a.full || b.full) return false;
  let extra = 0;
  for (const [k] of b.entries()) if (!a.has(k)) extra++;
  return a.size + extra <= a.maxKeys;
}

/** Adds the part's counters to the main analyzer's (call after mergeRefusal said yes). */
export function mergeCounters(main: FlowAnalyzer, part: PartFlows): void {
  for (let p = 0; p < 256; p++) {
    main.protoPkts[p] += part.protoPkts[p];
    main.protoBytes[p] += part.protoBytes[p];
  }
  for (const [k, n] of part.nonIp.entries()) main.nonIp.add(k, n);
  for (const [k, n] of part.undecodable.entries()) main.undecodable.add(k, n);
  main.undecodablePackets += part.undecodablePackets;
  main.fragmentPackets += part.fragmentPackets;
  main.frags.unattributed += part.frags.pendingUnattributed();
  main.hints.addDropped(part.hints.dropped);
}

/** Both tables' flows in creation order: entry g is flow g of the summary, a main index
 *  (≥ 0) or ~index of the part's. */
export function mergedOrder(main: FlowAnalyzer, part: PartFlows): Int32Array {
  const na = main.table.count;
  const nb = part.table.count;
  const ba = main.table.born as Float64Array;
  const bb = part.table.born as Float64Array;
  const order = new Int32Array(na + nb);
  let i = 0;
  let j = 0;
  for (let g = 0; g < order.length; g++) {
    if (j >= nb || (i < na && ba[i] <= bb[j])) order[g] = i++;
    else order[g] = ~j++;
  }
  return order;
}

/** The merged flows, flow g as the summary numbers them. */
export class MergedFlows implements FlowList, FlowEndpoints {
  readonly count: number;
  private readonly makers: [FlowRecordMaker, FlowRecordMaker];
  private readonly writers: [FlowJsonWriter, FlowJsonWriter];
  private readonly parts: [FlowAccounting, FlowAccounting];

  constructor(main: FlowAnalyzer, part: PartFlows, readonly order: Int32Array) {
    this.count = order.length;
    this.parts = [main, part];
    this.makers = [new FlowRecordMaker(main), new FlowRecordMaker(part)];
    this.writers = [new FlowJsonWriter(main), new FlowJsonWriter(part)];
  }

  private side(g: number): number {
    return this.order[g] < 0 ? 1 : 0;
  }

  private local(g: number): number {
    const v = this.order[g];
    return v < 0 ? ~v : v;
  }

  protocolNumber(g: number): number {
    return this.parts[this.side(g)].table.protocol(this.local(g));
  }

  protocol(g: number): string {
    return this.makers[this.side(g)].protocol(this.local(g));
  }

  ip(g: number, side: 0 | 1): string {
    return this.makers[this.side(g)].ip(this.local(g), side);
  }

  port(g: number, side: 0 | 1): number | undefined {
    return this.makers[this.side(g)].port(this.local(g), side);
  }

  record(g: number): FlowRecord {
    return this.makers[this.side(g)].record(this.local(g));
  }

  partsOf(g: number, out: FlowParts): void {
    this.makers[this.side(g)].parts(this.local(g), out);
  }

  writeFlowOpen(g: number, w: ByteWriter): void {
    this.writers[this.side(g)].open(this.local(g), w);
  }

  totalBytes(g: number): number {
    const t = this.parts[this.side(g)].table;
    const f = this.local(g);
    return t.stat(f, S_BYTES) + t.stat(f, S_BYTES + 1);
  }
}
