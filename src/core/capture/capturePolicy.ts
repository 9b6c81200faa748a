// The capture policy: which alerts start a capture by themselves, and the guards that keep
// an alert storm from turning into a capture storm. Pure decision logic with explicit time,
// so it is tested without clocks; the automation (captureAutomation.ts) applies it.
import type { FalcoAlert } from '../alerts/types.js';
import { atLeast, parsePriority, type Priority } from '../alerts/priority.js';

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

/** Validates a policy from settings or flags; throws with the offending key. */
export function checkPolicy(p: Partial<CapturePolicyConfig>): CapturePolicyConfig {
  const c: CapturePolicyConfig = { ...DEFAULT_POLICY, ...p, perPod: { ...DEFAULT_POLICY.perPod, ...p.perPod } };
  if (parsePriority(c.minPriority) === null) throw new Error(`policy minPriority ${JSON.stringify(c.minPriority)} is not a Falco priority`);
  c.minPriority = parsePriority(c.minPriority)!;
  const positive = (n: number, k: string): void => { if (!Number.isInteger(n) || n < 1) throw new Error(`policy ${k} must be a whole number ≥ 1, not ${JSON.stringify(n)}`); };
  positive(c.maxConcurrent, 'maxConcurrent');
  positive(c.perPod.max, 'perPod.max');
  positive(c.perPod.windowSeconds, 'perPod.windowSeconds');
  positive(c.dedupWindowSeconds, 'dedupWindowSeconds');
  positive(c.diskBudgetBytes, 'diskBudgetBytes');
  positive(c.maxAlertAgeSeconds, 'maxAlertAgeSeconds');
  return c;
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
