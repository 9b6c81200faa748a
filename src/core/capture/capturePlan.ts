// A capture plan: what to capture, where, with which filter and within which hard caps.
// Built from a Falco alert (or from a pod a user picked), shown to the user, editable, and
// only then run. Every value in it is validated; the alert's raw text never reaches it.
import { randomBytes } from 'node:crypto';
import type { RecordedWindow } from '../../shared/recordedWindow.js';
import type { FalcoAlert } from '../alerts/types.js';
import { checkDnsLabel, checkDnsSubdomain } from '../alerts/validate.js';
import { CodedError } from '../util/problem.js';
import { buildFilters, type BuiltFilters } from './captureFilter.js';
import { FilterInputError, type FlowContext, type L4Protocol } from './flowContext.js';

export interface CaptureCaps {
  durationSeconds: number;
  maxPackets: number;
  maxBytes: number;
  snapLen: number;
}

export const DEFAULT_CAPS: CaptureCaps = { durationSeconds: 30, maxPackets: 200_000, maxBytes: 100 * 1024 * 1024, snapLen: 262_144 };
/** Maximums no plan exceeds, whatever the user or a setting asks for. */
export const HARD_MAX_CAPS: CaptureCaps = { durationSeconds: 3600, maxPackets: 10_000_000, maxBytes: 2 * 1024 * 1024 * 1024, snapLen: 262_144 };

export const CAPTURE_TOOLS = ['tshark', 'tcpdump', 'dumpcap'] as const;
export type CaptureTool = (typeof CAPTURE_TOOLS)[number];
/** How a pod capture runs: an ephemeral debug container, or exec in a container with the tool. */
export const POD_METHODS = ['ephemeral', 'exec'] as const;
export type CaptureMethod = (typeof POD_METHODS)[number] | 'local' | 'recorder';

export type CaptureTarget =
  | { kind: 'pod'; context?: string; namespace: string; pod: string; container?: string; node?: string }
  | { kind: 'local'; netns?: string; iface: string }
  | WorkloadTarget;

/** Every pod of a workload at once (issue 14): those the selector matches when the capture
 *  starts and those that start during it, each captured in its own network namespace, merged
 *  into one pcapng (mergeWriter.ts). */
export interface WorkloadTarget {
  kind: 'workload';
  context?: string;
  namespace: string;
  /** Equality-based label selector ("app=api,tier=web"); '' when the pods are found by owner. */
  selector: string;
  /** The workload asked for ("Deployment"/"api"): pods are matched by their owner references
   *  (a Deployment's through the pod-template-hash, see clusterSnapshot.ts), no get on it needed. */
  owner?: { kind: string; name: string };
  /** The Service whose selector it is (from --service NS/NAME). */
  service?: string;
  /** Capture in the pods' container of this name (default: each pod's first). */
  container?: string;
}

/** At most this many pods are captured at once (each is a capture tool and an exec stream). */
export const MAX_WORKLOAD_PODS = 50;

/** "Deployment api", "pods app=api", "Service api (app=api)": the workload in words. */
export function workloadWords(t: WorkloadTarget): string {
  if (t.owner) return `${t.owner.kind} ${t.owner.name}`;
  if (t.service) return `Service ${t.service}${t.selector ? ` (${t.selector})` : ''}`;
  return `pods ${t.selector}`;
}

export type { RecordedWindow };

/** The alert facts a capture keeps (the full alert goes to the sidecar). */
export interface AlertRef {
  rule: string;
  priority: string | null;
  time: string | null;
  output: string;
  uuid: string | null;
  fingerprint: string;
  source: string | null;
  node: string | null;
}

export interface CapturePlan {
  id: string;
  createdAt: string;
  target: CaptureTarget;
  method: CaptureMethod;
  tool: CaptureTool;
  /** Container image for the ephemeral debug container (method 'ephemeral'). */
  image?: string;
  filter: BuiltFilters & { origin: 'alert' | 'user' | 'none' };
  /** The alerted flow (validated), used to mark its packets in the pcapng. */
  flow?: FlowContext;
  caps: CaptureCaps;
  alert?: AlertRef;
  /** Things the user should know about this plan ("no network context: whole pod"). */
  notes: string[];
  /** Started by the capture policy, not by a person (set by the automation before it starts). */
  automatic?: boolean;
  /** Set when the packets come from a flight recorder rather than a capture started now. */
  recorded?: RecordedWindow;
}

