// The flows as the webview shows them, over columns (flowColumns.ts): a `FlowView` object is
// made only for a flow that is drawn (the table's visible rows, the timeline's strips, the
// selection) and kept in a small cache; sorting and filtering read the typed arrays and give an
// index array (`Uint32Array`), so 600,000 flows never become 600,000 objects or DOM rows.
import { columnsOf, type FlowColumns, type IdentityKind } from './flowColumns.js';
import { isFlowColumns, podsOf, recordAt, seenText } from './flowColumnsRead.js';
import { NO_ALERT, splitShown, type AlertTiming } from './alertTiming.js';

export type { IdentityKind };

/** A flow against the alert's time: all its packets before it, some before and some after
 *  ('across'), all at or after it; 'none' without an alert time. */
export type FlowPhase = 'none' | 'before' | 'across' | 'after';

export interface EndpointView {
  ip: string;
  port: number | undefined;
  /** "10.0.0.1:80", "[::1]:80", "10.0.0.1". */
  addr: string;
  kind: IdentityKind;
  /** Identity label, or the address when the summary is not annotated. */
  label: string;
  namespace: string;
  name: string;
}

export interface FlowView {
  /** Index into summary.flows. */
  index: number;
  protocol: string;
  client: EndpointView;
  server: EndpointView;
  names: string[];
  /** Workload captures: the pods ("ns/name") the flow was captured on (empty without). */
  capturedOn: string[];
  packetsOut: number;
  packetsIn: number;
  bytesOut: number;
  bytesIn: number;
  firstSeen: number;
  lastSeen: number;
  firstSeenText: string;
  duration: number;
  alerted: boolean;
  flags: string[];
  activity: { firstBucket: number; packets: number[]; bytes: number[] };
  phase: FlowPhase;
  /** Packets and bytes before the alert's time (NaN when the summary did not count them:
   *  an 'across' flow of a summary without `alertSplit`). */
  beforePackets: number;
  beforeBytes: number;
  /** First packet minus the alert's time, seconds (NaN without either). */
  startVsAlert: number;
}

const CACHE = 2048;

