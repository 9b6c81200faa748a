// What the capture plan quick pick lets a user edit, and how typed values are parsed. Pure,
// no `vscode`: captureCommands.ts shows it; the plan is always rebuilt by planForPod so every
// value is validated again there.
import type { CaptureCaps, CapturePlan, PlanSettings } from '../../core/capture/capturePlan.js';
import { checkK8sName, planForPod } from '../../core/capture/capturePlan.js';
import type { FalcoAlert } from '../../core/alerts/types.js';

export interface PodRef { namespace: string; pod: string; container?: string }

/** The editable parts of a plan. */
export interface PlanDraft {
  pod: PodRef;
  /** undefined: the filter built from the alert. */
  filterOverride?: string;
  caps: Partial<CaptureCaps>;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

/** "30", "30s", "2m", "1h" → seconds. */
export function parseDuration(input: string): Parsed<number> {
  const m = /^\s*(\d+)\s*(s|sec|secs|seconds?|m|min|minutes?|h|hours?)?\s*$/i.exec(input);
  if (!m) return { ok: false, reason: 'a duration is a whole number of seconds, or with m / h (e.g. 30, 2m)' };
  const n = Number(m[1]);
  const unit = (m[2] ?? 's')[0].toLowerCase();
  const secs = unit === 'h' ? n * 3600 : unit === 'm' ? n * 60 : n;
  if (!Number.isSafeInteger(secs) || secs <= 0) return { ok: false, reason: 'the duration must be at least 1 second' };
  return { ok: true, value: secs };
}

/** "200000", "200k", "2M" → a positive count. */
export function parseCount(input: string): Parsed<number> {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kKmM])?\s*$/.exec(input);
  if (!m) return { ok: false, reason: 'a whole number, optionally with k or M (e.g. 200k)' };
  const n = Math.round(Number(m[1]) * (m[2] ? (m[2].toLowerCase() === 'k' ? 1e3 : 1e6) : 1));
  if (!Number.isSafeInteger(n) || n <= 0) return { ok: false, reason: 'must be a positive whole number' };
  return { ok: true, value: n };
}

/** "100MB", "1.5 GiB", "512k", "1048576" → bytes (binary multiples). */
export function parseBytes(input: string): Parsed<number> {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(b|k|kb|kib|m|mb|mib|g|gb|gib)?\s*$/i.exec(input);
  if (!m) return { ok: false, reason: 'a size such as 100MB, 512k or 1GB' };
  const unit = (m[2] ?? 'b').toLowerCase()[0];
  const mult = unit === 'g' ? 1024 ** 3 : unit === 'm' ? 1024 ** 2 : unit === 'k' ? 1024 : 1;
  const n = Math.round(Number(m[1]) * mult);
  if (!Number.isSafeInteger(n) || n <= 0) return { ok: false, reason: 'must be a positive size' };
  return { ok: true, value: n };
}

/** "namespace/pod" or "namespace/pod:container", validated as Kubernetes names. */
export function parsePodRef(input: string): Parsed<PodRef> {
  const m = /^\s*([^/\s]+)\/([^/:\s]+)(?::([^/:\s]+))?\s*$/.exec(input);
  if (!m) return { ok: false, reason: 'write NAMESPACE/POD or NAMESPACE/POD:CONTAINER' };
  try {
    checkK8sName('namespace', m[1]);
    checkK8sName('pod', m[2]);
    if (m[3]) checkK8sName('container', m[3]);
  } catch (e) {
    return { ok: false, reason: (e as Error).message };
  }
  return { ok: true, value: { namespace: m[1], pod: m[2], ...(m[3] ? { container: m[3] } : {}) } };
}

/** A BPF filter typed by the user: length and characters only (runCapture compiles it with
 *  libpcap before anything starts). Empty means "the filter from the alert". */
export function parseBpf(input: string): Parsed<string | undefined> {
  const t = input.trim();
  if (t === '') return { ok: true, value: undefined };
  if (t.length > 2000) return { ok: false, reason: 'the filter is longer than 2000 characters' };
  if (/[^\x20-\x7e]/.test(t)) return { ok: false, reason: 'the filter may hold printable ASCII characters only' };
  return { ok: true, value: t };
}

export function planFromDraft(d: PlanDraft, settings: PlanSettings, alert: FalcoAlert | undefined): CapturePlan {
  return planForPod({ ...d.pod }, { ...settings, caps: { ...settings.caps, ...d.caps }, ...(d.filterOverride !== undefined ? { filterOverride: d.filterOverride } : {}) }, alert);
}

export function describeCaps(c: CaptureCaps): string {
  return `${c.durationSeconds} s, at most ${c.maxPackets.toLocaleString('en-US')} packets / ${Math.round(c.maxBytes / 1024 / 1024)} MB`;
}

/** The pod of a Kubernetes extension Clusters explorer node, read defensively (its shape is
 *  not a published API: `name`/`namespace`, `metadata`, `kindName` "pod/NAME"). */
export function podRefFromExplorerNode(node: unknown): { namespace?: string; pod: string } | undefined {
  if (typeof node !== 'object' || node === null) return undefined;
  const o = node as Record<string, unknown>;
  const meta = typeof o['metadata'] === 'object' && o['metadata'] !== null ? (o['metadata'] as Record<string, unknown>) : {};
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
  let pod = str(o['name']) ?? str(meta['name']);
  const kindName = str(o['kindName']);
  if (!pod && kindName) {
    const m = /^pods?\/(.+)$/i.exec(kindName);
    if (m) pod = m[1];
  }
  if (!pod) return undefined;
  const namespace = str(o['namespace']) ?? str(meta['namespace']);
  return namespace ? { namespace, pod } : { pod };
}


/** What a Kubernetes explorer node stands for when a workload is captured: a workload
 *  (kindName "deployment/api", or resourceKind.manifestKind + name), or a pod (its workload is
 *  then found from its owners). Read defensively: the node is the other extension's object. */
export function workloadRefFromExplorerNode(node: unknown): { namespace?: string; kind: string; name: string } | undefined {
  if (typeof node !== 'object' || node === null) return undefined;
  const o = node as Record<string, unknown>;
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
  const meta = typeof o['metadata'] === 'object' && o['metadata'] !== null ? (o['metadata'] as Record<string, unknown>) : {};
  const rk = typeof o['resourceKind'] === 'object' && o['resourceKind'] !== null ? (o['resourceKind'] as Record<string, unknown>) : {};
  const namespace = str(o['namespace']) ?? str(meta['namespace']);
  const kindName = str(o['kindName']);
  const m = kindName ? /^([A-Za-z]+)\/(.+)$/.exec(kindName) : null;
  const kind = m?.[1] ?? str(rk['manifestKind']) ?? str(o['kind']);
  const name = m?.[2] ?? str(o['name']) ?? str(meta['name']);
  if (!kind || !name) return undefined;
  return { ...(namespace ? { namespace } : {}), kind, name };
}