/** The capture cannot be planned: a name, a setting, a flag or the alert's context is wrong. */
export class PlanError extends CodedError {
  override readonly name = 'PlanError';
  readonly code = 'plan';
}

/** Kubernetes names are validated before any API call: a namespace is a DNS label, a pod
 *  name a DNS subdomain, a container name a DNS label. */
export function checkK8sName(kind: 'namespace' | 'pod' | 'container', value: string): void {
  const checked = kind === 'pod' ? checkDnsSubdomain(value) : checkDnsLabel(value);
  if (!checked.ok) {
    const shown = JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
    throw new PlanError(`${shown} is not a valid Kubernetes ${kind} name`);
  }
}

/** The method and tool a plan runs with, checked where the plan is made (settings, flags and
 *  casts all end here): nothing starts in a pod with a tool that does not exist. */
export function checkMethodAndTool(kind: 'pod' | 'local', method: unknown, tool: unknown): { method: CaptureMethod; tool: CaptureTool } {
  const shown = (v: unknown): string => JSON.stringify(v)?.slice(0, 40) ?? String(v);
  if (!(CAPTURE_TOOLS as readonly unknown[]).includes(tool)) throw new PlanError(`the capture tool must be ${CAPTURE_TOOLS.join(', ')}, not ${shown(tool)}`);
  if (kind === 'local') return { method: 'local', tool: tool as CaptureTool };
  if (!(POD_METHODS as readonly unknown[]).includes(method)) throw new PlanError(`the capture method must be ${POD_METHODS.join(' or ')}, not ${shown(method)}`);
  return { method: method as CaptureMethod, tool: tool as CaptureTool };
}

/** Clamps requested caps to the hard maximums; non-positive or non-integer values are errors. */
export function resolveCaps(requested: Partial<CaptureCaps>, max: CaptureCaps = HARD_MAX_CAPS, notes: string[] = []): CaptureCaps {
  const caps = { ...DEFAULT_CAPS };
  for (const key of Object.keys(DEFAULT_CAPS) as Array<keyof CaptureCaps>) {
    const v = requested[key];
    if (v === undefined) { caps[key] = Math.min(caps[key], max[key]); continue; }
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || !Number.isInteger(v)) {
      throw new PlanError(`${key} must be a positive whole number, not ${JSON.stringify(v)}`);
    }
    const hard = Math.min(max[key], HARD_MAX_CAPS[key]);
    if (v > hard) notes.push(`${key} ${v} lowered to the maximum of ${hard}`);
    caps[key] = Math.min(v, hard);
  }
  return caps;
}

export function newCaptureId(now = new Date(), hint = ''): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const safe = hint.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60);
  return `${stamp}${safe ? `-${safe}` : ''}-${randomBytes(3).toString('hex')}`;
}

function l4(proto: string | null): L4Protocol | undefined {
  switch (proto) {
    case 'tcp': case 'udp': case 'icmp': case 'sctp': return proto;
    case 'icmpv6': case 'icmp6': return 'icmpv6';
    default: return undefined;
  }
}

/** The flow context of an alert (already validated by the alert parser; checked again when
 *  the filter is built). */
export function flowContextOf(alert: FalcoAlert): FlowContext {
  const n = alert.network;
  if (!n) return {};
  // Falco prints port 0 when it does not know the port: that is "unknown", not port 0.
  const ep = (e: { ip: string | null; port: number | null }): { ip: string; port?: number } | undefined =>
    e.ip ? (e.port !== null && e.port > 0 ? { ip: e.ip, port: e.port } : { ip: e.ip }) : undefined;
  let client = ep(n.client);
  let server = ep(n.server);
  if (!client && !server) {
    // Only local/remote known: the remote end is the peer worth filtering on.
    server = ep(n.remote);
    client = ep(n.local);
  }
  const protocol = l4(n.l4proto);
  return { ...(protocol ? { protocol } : {}), ...(client ? { client } : {}), ...(server ? { server } : {}) };
}

/**
 * What to capture for an alert. A Falco connect alert reports a connection that has usually
 * happened already (a beacon, a reverse shell's first SYN): its exact client port will not be
 * seen again. So by default the filter is the server side (protocol, address, port) of the
 * alerted connection, which catches it again and its repeats, and the client port is dropped;
 * `exactFlow` keeps the 5-tuple for long-lived connections.
 */
