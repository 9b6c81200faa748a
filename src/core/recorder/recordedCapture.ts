// A capture from the flight recorder, for serve, the CLI and the extension: find the recorder of
// the alerted pod's node, ask it for [alert − before, alert + after] through the plan's filter,
// and run its pcapng through the same session as a live capture (alert and plan comments, pod
// interfaces, marked packets of the alerted flow, caps, sidecar with the cluster snapshot), the
// plan saying `method: 'recorder'` and the window.
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { nsToIso, parseRfc3339Nano } from '../alerts/alertTime.js';
import type { FalcoAlert } from '../alerts/types.js';
import { captureTargetOf, type CapturePlan } from '../capture/capturePlan.js';
import { displayFilterOf } from '../capture/captureFilter.js';
import { selectionOf } from '../capture/flowContext.js';
import { runCaptureSession, type CaptureProgress, type CaptureRecord, type CaptureSource } from '../capture/captureSession.js';
import { takeClusterSnapshot } from '../k8s/clusterSnapshot.js';
import { describeKubeError } from '../k8s/kubeAccess.js';
import { CodedError } from '../util/problem.js';
import { apiServerProxyTransport, directTransport, type RecorderTransport, type TransportResponse } from './recorderTransport.js';

export const RECORDER_LABEL = 'app.kubernetes.io/name=falcoshark-recorder';
export const RECORDER_PORT = 2803;
export const RECORDER_SECRET = 'falcoshark-recorder-token';
export const DEFAULT_BEFORE_SECONDS = 60;
export const DEFAULT_AFTER_SECONDS = 30;

export interface RecorderEndpoint {
  /** Who it is, for the plan and the log ("falcoshark/falcoshark-recorder-x2k4 on node lab"). */
  name: string;
  node?: string;
  transport: RecorderTransport;
}

export class RecorderError extends CodedError {
  override readonly name = 'RecorderError';
  constructor(readonly code: 'not-found' | 'unreachable' | 'unauthorized' | 'bad-request' | 'filter' | 'server-error', message: string) {
    super(message);
  }
}

/** A recorder pod, for a transport to reach it by. */
export interface RecorderPod { namespace: string; name: string; ip: string; port: number; node: string }
export type TransportFor = (p: RecorderPod) => RecorderTransport;

/** Straight to the pod's IP (serve, inside the cluster). */
export const direct = (token: string): TransportFor => (p) => directTransport(`http://${p.ip.includes(':') ? `[${p.ip}]` : p.ip}:${p.port}/`, token);
/** Through the API server's pod proxy with the kubeconfig's credentials (the extension). */
export const viaApiServer = (kc: KubeConfig, token: string): TransportFor => (p) => apiServerProxyTransport(kc, p.namespace, p.name, p.port, token);