function addrOf(ip: string, port: number): string {
  return port < 0 ? ip : ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

export class FlowModel {
  readonly count: number;
  private readonly cache = new Map<number, FlowView>();
  private readonly lower = new Map<number, string>();
  private readonly idLower: string[] = [];
  private readonly decoder = new TextDecoder();
  /** The alert's time and what the summary counted about it (see setAlert). */
  alert: AlertTiming = NO_ALERT;
  /** Whether the before/after split means something here (the alert is after the first packet). */
  splitShown = false;

  /** Whether any flow says which pod it was captured on (the table's "Captured on" column). */
  readonly hasPods: boolean;

  /** `sources`: the records the columns were made from (then `raw` gives them back). */
  constructor(readonly cols: FlowColumns, private readonly sources?: readonly unknown[]) {
    this.count = cols.count;
    this.hasPods = (cols.pods?.length ?? 0) > 0;
  }

  /** Columns of a message's `flows` (an older host, a test, a small summary). */
  static fromFlows(flows: readonly unknown[], bucketLimit: number): FlowModel {
    return new FlowModel(columnsOf(flows, bucketLimit), flows);
  }

  /** Columns sent by the host, when well formed. */
  static fromColumns(v: unknown): FlowModel | undefined {
    return isFlowColumns(v) ? new FlowModel(v) : undefined;
  }

  /** Sets the alert's time the flows are placed against (views made before are dropped). */
  setAlert(t: AlertTiming): void {
    this.alert = t;
    this.splitShown = splitShown(t);
    this.cache.clear();
  }

  /** Flow i against the alert's time: from the summary's counts when it has them, else from
   *  the flow's first and last packet times. */
  phaseOf(i: number): FlowPhase {
    const t = this.alert.time;
    if (!Number.isFinite(t)) return 'none';
    const c = this.cols;
    if (this.alert.exact) {
      const b = this.beforeAt(2 * i);
      return b <= 0 ? 'after' : b >= c.packets[2 * i] + c.packets[2 * i + 1] ? 'before' : 'across';
    }
    if (!(c.seen[2 * i] < t)) return 'after';
    return c.seen[2 * i + 1] < t ? 'before' : 'across';
  }

  /** The columns' before count at k (0 when the columns have none: no flow had any). */
  beforeAt(k: number): number {
    const b = this.cols.before;
    return b === undefined ? 0 : b[k];
  }

  /** Packets (side 0) or bytes (1) of flow i before the alert's time; NaN when not known. */
  beforeOf(i: number, side: 0 | 1): number {
    const phase = this.phaseOf(i);
    const c = this.cols;
    if (this.alert.exact || phase === 'after') return phase === 'none' ? NaN : this.beforeAt(2 * i + side);
    if (phase === 'before') return side === 0 ? c.packets[2 * i] + c.packets[2 * i + 1] : c.bytes[2 * i] + c.bytes[2 * i + 1];
    return NaN;
  }

  /** The record of flow i as the summary has it (for the detail and Copy). */
  raw(i: number): unknown {
    if (this.sources) return this.sources[i];
    return this.cols.wire ? recordAt(this.cols, i, this.decoder) : undefined;
  }

  endpoint(i: number, side: 0 | 1): EndpointView {
    const c = this.cols;
    const ip = c.strings[c.ip[2 * i + side]];
    const port = c.port[2 * i + side];
    const id = c.identity[2 * i + side];
    const idv = id >= 0 ? c.identities[id] : undefined;
    return { ip, port: port < 0 ? undefined : port, addr: addrOf(ip, port), kind: idv?.kind ?? 'none', label: idv ? idv.label : ip, namespace: idv?.namespace ?? '', name: idv?.name ?? '' };
  }

  view(i: number): FlowView {
    let v = this.cache.get(i);
    if (v) return v;
    const c = this.cols;
    const first = c.seen[2 * i];
    const last = c.seen[2 * i + 1];
    const raw = this.sources?.[i] as { firstSeen?: unknown } | undefined;
    const a0 = c.actStart[i];
    const a1 = c.actStart[i + 1];
    v = {
      index: i,
      protocol: c.strings[c.protocol[i]],
      client: this.endpoint(i, 0),
      server: this.endpoint(i, 1),
      names: Array.from(c.names.subarray(c.nameStart[i], c.nameStart[i + 1]), (s) => c.strings[s]),
      capturedOn: Array.from(podsOf(c, i), (s) => c.strings[s]),
      packetsOut: c.packets[2 * i],
      packetsIn: c.packets[2 * i + 1],
      bytesOut: c.bytes[2 * i],
      bytesIn: c.bytes[2 * i + 1],
      firstSeen: first,
      lastSeen: last,
      firstSeenText: this.sources ? (typeof raw?.firstSeen === 'string' ? raw.firstSeen.slice(0, 64) : '') : seenText(c, i, 0),
      duration: Number.isFinite(first) && Number.isFinite(last) ? Math.max(0, last - first) : NaN,
      alerted: c.alerted[i] === 1,
      flags: Array.from(c.flags.subarray(c.flagStart[i], c.flagStart[i + 1]), (s) => c.strings[s]),
      activity: { firstBucket: c.actFirst[i], packets: Array.from(c.actPackets.subarray(a0, a1)), bytes: Array.from(c.actBytes.subarray(a0, a1)) },
      phase: this.phaseOf(i),
      beforePackets: this.beforeOf(i, 0),
      beforeBytes: this.beforeOf(i, 1),
      startVsAlert: first - this.alert.time,
    };
    if (this.cache.size >= CACHE) this.cache.delete(this.cache.keys().next().value as number);
    this.cache.set(i, v);
    return v;
  }

  alerted(i: number): boolean {
    return this.cols.alerted[i] === 1;
  }

  totalBytes(i: number): number {
    return this.cols.bytes[2 * i] + this.cols.bytes[2 * i + 1];
  }

  /** Lower-case text of string `id` (cached). */
  lowerOf(id: number): string {
    let s = this.lower.get(id);
    if (s === undefined) {
      s = this.cols.strings[id].toLowerCase();
      this.lower.set(id, s);
    }
    return s;
  }

  /** Lower-case label of identity `id` (cached). */
  identityLower(id: number): string {
    let s = this.idLower[id];
    if (s === undefined) s = this.idLower[id] = this.cols.identities[id].label.toLowerCase();
    return s;
  }

  protocols(): string[] {
    const seen = new Set<number>();
    for (let i = 0; i < this.count; i++) seen.add(this.cols.protocol[i]);
    return [...seen].map((id) => this.cols.strings[id]).sort();
  }
}

export type SortKey = 'alerted' | 'protocol' | 'client' | 'server' | 'names' | 'capturedOn' | 'packetsOut' | 'packetsIn' | 'bytesOut' | 'bytesIn' | 'bytes' | 'duration' | 'firstSeen' | 'beforeAlert';
export const SORT_KEYS: readonly SortKey[] = ['alerted', 'protocol', 'client', 'server', 'names', 'capturedOn', 'packetsOut', 'packetsIn', 'bytesOut', 'bytesIn', 'bytes', 'duration', 'firstSeen', 'beforeAlert'];

/** Flows by time: all, those with packets before the alert, those with packets at or after it. */
export type PhaseFilter = 'all' | 'before' | 'after';
export const PHASE_FILTERS: readonly PhaseFilter[] = ['all', 'before', 'after'];

export interface SortState {
  key: SortKey;
  descending: boolean;
}

export interface FilterState {
  text: string;
  protocol: string;
  alertedOnly: boolean;
  /** Alerted flows stay on top whatever the sort. */
  alertedFirst: boolean;
  /** Applies only when the model's split is shown (the alert is inside the capture). */
  phase: PhaseFilter;
}

function numericKey(m: FlowModel, i: number, key: SortKey): number {
  const c = m.cols;
  switch (key) {
    case 'alerted': return c.alerted[i];
    case 'packetsOut': return c.packets[2 * i];
    case 'packetsIn': return c.packets[2 * i + 1];
    case 'bytesOut': return c.bytes[2 * i];
    case 'bytesIn': return c.bytes[2 * i + 1];
    case 'bytes': return c.bytes[2 * i] + c.bytes[2 * i + 1];
    case 'duration': {
      const d = c.seen[2 * i + 1] - c.seen[2 * i];
      return Number.isFinite(d) ? Math.max(0, d) : -1;
    }
    case 'firstSeen': return Number.isFinite(c.seen[2 * i]) ? c.seen[2 * i] : -1;
    case 'beforeAlert': {
      // Packets before the alert; without the summary's counts, how long before it the flow began.
      if (m.alert.exact) return m.beforeAt(2 * i);
      const d = m.alert.time - c.seen[2 * i];
      return Number.isFinite(d) ? Math.max(0, d) : -1;
    }
    default: return 0;
  }
}

function textKey(m: FlowModel, i: number, key: SortKey): string {
  const c = m.cols;
  switch (key) {
    case 'protocol': return c.strings[c.protocol[i]];
    case 'client':
    case 'server': {
      const side = key === 'client' ? 0 : 1;
      const ipId = c.ip[2 * i + side];
      const id = c.identity[2 * i + side];
      const ip = c.strings[ipId];
      return `${id >= 0 ? m.identityLower(id) : m.lowerOf(ipId)}\n${addrOf(ip, c.port[2 * i + side])}`;
    }
    case 'names':
    case 'capturedOn': {
      const ids = key === 'names' ? c.names.subarray(c.nameStart[i], c.nameStart[i + 1]) : podsOf(c, i);
      if (ids.length === 0) return '\uffff';
      let s = '';
      for (let k = 0; k < ids.length; k++) s += (k > 0 ? ' ' : '') + c.strings[ids[k]];
      return s.toLowerCase();
    }
    default: return '';
  }
}

export const TEXT_KEYS: ReadonlySet<SortKey> = new Set<SortKey>(['protocol', 'client', 'server', 'names', 'capturedOn']);

/** Does flow i have `term` in its protocol, an address, an identity label, a name or a pod it
 *  was captured on? (The
 *  text the filter searches, one part at a time: a term has no whitespace, so it cannot span
 *  two parts.) */
function hasTerm(m: FlowModel, i: number, term: string, inString: (id: number) => boolean): boolean {
  const c = m.cols;
  if (inString(c.protocol[i])) return true;
  for (let side = 0; side < 2; side++) {
    const ipId = c.ip[2 * i + side];
    if (inString(ipId)) return true;
    const id = c.identity[2 * i + side];
    if (id >= 0 && m.identityLower(id).includes(term)) return true;
    const port = c.port[2 * i + side];
    if (port >= 0 && addrOf(m.lowerOf(ipId), port).includes(term)) return true;
  }
  for (let k = c.nameStart[i]; k < c.nameStart[i + 1]; k++) if (inString(c.names[k])) return true;
  const pods = podsOf(c, i);
  for (let k = 0; k < pods.length; k++) if (inString(pods[k])) return true;
  return false;
}

/** The test of `filter` on a flow index. */
function filterOf(m: FlowModel, filter: FilterState): (i: number) => boolean {
  const c = m.cols;
  const text = filter.text.trim().toLowerCase();
  const terms = text ? text.split(/\s+/) : [];
  const matches = terms.map((t) => {
    const memo = new Int8Array(c.strings.length).fill(-1);
    return (id: number): boolean => {
      if (memo[id] < 0) memo[id] = m.lowerOf(id).includes(t) ? 1 : 0;
      return memo[id] === 1;
    };
  });
  const protocolId = filter.protocol ? c.strings.indexOf(filter.protocol) : -1;
  const phase = m.splitShown ? filter.phase : 'all';
  return (i) => {
    if (filter.alertedOnly && c.alerted[i] !== 1) return false;
    if (phase !== 'all') {
      const p = m.phaseOf(i);
      if (phase === 'before' ? p === 'after' : p === 'before') return false;
    }
    if (filter.protocol && (protocolId < 0 || c.protocol[i] !== protocolId)) return false;
    for (let t = 0; t < terms.length; t++) if (!hasTerm(m, i, terms[t], matches[t])) return false;
    return true;
  };
}

/** Indices of the flows that pass `filter`, ordered by `sort` (ties by index: stable). */
export function orderFlows(m: FlowModel, sort: SortState, filter: FilterState): Uint32Array {
  const c = m.cols;
  const test = filterOf(m, filter);
  const keep: number[] = [];
  for (let i = 0; i < m.count; i++) if (test(i)) keep.push(i);
  const dir = sort.descending ? -1 : 1;
  const pinned = filter.alertedFirst;
  if (TEXT_KEYS.has(sort.key)) {
    // Text: each flow's key ranked among the distinct keys (one native sort of strings), then
    // one numeric sort of (pin, rank, index) packed in a double: no comparator over strings.
    const keys = new Array<string>(keep.length);
    for (let k = 0; k < keep.length; k++) keys[k] = textKey(m, keep[k], sort.key);
    const distinct = [...new Set(keys)].sort();
    const rank = new Map<string, number>();
    distinct.forEach((x, r) => rank.set(x, sort.descending ? distinct.length - 1 - r : r));
    const n = m.count;
    const packed = new Float64Array(keep.length);
    for (let k = 0; k < keep.length; k++) {
      const i = keep[k];
      const pin = pinned && c.alerted[i] !== 1 ? 1 : 0;
      packed[k] = ((pin * distinct.length + (rank.get(keys[k]) as number)) * n) + i;
    }
    packed.sort();
    const out = new Uint32Array(keep.length);
    for (let k = 0; k < keep.length; k++) out[k] = packed[k] % n;
    return out;
  }
  const keys = new Float64Array(m.count);
  for (const i of keep) keys[i] = numericKey(m, i, sort.key);
  keep.sort((a, b) => {
    if (pinned && c.alerted[a] !== c.alerted[b]) return c.alerted[a] ? -1 : 1;
    return (keys[a] - keys[b]) * dir || a - b;
  });
  return Uint32Array.from(keep);
}
/** Whether flow i passes `filter`. */
export function passes(m: FlowModel, i: number, filter: FilterState): boolean {
  return filterOf(m, filter)(i);
}
