// Turns one decoded JSON value into a typed, validated FalcoAlert (or says why it is not one).
import { createHash } from 'node:crypto';
import type { AlertFormat, FalcoAlert, ParseResult } from './types.js';
import { FieldReader, integer, text } from './fieldReader.js';
import { readNetwork } from './network.js';
import { parsePriority } from './priority.js';
import { parseRfc3339Nano, parseSecondsNanos, type AlertTime } from './alertTime.js';
import {
  checkContainerId, checkDnsLabel, checkDnsSubdomain, checkHostname, checkImage, checkUuid, isUnknown, rawForReport, typeName,
} from './validate.js';

const KNOWN_KEYS = new Set(['time', 'rule', 'priority', 'output', 'output_fields', 'source', 'tags', 'hostname', 'message', 'uuid']);
const MAX_TAGS = 64;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A null-prototype shallow copy: `__proto__` and friends stay plain data. */
function safeCopy(src: Record<string, unknown>, skip?: Set<string>): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const k of Object.keys(src)) {
    if (skip?.has(k)) continue;
    Object.defineProperty(out, k, { value: src[k], enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** Unwraps Falcosidekick-UI's `{event, outputs}` body; returns the alert object and its format. */
function unwrap(v: Record<string, unknown>): { obj: Record<string, unknown>; format: AlertFormat } {
  if (isRecord(v['event']) && Array.isArray(v['outputs']) && !('rule' in v)) return { obj: v['event'], format: 'falcosidekick-ui' };
  return { obj: v, format: 'falco' };
}

export function normalizeAlert(value: unknown, formatHint?: AlertFormat): ParseResult {
  if (!isRecord(value)) return { ok: false, kind: 'not-an-alert', reason: `expected a JSON object, got ${typeName(value)}` };
  const { obj, format: unwrappedFormat } = unwrap(value);
  let format: AlertFormat = formatHint ?? unwrappedFormat;

  const rule = obj['rule'];
  if (rule === undefined) return { ok: false, kind: 'not-an-alert', reason: 'no "rule" key: not a Falco alert' };
  if (typeof rule !== 'string' || rule.trim() === '') return { ok: false, kind: 'invalid-alert', reason: `"rule" must be a non-empty string, got ${rawForReport(rule, 40)}` };
  if (rule.length > 4096) return { ok: false, kind: 'invalid-alert', reason: `"rule" is ${rule.length} characters (limit 4096)` };
  const output = obj['output'] ?? '';
  if (typeof output !== 'string') return { ok: false, kind: 'invalid-alert', reason: `"output" must be a string, got ${typeName(output)}` };
  const rawFields = obj['output_fields'] ?? {};
  if (!isRecord(rawFields)) return { ok: false, kind: 'invalid-alert', reason: `"output_fields" must be an object, got ${typeName(rawFields)}` };

  const fields = safeCopy(rawFields);
  const r = new FieldReader(fields);

  // time
  let time: AlertTime | null = null;
  const t = obj['time'];
  if (typeof t === 'string') {
    const c = parseRfc3339Nano(t);
    if (c.ok) time = c.value; else r.problem('time', t, c.reason);
  } else if (isRecord(t)) {
    const c = parseSecondsNanos(t);
    if (c.ok) { time = c.value; format = 'grpc'; } else r.problem('time', t, c.reason);
  } else if (t === undefined || t === null) {
    r.problem('time', t ?? null, 'missing');
  } else {
    r.problem('time', t, `expected an RFC 3339 string, got ${typeName(t)}`);
  }

  // priority
  const p = obj['priority'];
  const priority = parsePriority(p);
  if (priority === null) r.problem('priority', p ?? null, p === undefined ? 'missing' : 'not a Falco priority');

  // source
  let source: string | null = null;
  const s = obj['source'];
  if (typeof s === 'string' && /^[A-Za-z0-9_.-]{1,64}$/.test(s)) source = s.toLowerCase();
  else if (!isUnknown(s)) r.problem('source', s, 'not a source name');

  const internal = source === 'internal' || rule.startsWith('Falco internal:');

  // tags
  const tags: string[] = [];
  const tg = obj['tags'];
  if (Array.isArray(tg)) {
    for (const x of tg.slice(0, MAX_TAGS)) {
      if (typeof x === 'string' && x.length <= 256) tags.push(x); else r.problem('tags', x, 'a tag must be a string of at most 256 characters');
    }
    if (tg.length > MAX_TAGS) r.problem('tags', tg.length, `more than ${MAX_TAGS} tags; the rest are ignored`);
  } else if (!isUnknown(tg)) r.problem('tags', tg, `expected an array, got ${typeName(tg)}`);

  const message = topText(obj, 'message', 65536, r);
  const uuidRaw = obj['uuid'];
  let uuid: string | null = null;
  if (!isUnknown(uuidRaw)) {
    const c = checkUuid(uuidRaw);
    if (c.ok) { uuid = c.value; if (format === 'falco') format = 'falcosidekick'; } else r.problem('uuid', uuidRaw, c.reason);
  }

  let node: string | null = null;
  const hn = obj['hostname'];
  if (!isUnknown(hn)) {
    const c = checkHostname(hn);
    if (c.ok) node = c.value; else r.problem('hostname', hn, c.reason);
  } else node = r.field('evt.hostname', checkHostname);

  // Kubernetes: syscall fields first, then the k8s_audit target.
  let namespace = r.field('k8s.ns.name', checkDnsLabel);
  let pod = r.field('k8s.pod.name', checkDnsSubdomain);
  if (namespace === null && pod === null && source === 'k8s_audit') {
    namespace = r.field('ka.target.namespace', checkDnsLabel);
    if (r.rawField('ka.target.resource') === 'pods') pod = r.field('ka.target.name', checkDnsSubdomain);
  }

  // container
  let containerId: string | null = null;
  let host = false;
  const cid = r.rawField('container.id');
  if (cid === 'host') host = true;
  else containerId = r.field('container.id', checkContainerId);
  const containerName = r.field('container.name', text(253));
  let image = r.field('container.image', checkImage);
  if (image === null) {
    const repo = r.field('container.image.repository', checkImage);
    const tag = r.field('container.image.tag', checkImage);
    if (repo !== null) image = tag !== null ? `${repo}:${tag}` : repo;
  }

  const process = {
    name: r.field('proc.name', text(256)),
    cmdline: r.field('proc.cmdline', text(65536)),
    parent: r.field('proc.pname', text(256)),
    exepath: r.field('proc.exepath', text(4096)),
    pid: r.field('proc.pid', integer),
    user: r.field('user.name', text(256)),
  };

  const network = readNetwork(r);
  const extra = safeCopy(obj, KNOWN_KEYS);
  const timeStr = typeof t === 'string' ? t : time?.iso ?? '';
  const fingerprint = createHash('sha1')
    .update(`${timeStr}\u0000${rule}\u0000${typeof hn === 'string' ? hn : ''}\u0000${output}\u0000${uuid ?? ''}`)
    .digest('hex');

  const alert: FalcoAlert = {
    time: time?.iso ?? null,
    timeMs: time?.ms ?? null,
    timeNs: time ? time.ns.toString() : null,
    priority,
    rule,
    source,
    internal,
    output,
    message,
    node,
    uuid,
    tags,
    namespace,
    pod,
    container: { id: containerId, host, name: host ? null : containerName, image },
    process,
    network,
    outputFields: fields,
    extra,
    problems: r.problems,
    format,
    fingerprint,
  };
  return { ok: true, alert };
}

function topText(obj: Record<string, unknown>, key: string, max: number, r: FieldReader): string | null {
  const v = obj[key];
  if (isUnknown(v)) return null;
  if (typeof v === 'string' && v.length <= max) return v;
  r.problem(key, v, typeof v === 'string' ? `longer than ${max} characters` : `expected a string, got ${typeName(v)}`);
  return null;
}