/** The recorder running (and ready) on `node`: a pod of the recorder DaemonSet in `namespace`. */
export async function findRecorder(kc: KubeConfig, namespace: string, node: string, transportFor: TransportFor): Promise<RecorderEndpoint | undefined> {
  const core = kc.makeApiClient(CoreV1Api);
  let pods;
  try {
    pods = await core.listNamespacedPod({ namespace, labelSelector: RECORDER_LABEL, fieldSelector: `spec.nodeName=${node}` });
  } catch (e) {
    throw describeKubeError(e, 'list', 'pods', namespace, kc.getCurrentContext());
  }
  const p = pods.items.find((x) => x.status?.phase === 'Running' && x.status.podIP && x.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
  if (!p?.metadata?.name) return undefined;
  const port = p.spec?.containers?.[0]?.ports?.find((x) => x.name === 'api')?.containerPort ?? RECORDER_PORT;
  const pod: RecorderPod = { namespace, name: p.metadata.name, ip: p.status!.podIP!, port, node };
  return { transport: transportFor(pod), name: `${namespace}/${pod.name} on node ${node}`, node };
}

/** The recorder of the node a pod runs on (the pod looked up by the API, not taken from the alert). */
export async function recorderForPod(kc: KubeConfig, recordersNamespace: string, transportFor: TransportFor, namespace: string, pod: string): Promise<RecorderEndpoint | undefined> {
  const core = kc.makeApiClient(CoreV1Api);
  let list;
  try {
    list = await core.listNamespacedPod({ namespace, fieldSelector: `metadata.name=${pod}` });
  } catch (e) {
    throw describeKubeError(e, 'list', 'pods', namespace, kc.getCurrentContext());
  }
  const node = list.items[0]?.spec?.nodeName;
  return node ? findRecorder(kc, recordersNamespace, node, transportFor) : undefined;
}

/** The recorder's token from its Secret (the extension: `get` on that one Secret, by resourceNames). */
export async function readRecorderToken(kc: KubeConfig, namespace: string): Promise<string> {
  try {
    const s = await kc.makeApiClient(CoreV1Api).readNamespacedSecret({ name: RECORDER_SECRET, namespace });
    const v = s.data?.token;
    if (!v) throw new RecorderError('not-found', `the Secret ${namespace}/${RECORDER_SECRET} has no key "token"`);
    return Buffer.from(v, 'base64').toString('utf8').trim();
  } catch (e) {
    if (e instanceof RecorderError) throw e;
    throw describeKubeError(e, 'get', `secrets/${RECORDER_SECRET}`, namespace, kc.getCurrentContext());
  }
}

/** What the recorder holds of a pod (undefined: not recorded there). */
export async function recorderHolds(endpoint: RecorderEndpoint, namespace: string, pod: string): Promise<{ heldFrom?: string; heldPackets: number } | undefined> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), 10_000);
  try {
    const res = await endpoint.transport.request('GET', 'api/v1/pods', undefined, ac.signal);
    const text = await res.text();
    if (res.status !== 200) throw new RecorderError(res.status === 401 || res.status === 403 ? 'unauthorized' : 'server-error', `the recorder ${endpoint.name} answered ${res.status}: ${text.slice(0, 300).trim()}`);
    const items = (JSON.parse(text) as { items?: { namespace: string; pod: string; gone: boolean; heldPackets: number; heldFrom?: string }[] }).items ?? [];
    const it = items.find((x) => x.namespace === namespace && x.pod === pod && x.heldPackets > 0);
    return it ? { heldPackets: it.heldPackets, ...(it.heldFrom ? { heldFrom: it.heldFrom } : {}) } : undefined;
  } catch (e) {
    if (e instanceof RecorderError) throw e;
    throw new RecorderError('unreachable', `the recorder ${endpoint.name} (${endpoint.transport.describe}) cannot be reached: ${(e as Error).message}`);
  } finally {
    clearTimeout(timer);
  }
}

export interface RecordedWindowRequest { beforeSeconds: number; afterSeconds: number }

/** The plan of a capture cut from a recorder around the alert's time. */
export function recordedPlan(plan: CapturePlan, alert: FalcoAlert, endpoint: Pick<RecorderEndpoint, 'name' | 'node'>, w: RecordedWindowRequest, nowMs: number): CapturePlan {
  if (!alert.time) throw new RecorderError('bad-request', 'the alert has no time: there is no window to cut from the recorder');
  const t = parseRfc3339Nano(alert.time);
  if (!t.ok) throw new RecorderError('bad-request', `the alert's time ${alert.time}: ${t.reason}`);
  const from = nsToIso(t.value.ns - BigInt(w.beforeSeconds) * 1_000_000_000n);
  const to = nsToIso(t.value.ns + BigInt(w.afterSeconds) * 1_000_000_000n);
  const leftMs = Math.max(0, t.value.ms + w.afterSeconds * 1000 - nowMs);
  // A live capture starts after the alerted connection, so it marks every connection to the
  // alerted server; the recorder holds the alerted connection itself: its marks (and Wireshark's
  // display filter) are the exact 5-tuple, while the capture filter still keeps the server's other
  // connections and DNS around it.
  const exact = plan.filter.origin === 'alert' ? captureTargetOf(alert, true) : undefined;
  const sel = exact ? selectionOf(exact) : undefined;
  const marks = exact && sel?.scope === 'flow' ? { flow: exact, filter: { ...plan.filter, display: displayFilterOf(sel) } } : {};
  return {
    ...plan, ...marks, method: 'recorder',
    target: plan.target.kind === 'pod' && endpoint.node ? { ...plan.target, node: endpoint.node } : plan.target,
    // The session's own clock: the rest of the window, and a margin for the recorder to close it.
    caps: { ...plan.caps, durationSeconds: Math.ceil(leftMs / 1000) + 10 },
    recorded: { recorder: endpoint.name, alertTime: t.value.iso, beforeSeconds: w.beforeSeconds, afterSeconds: w.afterSeconds, from, to },
    notes: [...plan.notes, `cut from the flight recorder ${endpoint.name}: ${w.beforeSeconds} s before → ${w.afterSeconds} s after the alert`],
  };
}

