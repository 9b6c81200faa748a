// Annotates a FlowSummary with the context a capture carries in its sidecar: each endpoint
// named by pod/service/workload/namespace (or marked external), the alerted flow marked.
import type { FlowSummary, FlowRecord, FlowEndpoint } from '../../shared/flowSummary.js';
import type { AnnotatedFlow, AnnotatedSummary, CaptureContext, EndpointIdentity } from '../../shared/annotatedSummary.js';
import type { ClusterSnapshot, IpOwner } from '../../shared/clusterSnapshot.js';
import { flowMatches, selectionOf, type FlowContext, type Selection } from '../capture/flowContext.js';
import { alertedDisplayFilter } from '../wireshark/flowDisplayFilter.js';
import type { CaptureSidecar } from '../capture/captureSidecar.js';
import type { FlowEndpoints } from '../flows/buildSummary.js';
import { targetText } from '../capture/planText.js';
import { capturedOnOf, type CapturedOn } from '../capture/capturedOn.js';

/** Loopback, link-local, unspecified and multicast are "this host", never "external". */
function isLocalScope(ip: string): boolean {
  return /^(127\.|0\.|169\.254\.|22[4-9]\.|23\d\.|255\.)/.test(ip) || /^(::1?$|fe80:|ff)/i.test(ip);
}

export function identify(ip: string, snapshot: ClusterSnapshot | undefined): EndpointIdentity {
  const o: IpOwner | undefined = snapshot?.ips[ip];
  if (!o) {
    if (!snapshot || isLocalScope(ip)) return { kind: 'unknown', label: ip };
    return { kind: 'external', label: 'external' };
  }
  if (o.kind === 'pod') {
    const bits = [o.workload ? `${o.workload.kind} ${o.workload.name}` : '', ...(o.services ?? []).map((s) => `svc ${s}`)].filter(Boolean);
    return { ...o, label: `${o.namespace}/${o.name}${bits.length ? ` (${bits.join(', ')})` : ''}` };
  }
  if (o.kind === 'service') return { ...o, label: `svc ${o.namespace}/${o.name}` };
  return { ...o, label: `node ${o.name}` };
}

/** True when the flow carries the alerted flow's packets (the per-flow encoding of the plan's
 *  flow context, see flowContext.ts); an unusable context marks nothing. */
export function isAlertedFlow(f: FlowRecord, flow: FlowContext | undefined): boolean {
  if (!flow) return false;
  try { return flowMatches(selectionOf(flow), f); } catch { return false; }
}

/** One flow with its endpoints named and the alerted mark (also used flow by flow when the
 *  CLI streams a summary without building it). */
export function annotateFlow(f: FlowRecord, sidecar: CaptureSidecar, capturedOn = capturedOnOf(sidecar)): AnnotatedFlow {
  const on = capturedOn?.(f.client.ip, f.server.ip);
  return {
    ...f,
    clientIdentity: identify(f.client.ip, sidecar.snapshot),
    serverIdentity: identify(f.server.ip, sidecar.snapshot),
    ...(isAlertedFlow(f, sidecar.plan.flow) ? { alerted: true } : {}),
    ...(on ? { capturedOn: on } : {}),
  };
}

const IDENTITY_CACHE = 1 << 16;

/** Annotates flows without their records (the CLI's streamed --json and its table): the
 *  alerted test on the flow's endpoints, and each address's identity as JSON text, made once
 *  per address (a pod or service is in many flows; at most IDENTITY_CACHE are kept). */
export class FlowAnnotator {
  private readonly identities = new Map<string, Uint8Array>();
  private readonly identityObjects = new Map<string, EndpointIdentity>();
  private readonly encoder = new TextEncoder();

  private readonly selection: Selection | undefined;
  private readonly capturedOn: CapturedOn | undefined;
  private readonly scratch: { protocol: string; client: FlowEndpoint; server: FlowEndpoint } = { protocol: '', client: { ip: '' }, server: { ip: '' } };

  constructor(private readonly sidecar: CaptureSidecar, private readonly flows: FlowEndpoints) {
    this.capturedOn = capturedOnOf(sidecar);
    const flow = sidecar.plan.flow;
    try { this.selection = flow ? selectionOf(flow) : undefined; } catch { this.selection = undefined; }
  }

  /** isAlertedFlow of flow f, on its endpoints (one reused scratch record, no record made). */
  alerted(f: number): boolean {
    if (this.selection === undefined) return false;
    const e = this.flows;
    const r = this.scratch;
    r.protocol = e.protocol(f);
    r.client.ip = e.ip(f, 0);
    r.client.port = e.port(f, 0);
    r.server.ip = e.ip(f, 1);
    r.server.port = e.port(f, 1);
    return flowMatches(this.selection, r);
  }

