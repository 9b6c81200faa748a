// A capture cut from the flight recorders for any pod target — one pod, or every pod of a
// workload (issue 14: "the recorder answers a workload request the same way when it covers those
// pods"): each pod's packets come from the recorder of its node, cut around the alert's time, and
// a workload's are merged into one pcapng by the same session as a live workload capture (one
// interface per pod, the caps and each pod's share, each pod's outcome in the sidecar). A pod
// whose node has no recorder, or that its recorder does not hold, is that pod's failure, with
// the reason; the others are kept. Recorders are reached with `transportFor` (the API server's
// pod proxy from a workstation, straight to the pod IP inside the cluster).
import type { KubeConfig } from '@kubernetes/client-node';
import type { FalcoAlert } from '../alerts/types.js';
import type { CapturePlan } from '../capture/capturePlan.js';
import type { CaptureProgress, CaptureRecord } from '../capture/captureSession.js';
import { runWorkloadCapture, type WorkloadCaptureRecord } from '../capture/workloadCapture.js';
import { findRecorder, recordedPlan, recorderForPod, RecorderError, runRecordedCapture, startCutSource, type RecordedWindowRequest, type TransportFor } from './recordedCapture.js';

export interface FromRecordersOptions {
  plan: CapturePlan;
  alert: FalcoAlert;
  kubeConfig: KubeConfig;
  /** The namespace the recorder DaemonSet runs in. */
  recordersNamespace: string;
  transportFor: TransportFor;
  window: RecordedWindowRequest;
  outDir: string;
  auditLog?: string;
  signal?: AbortSignal;
  onStage?: (stage: string) => void;
  onProgress?: (p: CaptureProgress) => void;
  now?: () => number;
}

/** What a merge of recorded cuts holds at most before writing the oldest regardless. */
export const RECORDED_HOLD_BYTES = 64 * 1024 * 1024;

export async function runFromRecorders(o: FromRecordersOptions): Promise<CaptureRecord | WorkloadCaptureRecord> {
  const t = o.plan.target;
  if (t.kind === 'pod') {
    const endpoint = await recorderForPod(o.kubeConfig, o.recordersNamespace, o.transportFor, t.namespace, t.pod);
    if (!endpoint) throw new RecorderError('not-found', `no flight recorder runs on the node of ${t.namespace}/${t.pod} (namespace ${o.recordersNamespace})`);
    return runRecordedCapture({ plan: o.plan, alert: o.alert, endpoint, window: o.window, outDir: o.outDir, kubeConfig: o.kubeConfig,
      ...(o.auditLog ? { auditLog: o.auditLog } : {}), ...(o.signal ? { signal: o.signal } : {}), ...(o.onStage ? { onStage: o.onStage } : {}), ...(o.onProgress ? { onProgress: o.onProgress } : {}) });
  }
  if (t.kind !== 'workload') throw new RecorderError('bad-request', 'a local target is cut with `falcoshark recorder cut --local`');
  // The window and the marks as for one pod; the session's clock is what is left of the window.
  const plan = recordedPlan(o.plan, o.alert, { name: `the flight recorders (namespace ${o.recordersNamespace})` }, o.window, (o.now ?? Date.now)());
  o.onStage?.(`asking the flight recorders of each pod's node for ${o.window.beforeSeconds} s before → ${o.window.afterSeconds} s after the alert`);
  // Every cut is history, delivered as fast as its recorder sends it (pods' cuts start and end
  // at different times): the merge writes once every pod's cut has ended, in timestamp order,
  // so that no pod's older packets come after the others' (CI once saw them out of order with
  // a 10 s hold); memory stays bounded by RECORDED_HOLD_BYTES.
  return runWorkloadCapture({
    plan, outDir: o.outDir, kubeConfig: o.kubeConfig, alert: o.alert,
    merge: { holdUntilEnd: true, maxHeldBytes: Math.min(plan.caps.maxBytes, RECORDED_HOLD_BYTES) },
    ...(o.auditLog ? { auditLog: o.auditLog } : {}), ...(o.signal ? { signal: o.signal } : {}), ...(o.onStage ? { onStage: o.onStage } : {}), ...(o.onProgress ? { onProgress: o.onProgress } : {}),
    startSource: async (pod, podPlan) => {
      if (!pod.node) throw new RecorderError('not-found', 'the pod is on no node yet');
      const endpoint = await findRecorder(o.kubeConfig, o.recordersNamespace, pod.node, o.transportFor);
      if (!endpoint) throw new RecorderError('not-found', `no flight recorder runs on node ${pod.node}`);
      const { source } = await startCutSource(endpoint, { ...podPlan, method: 'recorder', recorded: { ...plan.recorded!, recorder: endpoint.name } });
      return { source, node: pod.node, bounded: true };
    },
  });
}