/** Asks the recorder for the plan's window; the response body is the capture tool's output. */
export async function startCutSource(endpoint: RecorderEndpoint, plan: CapturePlan): Promise<{ source: CaptureSource; heldFrom?: string }> {
  const w = plan.recorded;
  if (!w) throw new RecorderError('bad-request', 'not a recorded capture');
  const ac = new AbortController();
  let res: TransportResponse;
  // A pod's window from a node's recorder; a host's from a recorder in host mode (every interface).
  const who = plan.target.kind === 'pod' ? { namespace: plan.target.namespace, pod: plan.target.pod } : {};
  const body = JSON.stringify({ ...who, alertTime: w.alertTime, beforeSeconds: w.beforeSeconds, afterSeconds: w.afterSeconds, filter: plan.filter.bpf });
  try {
    res = await endpoint.transport.request('POST', 'api/v1/cut', body, ac.signal);
  } catch (e) {
    throw new RecorderError('unreachable', `the recorder ${endpoint.name} (${endpoint.transport.describe}) cannot be reached: ${(e as Error).message}`);
  }
  if (res.status !== 200) {
    const said = await res.text().catch(() => '');
    let reason = said.slice(0, 500);
    try { const j = JSON.parse(said) as { reason?: string; message?: string }; reason = j.reason ?? j.message ?? reason; } catch { /* not JSON */ }
    const code = res.status === 401 ? 'unauthorized' : res.status === 403 ? 'unauthorized' : res.status === 404 ? 'not-found' : res.status === 400 ? (/compile/.test(reason) ? 'filter' : 'bad-request') : 'server-error';
    throw new RecorderError(code, `the recorder ${endpoint.name} answered ${res.status}: ${reason.trim()}`);
  }
  const stream = res.body;
  let finished: (v: { ok: boolean; detail: string }) => void = () => undefined;
  const done = new Promise<{ ok: boolean; detail: string }>((r) => { finished = r; });
  const heldFrom = res.header('x-falcoshark-held-from');
  const source: CaptureSource = {
    stream: (async function* () {
      try {
        for await (const chunk of stream) yield chunk;
        finished({ ok: true, detail: `the recorded window closed (${w.beforeSeconds} s before → ${w.afterSeconds} s after the alert)` });
      } catch (e) {
        finished({ ok: ac.signal.aborted, detail: ac.signal.aborted ? 'stopped' : `the recorder's stream broke: ${(e as Error).message}` });
        if (!ac.signal.aborted) throw e;
      }
    })(),
    stop: () => { if (!ac.signal.aborted) ac.abort(); finished({ ok: true, detail: 'stopped' }); },
    done,
  };
  return { source, ...(heldFrom ? { heldFrom } : {}) };
}

export interface RecordedCaptureOptions {
  plan: CapturePlan;
  alert: FalcoAlert;
  endpoint: RecorderEndpoint;
  window?: RecordedWindowRequest;
  outDir: string;
  auditLog?: string;
  kubeConfig?: KubeConfig;
  signal?: AbortSignal;
  onStage?: (stage: string) => void;
  onProgress?: (p: CaptureProgress) => void;
  now?: () => number;
}

/** A capture of the alerted pod cut from its node's recorder. */
export async function runRecordedCapture(o: RecordedCaptureOptions): Promise<CaptureRecord> {
  const w = o.window ?? { beforeSeconds: DEFAULT_BEFORE_SECONDS, afterSeconds: DEFAULT_AFTER_SECONDS };
  let plan = recordedPlan(o.plan, o.alert, o.endpoint, w, (o.now ?? Date.now)());
  o.onStage?.(`asking the recorder ${o.endpoint.name} for ${w.beforeSeconds} s before → ${w.afterSeconds} s after the alert`);
  const snapshotP = o.kubeConfig ? takeClusterSnapshot(o.kubeConfig).catch(() => undefined) : Promise.resolve(undefined);
  const { source, heldFrom } = await startCutSource(o.endpoint, plan);
  if (heldFrom && plan.recorded) {
    plan = { ...plan, recorded: { ...plan.recorded, heldFrom } };
    if (heldFrom > plan.recorded!.from) plan.notes.push(`the recorder held this pod's packets only from ${heldFrom} (its bounds had dropped older ones)`);
  }
  const snapshot = await snapshotP;
  return runCaptureSession({ plan, outDir: o.outDir, source, signal: o.signal, onProgress: o.onProgress, auditLog: o.auditLog, alert: o.alert,
    ...(snapshot ? { snapshot } : {}) });
}
