// In-memory object store with one resourceVersion counter (like etcd's revision), a bounded
// event history for watches, and 410 Expired for resourceVersions older than that history.
import { randomUUID } from 'node:crypto';
import { ApiError, alreadyExists, conflict, notFound } from './apiError.js';
import type { ResourceType } from './resources.js';
import { clone, type KObject } from './types.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  rv: number;
  type: WatchEventType;
  typeKey: string;            // group/resource
  object: KObject;            // snapshot after the change (the last state for DELETED)
  previous?: KObject;         // snapshot before a MODIFIED
}

export type StoreListener = (e: StoreEvent) => void;

export function typeKey(t: ResourceType): string {
  return `${t.group}/${t.resource}`;
}

function objKey(t: ResourceType, ns: string | undefined, name: string): string {
  return `${typeKey(t)}/${t.namespaced ? ns ?? '' : ''}/${name}`;
}

export class Store {
  private readonly objects = new Map<string, KObject>();
  private readonly history: StoreEvent[] = [];
  private readonly listeners = new Set<StoreListener>();
  private rv: number;
  private oldestRv: number;

  /** startRv: the first revision; anything older is "too old" (410) from the start. */
  constructor(private readonly historyLimit = 2000, startRv = 1000) {
    this.rv = startRv;
    this.oldestRv = startRv;
  }

  get resourceVersion(): string {
    return String(this.rv);
  }

  /** The oldest resourceVersion a watch may start from. */
  get oldestResourceVersion(): number {
    return this.oldestRv;
  }

  get(t: ResourceType, ns: string | undefined, name: string): KObject | undefined {
    const o = this.objects.get(objKey(t, ns, name));
    return o ? clone(o) : undefined;
  }

  mustGet(t: ResourceType, ns: string | undefined, name: string): KObject {
    const o = this.get(t, ns, name);
    if (!o) throw notFound(t.resource, t.group, name);
    return o;
  }

  list(t: ResourceType, ns?: string): KObject[] {
    const prefix = `${typeKey(t)}/`;
    const out: KObject[] = [];
    for (const [k, o] of this.objects) {
      if (!k.startsWith(prefix)) continue;
      if (ns !== undefined && t.namespaced && o.metadata.namespace !== ns) continue;
      out.push(clone(o));
    }
    return out.sort((a, b) => (a.metadata.namespace ?? '').localeCompare(b.metadata.namespace ?? '') || a.metadata.name.localeCompare(b.metadata.name));
  }

  create(t: ResourceType, obj: KObject): KObject {
    const key = objKey(t, obj.metadata.namespace, obj.metadata.name);
    if (this.objects.has(key)) throw alreadyExists(t.resource, t.group, obj.metadata.name);
    const o = clone(obj);
    o.metadata.uid = o.metadata.uid || randomUUID();
    o.metadata.creationTimestamp = o.metadata.creationTimestamp || new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    o.metadata.resourceVersion = String(++this.rv);
    this.objects.set(key, o);
    this.emit({ rv: this.rv, type: 'ADDED', typeKey: typeKey(t), object: clone(o) });
    return clone(o);
  }

  /** Replaces an object; a non-empty expectedRv must match (409 otherwise). */
  update(t: ResourceType, obj: KObject, expectedRv?: string): KObject {
    const key = objKey(t, obj.metadata.namespace, obj.metadata.name);
    const prev = this.objects.get(key);
    if (!prev) throw notFound(t.resource, t.group, obj.metadata.name);
    if (expectedRv && expectedRv !== prev.metadata.resourceVersion) throw conflict(t.resource, t.group, obj.metadata.name);
    const o = clone(obj);
    o.metadata.uid = prev.metadata.uid;
    o.metadata.creationTimestamp = prev.metadata.creationTimestamp;
    o.metadata.resourceVersion = String(++this.rv);
    this.objects.set(key, o);
    this.emit({ rv: this.rv, type: 'MODIFIED', typeKey: typeKey(t), object: clone(o), previous: clone(prev) });
    return clone(o);
  }

  /** Read-modify-write helper for the lab's own controllers. */
  mutate(t: ResourceType, ns: string | undefined, name: string, fn: (o: KObject) => void): KObject | undefined {
    const cur = this.get(t, ns, name);
    if (!cur) return undefined;
    fn(cur);
    return this.update(t, cur);
  }

  delete(t: ResourceType, ns: string | undefined, name: string): KObject {
    const key = objKey(t, ns, name);
    const prev = this.objects.get(key);
    if (!prev) throw notFound(t.resource, t.group, name);
    this.objects.delete(key);
    const o = clone(prev);
    o.metadata.resourceVersion = String(++this.rv);
    this.emit({ rv: this.rv, type: 'DELETED', typeKey: typeKey(t), object: o });
    return clone(o);
  }

  /**
   * Events after `fromRv` for a type (for a watch starting there), or a 410 Status error when
   * that revision has been compacted away.
   */
  eventsSince(t: ResourceType, fromRv: number): StoreEvent[] {
    if (fromRv < this.oldestRv) {
      throw new ApiError(410, 'Expired', `too old resource version: ${fromRv} (${this.oldestRv})`);
    }
    const tk = typeKey(t);
    return this.history.filter((e) => e.rv > fromRv && e.typeKey === tk);
  }

  subscribe(l: StoreListener): () => void {
    this.listeners.add(l);
    return () => { this.listeners.delete(l); };
  }

  private emit(e: StoreEvent): void {
    this.history.push(e);
    while (this.history.length > this.historyLimit) {
      const dropped = this.history.shift();
      if (dropped) this.oldestRv = dropped.rv;
    }
    for (const l of [...this.listeners]) l(e);
  }
}