export function captureTargetOf(alert: FalcoAlert, exactFlow = false): FlowContext {
  const flow = flowContextOf(alert);
  if (exactFlow || !flow.server || flow.server.port === undefined || !flow.client) return flow;
  return { ...flow, client: { ip: flow.client.ip } };
}

export interface PlanSettings {
  /** Filter on the alerted connection's exact 5-tuple instead of its server side. */
  exactFlow?: boolean;
  method?: CaptureMethod;
  tool?: CaptureTool;
  image?: string;
  caps?: Partial<CaptureCaps>;
  maxCaps?: CaptureCaps;
  includeDns?: boolean;
  context?: string;
  /** A BPF filter typed by the user replaces the one from the alert (validated by compiling it). */
  filterOverride?: string;
}

export const DEFAULT_IMAGE = 'nicolaka/netshoot:v0.13';

/** Builds the plan for an alert. Throws PlanError when the alert names no pod (the caller
 *  resolves the pod from the container id, node or pod IP first, see src/core/k8s). */
export function planFromAlert(alert: FalcoAlert, settings: PlanSettings = {}, now = new Date()): CapturePlan {
  if (!alert.namespace || !alert.pod) {
    throw new PlanError(`the alert "${alert.rule.slice(0, 80)}" names no pod (k8s.ns.name/k8s.pod.name are empty): resolve it from the container id, node or pod IP first`);
  }
  return planForPod({ namespace: alert.namespace, pod: alert.pod, container: alert.container.name ?? undefined, node: alert.node ?? undefined },
    settings, alert, now);
}

export function planForPod(
  pod: { namespace: string; pod: string; container?: string; node?: string },
  settings: PlanSettings = {},
  alert?: FalcoAlert,
  now = new Date(),
): CapturePlan {
  checkK8sName('namespace', pod.namespace);
  checkK8sName('pod', pod.pod);
  if (pod.container) checkK8sName('container', pod.container);
  return clusterPlan({ kind: 'pod', ...(settings.context ? { context: settings.context } : {}), ...pod }, `${pod.namespace}-${pod.pod}`, settings, alert, now, 'all of the pod\'s traffic');
}

/** The plan for every pod of a workload (the target is checked: names and selector). */
export function planForWorkload(
  target: Omit<WorkloadTarget, 'kind' | 'context'>,
  settings: PlanSettings = {},
  alert?: FalcoAlert,
  now = new Date(),
): CapturePlan {
  checkK8sName('namespace', target.namespace);
  if (target.container) checkK8sName('container', target.container);
  if (target.service) checkK8sName('container', target.service); // a Service name is a DNS label too
  if (target.owner) {
    if (!WORKLOAD_KINDS.includes(target.owner.kind)) throw new PlanError(`a workload is one of ${WORKLOAD_KINDS.join(', ')}, not ${JSON.stringify(target.owner.kind.slice(0, 40))}`);
    checkK8sName('pod', target.owner.name);
  }
  const selector = normalizeSelector(target.selector);
  if (!selector && !target.owner) throw new PlanError('a workload capture needs a label selector or a workload');
  const wt: WorkloadTarget = { kind: 'workload', ...(settings.context ? { context: settings.context } : {}), namespace: target.namespace, selector,
    ...(target.owner ? { owner: target.owner } : {}), ...(target.service ? { service: target.service } : {}), ...(target.container ? { container: target.container } : {}) };
  const plan = clusterPlan(wt, `${target.namespace}-${target.owner?.name ?? target.service ?? selector.replace(/[=,]/g, '-')}`, settings, alert, now, 'all of each pod\'s traffic');
  plan.notes.push(`caps are for the whole file; each pod gets an equal share of them (what pods that end leave goes to the others), at most ${MAX_WORKLOAD_PODS} pods`);
  return plan;
}

/** A plan whose tool runs in the cluster (one pod, or each pod of a workload): caps, method and
 *  tool, the filter from the alert; `everything` is what an unfiltered capture takes, in words. */
function clusterPlan(target: CaptureTarget, idHint: string, settings: PlanSettings, alert: FalcoAlert | undefined, now: Date, everything: string): CapturePlan {
  const notes: string[] = [];
  const caps = resolveCaps(settings.caps ?? {}, settings.maxCaps, notes);
  const { method, tool } = checkMethodAndTool('pod', settings.method ?? 'ephemeral', settings.tool ?? 'tshark');
  const { filter, flow } = planFilter(alert, settings, notes, everything);
  return {
    id: newCaptureId(now, idHint),
    createdAt: now.toISOString(),
    target,
    method,
    tool,
    ...(method === 'ephemeral' ? { image: settings.image ?? DEFAULT_IMAGE } : {}),
    filter,
    ...(flow ? { flow } : {}),
    caps,
    ...(alert ? { alert: alertRef(alert) } : {}),
    notes,
  };
}

