// A bounded in-memory store of alerts. Identical alerts (same rule, pod and network context)
// fold into one entry with a count and first/last seen. Every change is an event, so a view
// can update itself without re-reading the store.
import { EventEmitter } from 'node:events';
import type { FalcoAlert } from './types.js';
import { atLeast, type Priority } from './priority.js';

export interface StoredAlert {
  /** Stable for the life of the entry (the fold key). */
  key: string;
  /** The most recent alert of the fold. */
  alert: FalcoAlert;
  count: number;
  /** Epoch ms of the first and last alert (alert time, else receive time). */
  firstSeen: number;
  lastSeen: number;
}

export type StoreChange =
  | { type: 'added'; entry: StoredAlert }
  | { type: 'updated'; entry: StoredAlert }
  | { type: 'evicted'; entry: StoredAlert };

export interface AlertQuery {
  /** At least this severe. */
  minPriority?: Priority;
  rule?: string;
  namespace?: string;
  pod?: string;
  /** Epoch ms, inclusive; matched against lastSeen/firstSeen overlap. */
  since?: number;
  until?: number;
  /** Case-insensitive substring of rule, output, pod, namespace, node, cmdline. */
  text?: string;
  limit?: number;
}

export interface AlertStoreOptions {
  /** Most entries kept; the least recently seen is evicted. Default 10,000. */
  limit?: number;
  now?: () => number;
}

interface StoreEvents { change: [StoreChange] }

/** The fold key: rule, where (node/namespace/pod/container) and the network 5-tuple. */
export function foldKey(a: FalcoAlert): string {
  const n = a.network;
  const net = n ? `${n.l4proto ?? ''}|${n.client.ip ?? ''}|${n.client.port ?? ''}|${n.server.ip ?? ''}|${n.server.port ?? ''}` : '';
  const where = a.pod !== null ? `${a.namespace ?? ''}/${a.pod}` : `${a.node ?? ''}/${a.container.id ?? ''}`;
  return `${a.source ?? ''}\u0000${a.rule}\u0000${where}\u0000${net}`;
}

export class AlertStore extends EventEmitter<StoreEvents> {
  private readonly entries = new Map<string, StoredAlert>(); // insertion order = least recently seen first
  private readonly limit: number;
  private readonly now: () => number;
  /** Alerts added in total (sum of counts, evicted ones included). */
  total = 0;
  evicted = 0;

  constructor(opts: AlertStoreOptions = {}) {
    super();
    this.limit = opts.limit ?? 10_000;
    if (!Number.isInteger(this.limit) || this.limit < 1) throw new RangeError(`store limit must be a positive integer, got ${this.limit}`);
    this.now = opts.now ?? Date.now;
  }

  get size(): number { return this.entries.size; }

  add(alert: FalcoAlert): StoredAlert {
    const key = foldKey(alert);
    const t = alert.timeMs ?? this.now();
    this.total++;
    const existing = this.entries.get(key);
    if (existing) {
      existing.count++;
      existing.alert = alert;
      existing.firstSeen = Math.min(existing.firstSeen, t);
      existing.lastSeen = Math.max(existing.lastSeen, t);
      this.entries.delete(key);
      this.entries.set(key, existing);
      this.emit('change', { type: 'updated', entry: existing });
      return existing;
    }
    const entry: StoredAlert = { key, alert, count: 1, firstSeen: t, lastSeen: t };
    this.entries.set(key, entry);
    this.emit('change', { type: 'added', entry });
    while (this.entries.size > this.limit) {
      const oldestKey = this.entries.keys().next().value as string;
      const old = this.entries.get(oldestKey) as StoredAlert;
      this.entries.delete(oldestKey);
      this.evicted++;
      this.emit('change', { type: 'evicted', entry: old });
    }
    return entry;
  }

  get(key: string): StoredAlert | undefined { return this.entries.get(key); }

  /** Matching entries, most recently seen first. */
  query(q: AlertQuery = {}): StoredAlert[] {
    const out: StoredAlert[] = [];
    const text = q.text?.toLowerCase();
    const all = [...this.entries.values()];
    for (let i = all.length - 1; i >= 0; i--) {
      const e = all[i];
      const a = e.alert;
      if (q.minPriority !== undefined && !atLeast(a.priority, q.minPriority)) continue;
      if (q.rule !== undefined && a.rule !== q.rule) continue;
      if (q.namespace !== undefined && a.namespace !== q.namespace) continue;
      if (q.pod !== undefined && a.pod !== q.pod) continue;
      if (q.since !== undefined && e.lastSeen < q.since) continue;
      if (q.until !== undefined && e.firstSeen > q.until) continue;
      if (text !== undefined && !matchesText(a, text)) continue;
      out.push(e);
      if (q.limit !== undefined && out.length >= q.limit) break;
    }
    return out;
  }

  clear(): void {
    for (const e of this.entries.values()) this.emit('change', { type: 'evicted', entry: e });
    this.entries.clear();
  }
}

function matchesText(a: FalcoAlert, t: string): boolean {
  return [a.rule, a.output, a.pod, a.namespace, a.node, a.process.cmdline, a.container.image]
    .some((s) => s !== null && s.toLowerCase().includes(t));
}
