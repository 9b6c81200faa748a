// GET pods/{name}/log: container, follow, previous, sinceTime, sinceSeconds, tailLines,
// timestamps (RFC3339Nano prefix), limitBytes; text/plain, chunked.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { badRequest } from './apiError.js';
import { nowNs, parseRfc3339ToNs, rfc3339Nano } from './clock.js';
import { boolParam } from './http.js';
import type { LogRecord } from './logRing.js';
import { PODS, type PodRuntime } from './podRuntime.js';

function intParam(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw badRequest(`invalid ${name}: ${v}`);
  return n;
}

export async function servePodLog(rt: PodRuntime, req: IncomingMessage, res: ServerResponse, ns: string, pod: string, q: URLSearchParams): Promise<void> {
  const obj = rt.store.mustGet(PODS, ns, pod);
  const c = rt.container(ns, pod, q.get('container'));
  const statuses = [...((obj.status?.containerStatuses as { name: string; state: { waiting?: { reason: string } } }[] | undefined) ?? []),
    ...((obj.status?.ephemeralContainerStatuses as { name: string; state: { waiting?: { reason: string } } }[] | undefined) ?? [])];
  const waiting = statuses.find((s) => s.name === c.name)?.state.waiting;
  if (waiting) throw badRequest(`container "${c.name}" in pod "${pod}" is waiting to start: ${waiting.reason}`);
  if (boolParam(q, 'previous') && c.restartCount === 0) throw badRequest(`previous terminated container "${c.name}" in pod "${pod}" not found`);
  const follow = boolParam(q, 'follow');
  const timestamps = boolParam(q, 'timestamps');
  const tail = intParam(q, 'tailLines');
  let limit = intParam(q, 'limitBytes');
  const sinceSeconds = intParam(q, 'sinceSeconds');
  const sinceTimeText = q.get('sinceTime');
  let since: bigint | undefined;
  if (sinceTimeText) {
    since = parseRfc3339ToNs(sinceTimeText);
    if (since === undefined) throw badRequest(`invalid sinceTime: ${sinceTimeText}`);
  }
  if (sinceSeconds !== undefined) since = nowNs() - BigInt(sinceSeconds) * 1_000_000_000n;

  let records = c.ring.snapshot();
  if (since !== undefined) records = records.filter((r) => r.tsNs >= since);
  if (tail !== undefined) {
    let lines = 0; let i = records.length;
    while (i > 0) {
      const r = records[i - 1];
      const complete = r.data[r.data.length - 1] === 0x0a;
      if (complete) { if (lines === tail) break; lines++; }
      i--;
    }
    records = records.slice(i);
  }
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
  res.flushHeaders();
  let done = false;
  const finish = (): void => { if (!done) { done = true; unsubscribe(); res.end(); } };
  const emit = (r: LogRecord): void => {
    if (done) return;
    let buf = timestamps ? Buffer.concat([Buffer.from(`${rfc3339Nano(r.tsNs)} `), r.data]) : r.data;
    if (limit !== undefined) {
      if (buf.length >= limit) { buf = buf.subarray(0, limit); limit = 0; } else limit -= buf.length;
    }
    res.write(buf);
    if (limit === 0) finish();
  };
  let unsubscribe: () => void = () => undefined;
  let lastSeq = 0;
  for (const r of records) { emit(r); lastSeq = r.seq; }
  if (!follow || done || c.ring.isEnded) { finish(); return; }
  unsubscribe = c.ring.subscribe((r) => { if (r.seq > lastSeq) emit(r); }, finish);
  req.on('close', finish);
  res.on('close', finish);
}