/** The kinds a pod's controller can be (what --workload KIND/NAME takes, see workloadPods.ts). */
export const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job'];

const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

/** An equality-based label selector ("app=api, tier=web" → "app=api,tier=web"), every key and
 *  value checked against Kubernetes' label syntax: nothing else reaches the API server. */
export function normalizeSelector(selector: string): string {
  if (selector.trim() === '') return '';
  const parts = selector.split(',').map((p) => p.trim());
  const out: string[] = [];
  for (const p of parts) {
    const m = /^([^=!]+?)\s*==?\s*([^=]*)$/.exec(p);
    const bad = (why: string): never => { throw new PlanError(`the label selector ${JSON.stringify(selector.slice(0, 80))}: ${JSON.stringify(p.slice(0, 60))} ${why}`); };
    if (!m) bad('is not KEY=VALUE (only equality is supported)');
    const [, key, value] = m!;
    const slash = key.lastIndexOf('/');
    const prefix = slash >= 0 ? key.slice(0, slash) : '';
    const name = slash >= 0 ? key.slice(slash + 1) : key;
    if (prefix && !checkDnsSubdomain(prefix).ok) bad('has a key prefix that is not a DNS subdomain');
    if (!LABEL_NAME.test(name)) bad('has a key that is not a label name');
    if (!LABEL_VALUE.test(value)) bad('has a value that is not a label value');
    out.push(`${key}=${value}`);
  }
  return out.join(',');
}

/** The same plan on this host or in a network namespace (standalone Linux, edge devices). */
export function planLocal(
  target: { iface: string; netns?: string },
  settings: PlanSettings = {},
  alert?: FalcoAlert,
  now = new Date(),
): CapturePlan {
  const { tool } = checkMethodAndTool('local', 'local', settings.tool ?? 'tshark');
  const notes: string[] = [];
  const caps = resolveCaps(settings.caps ?? {}, settings.maxCaps, notes);
  const { filter, flow } = planFilter(alert, settings, notes, `all traffic on ${target.netns ? `${target.netns}:` : ''}${target.iface}`);
  return {
    id: newCaptureId(now, target.netns ?? 'host'),
    createdAt: now.toISOString(),
    target: { kind: 'local', iface: target.iface, ...(target.netns ? { netns: target.netns } : {}) },
    method: 'local',
    tool,
    filter,
    ...(flow ? { flow } : {}),
    caps,
    ...(alert ? { alert: alertRef(alert) } : {}),
    notes,
  };
}

/** The filter of a plan: the user's, or built from the alert's validated network context
 *  (falling back to everything, with a note, when the alert has none or none usable). */
function planFilter(alert: FalcoAlert | undefined, settings: PlanSettings, notes: string[], everything = 'all of the pod\'s traffic'): { filter: CapturePlan['filter']; flow?: FlowContext } {
  if (settings.filterOverride !== undefined) {
    return { filter: { scope: 'pod', bpf: settings.filterOverride, display: '', description: 'filter given by the user', origin: 'user' } };
  }
  const flow = alert ? captureTargetOf(alert, settings.exactFlow) : {};
  try {
    const built = buildFilters(flow, { includeDns: settings.includeDns ?? true });
    if (built.scope !== 'pod') return { filter: { ...built, origin: 'alert' }, flow };
    notes.push(alert ? `the alert carries no network context: capturing ${everything}` : `no filter: capturing ${everything}`);
    return { filter: { ...built, origin: 'none' } };
  } catch (e) {
    if (!(e instanceof FilterInputError)) throw e;
    notes.push(`the alert's network context was not usable (${e.message}): capturing ${everything}`);
    return { filter: { scope: 'pod', bpf: '', display: '', description: everything, origin: 'none' } };
  }
}

export function alertRef(a: FalcoAlert): AlertRef {
  return { rule: a.rule, priority: a.priority, time: a.time, output: a.output, uuid: a.uuid, fingerprint: a.fingerprint, source: a.source, node: a.node };
}
