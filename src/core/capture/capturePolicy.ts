// The capture policy: which alerts start a capture by themselves, and the guards that keep
// an alert storm from turning into a capture storm. Pure decision logic with explicit time,
// so it is tested without clocks; the automation (captureAutomation.ts) applies it.
import type { FalcoAlert } from '../alerts/types.js';
import { atLeast, parsePriority, PRIORITIES, type Priority } from '../alerts/priority.js';
import { checkDnsLabel } from '../alerts/validate.js';
import { CodedError } from '../util/problem.js';

export interface CapturePolicyConfig {
  /** Alerts at least this severe (default warning). */
  minPriority: Priority;
  /** Only these rules (exact names), when given. */
  rules?: string[];
  /** Only alerts carrying at least one of these tags, when given. */
  tags?: string[];
  namespaces?: { include?: string[]; exclude?: string[] };
  /** Alerts without network context (fd.*) are skipped unless this is false. */
  requireNetworkContext: boolean;
  maxConcurrent: number;
  perPod: { max: number; windowSeconds: number };
  /** One capture per identical alert within this window: same rule, pod and server side of the
   *  connection (what the capture filters on; a beacon's new client port is the same alert). */
  dedupWindowSeconds: number;
  /** Automatic captures beyond this many bytes on disk are removed, oldest first. */
  diskBudgetBytes: number;
  /** Alerts older than this when they arrive (a history read at start, a late poll, a queued
   *  webhook) start no capture: it would capture today's traffic for an old alert. */
  maxAlertAgeSeconds: number;
}

export const DEFAULT_POLICY: CapturePolicyConfig = {
  minPriority: 'warning',
  requireNetworkContext: true,
  maxConcurrent: 2,
  perPod: { max: 3, windowSeconds: 600 },
  dedupWindowSeconds: 300,
  diskBudgetBytes: 1024 * 1024 * 1024,
  maxAlertAgeSeconds: 120,
};

export type SkipReason =
  | 'internal-event' | 'stale' | 'priority' | 'rule' | 'tag' | 'namespace' | 'no-pod' | 'no-network-context'
  | 'duplicate' | 'concurrency' | 'pod-rate';

export type PolicyDecision =
  | { action: 'capture'; key: string; pod: string }
  | { action: 'skip'; reason: SkipReason; detail: string };

/** Bounds of the policy's own memory. */
const MAX_DEDUP_KEYS = 10_000;
const MAX_PODS = 10_000;

/** A policy field that is not what the policy needs; `field` names it ("perPod.max"). */
export class PolicyError extends CodedError {
  override readonly name = 'PolicyError';
  readonly code = 'plan';
  constructor(readonly field: string, reason: string) {
    super(`policy${field ? ` ${field}` : ''} ${reason}`);
  }
}

const shown = (v: unknown): string => (JSON.stringify(v) ?? String(v)).slice(0, 60);
const FIELDS: ReadonlySet<string> = new Set(['minPriority', 'rules', 'tags', 'namespaces', 'requireNetworkContext', 'maxConcurrent', 'perPod',
  'dedupWindowSeconds', 'diskBudgetBytes', 'maxAlertAgeSeconds']);

function object(v: unknown, field: string, keys: readonly string[]): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new PolicyError(field, `must be an object with ${keys.join(', ')}, not ${shown(v)}`);
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!keys.includes(k)) throw new PolicyError(`${field}.${k}`, `is not a policy field (${field} has ${keys.join(', ')})`);
  return o;
}

function names(v: unknown, field: string, what: string, check?: (s: string) => boolean): string[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string' && x.trim() !== '')) {
    throw new PolicyError(field, `must be a list of ${what} (["…", …]), not ${shown(v)}`);
  }
  const bad = check ? v.find((x: string) => !check(x)) : undefined;
  if (bad !== undefined) throw new PolicyError(field, `has ${shown(bad)}, which is not a ${what.replace(/s$/, '')}`);
  return v.length ? [...new Set(v as string[])] : undefined;
}

function whole(v: unknown, field: string, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new PolicyError(field, `must be a whole number ≥ 1, not ${shown(v)}`);
  return v;
}

/** Checks a policy (a JSON file, settings): every field, each error naming its field; defaults
 *  for the fields not given. A half-understood policy must not start captures. */
export function checkPolicy(input: unknown): CapturePolicyConfig {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new PolicyError('', `must be a JSON object, not ${shown(input)}`);
  const p = input as Record<string, unknown>;
  for (const k of Object.keys(p)) if (!FIELDS.has(k)) throw new PolicyError(k, `is not a policy field (the fields: ${[...FIELDS].join(', ')})`);
  const d = DEFAULT_POLICY;
  const minPriority = p.minPriority === undefined ? d.minPriority : parsePriority(p.minPriority);
  if (minPriority === null) throw new PolicyError('minPriority', `must be a Falco priority (${PRIORITIES.join(', ')}), not ${shown(p.minPriority)}`);
  if (p.requireNetworkContext !== undefined && typeof p.requireNetworkContext !== 'boolean') {
    throw new PolicyError('requireNetworkContext', `must be true or false, not ${shown(p.requireNetworkContext)}`);
  }
  const rules = names(p.rules, 'rules', 'rule names');
  const tags = names(p.tags, 'tags', 'tags');
  const ns = p.namespaces === undefined ? undefined : object(p.namespaces, 'namespaces', ['include', 'exclude']);
  const isNamespace = (x: string): boolean => checkDnsLabel(x).ok;
  const include = ns && names(ns.include, 'namespaces.include', 'namespace names', isNamespace);
  const exclude = ns && names(ns.exclude, 'namespaces.exclude', 'namespace names', isNamespace);
  const perPod = p.perPod === undefined ? {} : object(p.perPod, 'perPod', ['max', 'windowSeconds']);
  return {
    minPriority,
    ...(rules ? { rules } : {}),
    ...(tags ? { tags } : {}),
    ...(include || exclude ? { namespaces: { ...(include ? { include } : {}), ...(exclude ? { exclude } : {}) } } : {}),
    requireNetworkContext: p.requireNetworkContext === undefined ? d.requireNetworkContext : p.requireNetworkContext as boolean,
    maxConcurrent: whole(p.maxConcurrent, 'maxConcurrent', d.maxConcurrent),
    perPod: { max: whole(perPod.max, 'perPod.max', d.perPod.max), windowSeconds: whole(perPod.windowSeconds, 'perPod.windowSeconds', d.perPod.windowSeconds) },
    dedupWindowSeconds: whole(p.dedupWindowSeconds, 'dedupWindowSeconds', d.dedupWindowSeconds),
    diskBudgetBytes: whole(p.diskBudgetBytes, 'diskBudgetBytes', d.diskBudgetBytes),
    maxAlertAgeSeconds: whole(p.maxAlertAgeSeconds, 'maxAlertAgeSeconds', d.maxAlertAgeSeconds),
  };
}

