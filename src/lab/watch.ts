// Streaming watch: one JSON event per line, ADDED/MODIFIED/DELETED/BOOKMARK/ERROR, with
// selector transitions (an object leaving the selection is DELETED, entering it ADDED).
import type { ServerResponse } from 'node:http';
import { ApiError } from './apiError.js';
import type { ResourceType } from './resources.js';
import type { FieldSelector, LabelSelector } from './selectors.js';
import { typeKey, type Store, type StoreEvent } from './store.js';
import { toTable } from './table.js';
import type { KObject } from './types.js';

export interface WatchOptions {
  type: ResourceType;
  namespace?: string;
  labels: LabelSelector;
  fields: FieldSelector;
  resourceVersion?: string | null;
  allowBookmarks: boolean;
  timeoutSeconds?: number;
  asTable: boolean;
  bookmarkIntervalMs: number;
}

export function serveWatch(store: Store, res: ServerResponse, o: WatchOptions): void {
  const matches = (obj: KObject | undefined): boolean =>
    obj !== undefined && (o.namespace === undefined || !o.type.namespaced || obj.metadata.namespace === o.namespace) && o.labels(obj.metadata.labels) && o.fields(obj);
  let headersSent = false;
  const render = (obj: KObject): unknown => {
    if (!o.asTable) return obj;
    const t = toTable(o.type.kind, [obj], obj.metadata.resourceVersion, !headersSent);
    headersSent = true;
    return t;
  };
  const write = (type: string, obj: unknown): void => { res.write(`${JSON.stringify({ type, object: obj })}\n`); };
  const translate = (e: StoreEvent): void => {
    const now = matches(e.object);
    if (e.type === 'MODIFIED') {
      const before = matches(e.previous);
      if (now && before) write('MODIFIED', render(e.object));
      else if (now) write('ADDED', render(e.object));
      else if (before) write('DELETED', render(e.object));
    } else if (now) write(e.type, render(e.object));
  };

  const rvParam = o.resourceVersion ?? '';
  let replay: StoreEvent[] = [];
  let initial: KObject[] = [];
  try {
    if (rvParam === '' || rvParam === '0') initial = store.list(o.type, o.namespace).filter(matches);
    else {
      const rv = Number(rvParam);
      if (!Number.isInteger(rv) || rv < 0) throw new ApiError(400, 'BadRequest', `invalid resource version: ${rvParam}`);
      replay = store.eventsSince(o.type, rv);
    }
  } catch (e) {
    if (e instanceof ApiError && e.code === 410) {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
      write('ERROR', e.toStatus());
      res.end();
      return;
    }
    throw e;
  }
  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
  res.flushHeaders();
  const tk = typeKey(o.type);
  const unsubscribe = store.subscribe((e) => { if (e.typeKey === tk) translate(e); });
  for (const obj of initial) write('ADDED', render(obj));
  for (const e of replay) translate(e);
  const timers: NodeJS.Timeout[] = [];
  const stop = (): void => {
    unsubscribe();
    for (const t of timers) clearTimeout(t);
    if (!res.writableEnded) res.end();
  };
  if (o.allowBookmarks) {
    const bm = setInterval(() => {
      write('BOOKMARK', { kind: o.type.kind, apiVersion: o.type.group ? `${o.type.group}/${o.type.version}` : o.type.version, metadata: { resourceVersion: store.resourceVersion } });
    }, o.bookmarkIntervalMs);
    timers.push(bm);
  }
  if (o.timeoutSeconds && o.timeoutSeconds > 0) timers.push(setTimeout(stop, o.timeoutSeconds * 1000));
  res.on('close', stop);
}