  /** identify(ip), one object per address (the flow columns key identities by object). */
  identity(ip: string): EndpointIdentity {
    let id = this.identityObjects.get(ip);
    if (id === undefined) {
      id = identify(ip, this.sidecar.snapshot);
      if (this.identityObjects.size >= IDENTITY_CACHE) this.identityObjects.clear();
      this.identityObjects.set(ip, id);
    }
    return id;
  }

  /** The pods flow f was captured on (a workload capture's), else undefined. */
  capturedOnFlow(f: number): string[] | undefined {
    return this.capturedOn?.(this.flows.ip(f, 0), this.flows.ip(f, 1));
  }

  /** JSON.stringify of identify(ip) as UTF-8 bytes. */
  identityJson(ip: string): Uint8Array {
    let b = this.identities.get(ip);
    if (b === undefined) {
      b = this.encoder.encode(JSON.stringify(this.identity(ip)));
      if (this.identities.size >= IDENTITY_CACHE) this.identities.clear();
      this.identities.set(ip, b);
    }
    return b;
  }

  /** The keys annotateFlow adds, as JSON text: `,"clientIdentity":…,"serverIdentity":…` and
   *  `,"alerted":true` for the alerted flow. */
  keysJson(f: number, raw: (bytes: Uint8Array) => void): void {
    raw(CLIENT_KEY);
    raw(this.identityJson(this.flows.ip(f, 0)));
    raw(SERVER_KEY);
    raw(this.identityJson(this.flows.ip(f, 1)));
    if (this.alerted(f)) raw(ALERTED_KEY);
    const on = this.capturedOn?.(this.flows.ip(f, 0), this.flows.ip(f, 1));
    if (on) raw(this.encoder.encode(`,"capturedOn":${JSON.stringify(on)}`));
  }
}

/** The time a capture's flows are split at (before the alert / after it): the recorded
 *  window's alert time for a capture cut from a flight recorder, else the alert's time; what
 *  the analysis is given as `alertTime` (undefined: the capture has no alert time). */
export function alertTimeOf(sidecar: CaptureSidecar | undefined): string | undefined {
  return sidecar?.plan.recorded?.alertTime ?? sidecar?.plan.alert?.time ?? undefined;
}

function recordedOf(sidecar: CaptureSidecar): CaptureContext['recorded'] {
  const w = sidecar.plan.recorded;
  if (!w) return undefined;
  return { recorder: w.recorder, alertTime: w.alertTime, beforeSeconds: w.beforeSeconds, afterSeconds: w.afterSeconds, from: w.from, to: w.to,
    ...(w.heldFrom !== undefined ? { heldFrom: w.heldFrom } : {}) };
}

const CLIENT_KEY = new TextEncoder().encode(',"clientIdentity":');
const SERVER_KEY = new TextEncoder().encode(',"serverIdentity":');
const ALERTED_KEY = new TextEncoder().encode(',"alerted":true');

export function annotateSummary(summary: FlowSummary, sidecar: CaptureSidecar | undefined): AnnotatedSummary {
  if (!sidecar) return summary;
  const { plan, snapshot } = sidecar;
  const t = plan.target;
  const capturedOn = capturedOnOf(sidecar);
  const flows: AnnotatedFlow[] = summary.flows.map((f) => annotateFlow(f, sidecar, capturedOn));
  const context: CaptureContext = {
    id: plan.id,
    target: targetText(t),
    filter: plan.filter.bpf,
    // Rebuilt from the checked flow context (the same text Wireshark is started with), not
    // copied from the file.
    displayFilter: alertedDisplayFilter(plan) ?? '',
    ...(sidecar.record ? { outcome: sidecar.record.outcome, reason: sidecar.record.reason } : {}),
    ...(plan.alert ? { alert: { rule: plan.alert.rule, priority: plan.alert.priority, time: plan.alert.time, output: plan.alert.output, node: plan.alert.node,
      namespace: sidecar.alert?.namespace ?? null, pod: sidecar.alert?.pod ?? null } } : {}),
    ...(snapshot ? { snapshotTakenAt: snapshot.takenAt, snapshotGaps: snapshot.gaps } : {}),
  };
  const recorded = recordedOf(sidecar);
  if (recorded) context.recorded = recorded;
  if (t.kind === 'workload' && sidecar.pods) context.pods = sidecar.pods.map((p) => ({ pod: `${p.namespace}/${p.pod}`, ...(p.node ? { node: p.node } : {}), outcome: p.outcome, reason: p.reason, packets: p.packets }));
  return { ...summary, flows, context };
}