/** What the guards remember: running captures, recent captures by alert and by pod. A new
 *  policy (settings changed) takes over the old one's state, so captures still running under
 *  the old settings count against the new limits and end where they are counted. */
export class PolicyState {
  running = 0;
  readonly lastByKey = new Map<string, number>();
  readonly podStarts = new Map<string, number[]>();
}

export class CapturePolicy {
  constructor(readonly config: CapturePolicyConfig, readonly state: PolicyState = new PolicyState()) {}

  get runningCaptures(): number {
    return this.state.running;
  }

  /** Decides for one alert at `now` (ms). A 'capture' decision reserves a slot: call
   *  `finished()` when that capture ends, whatever its outcome. */
  decide(alert: FalcoAlert, now: number): PolicyDecision {
    const c = this.config;
    if (alert.internal) return skip('internal-event', `${alert.rule} is a Falco internal event`);
    const age = alert.timeMs === null ? 0 : (now - alert.timeMs) / 1000;
    if (age > c.maxAlertAgeSeconds) {
      return skip('stale', `the alert is ${Math.round(age)} s old (only alerts of the last ${c.maxAlertAgeSeconds} s start a capture)`);
    }
    if (!alert.priority || !atLeast(alert.priority, c.minPriority)) {
      return skip('priority', `priority ${alert.priority ?? 'unknown'} is below ${c.minPriority}`);
    }
    if (c.rules?.length && !c.rules.includes(alert.rule)) return skip('rule', `rule "${alert.rule}" is not in the policy's rules`);
    if (c.tags?.length && !alert.tags.some((t) => c.tags!.includes(t))) return skip('tag', `no tag of ${JSON.stringify(c.tags)}`);
    if (!alert.namespace || !alert.pod) return skip('no-pod', 'the alert names no pod');
    const ns = alert.namespace;
    if (c.namespaces?.exclude?.includes(ns)) return skip('namespace', `namespace ${ns} is excluded`);
    if (c.namespaces?.include?.length && !c.namespaces.include.includes(ns)) return skip('namespace', `namespace ${ns} is not included`);
    const net = alert.network;
    if (c.requireNetworkContext && !(net && (net.server.ip || net.client.ip || net.remote.ip))) {
      return skip('no-network-context', 'the alert carries no network context (fd.* fields)');
    }
    const key = dedupKey(alert);
    const last = this.state.lastByKey.get(key);
    if (last !== undefined && now - last < c.dedupWindowSeconds * 1000) {
      return skip('duplicate', `the same alert started a capture ${Math.round((now - last) / 1000)} s ago (window ${c.dedupWindowSeconds} s)`);
    }
    if (this.state.running >= c.maxConcurrent) return skip('concurrency', `${this.state.running} captures already running (at most ${c.maxConcurrent})`);
    const pod = `${ns}/${alert.pod}`;
    const windowStart = now - c.perPod.windowSeconds * 1000;
    const starts = (this.state.podStarts.get(pod) ?? []).filter((t) => t > windowStart);
    if (starts.length >= c.perPod.max) {
      return skip('pod-rate', `${starts.length} captures of ${pod} in the last ${c.perPod.windowSeconds} s (at most ${c.perPod.max})`);
    }
    starts.push(now);
    setBounded(this.state.podStarts, pod, starts, MAX_PODS);
    setBounded(this.state.lastByKey, key, now, MAX_DEDUP_KEYS);
    this.state.running++;
    return { action: 'capture', key, pod };
  }

  finished(): void {
    if (this.state.running > 0) this.state.running--;
  }
}

/** What makes two alerts "the same capture": rule, pod, and the server side of the connection
 *  (protocol, server address and port) — the same things the capture filter is built from. */
export function dedupKey(a: FalcoAlert): string {
  const n = a.network;
  const server = n ? `${n.l4proto ?? ''}|${n.server.ip ?? n.remote.ip ?? ''}|${n.server.port ?? n.remote.port ?? ''}` : '';
  return `${a.source ?? ''}\u0000${a.rule}\u0000${a.namespace ?? ''}/${a.pod ?? ''}\u0000${server}`;
}

function skip(reason: SkipReason, detail: string): PolicyDecision {
  return { action: 'skip', reason, detail };
}

/** Map insertion with a size bound: the oldest entry goes first. */
function setBounded<K, V>(m: Map<K, V>, k: K, v: V, max: number): void {
  m.delete(k);
  m.set(k, v);
  if (m.size > max) m.delete(m.keys().next().value as K);
}
