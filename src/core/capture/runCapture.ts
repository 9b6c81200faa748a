// One capture from start to finish, the same for the CLI, the extension and `serve`:
// check the filter compiles, take the cluster snapshot, start the tool where the plan says,
// stream to disk under the caps, and leave the pcapng, its sidecar and the audit entries.
import type { KubeConfig } from '@kubernetes/client-node';
import type { FalcoAlert } from '../alerts/types.js';
import type { ClusterSnapshot } from '../../shared/clusterSnapshot.js';
import type { CapturePlan } from './capturePlan.js';
import { runCaptureSession, type CaptureProgress, type CaptureRecord } from './captureSession.js';
import { checkCaptureFilter } from './filterCheck.js';
import { startLocalCapture } from './localRunner.js';
import { startPodCapture } from './podRunner.js';
import { takeClusterSnapshot } from '../k8s/clusterSnapshot.js';
import { runWorkloadCapture } from './workloadCapture.js';
import { CodedError } from '../util/problem.js';

export class CaptureStartError extends CodedError {
  override readonly name = 'CaptureStartError';
  constructor(readonly code: 'filter' | 'no-kubeconfig', message: string) {
    super(message);
  }
}

export interface RunCaptureOptions {
  plan: CapturePlan;
  outDir: string;
  auditLog?: string;
  /** Needed for pod targets. */
  kubeConfig?: KubeConfig;
  alert?: FalcoAlert;
  addCapabilities?: boolean;
  signal?: AbortSignal;
  onStage?: (stage: string) => void;
  onProgress?: (p: CaptureProgress) => void;
  /** Skip the libpcap compile check (only when dumpcap is not installed and the filter was built by us). */
  skipFilterCheck?: boolean;
}

export async function runCapture(o: RunCaptureOptions): Promise<CaptureRecord> {
  const { plan } = o;
  if (plan.filter.bpf && !o.skipFilterCheck) {
    o.onStage?.('checking the capture filter');
    const check = await checkCaptureFilter(plan.filter.bpf);
    if (!check.ok) throw new CaptureStartError('filter', `the capture filter does not compile: ${check.reason} (filter: ${plan.filter.bpf})`);
  }
  if (plan.target.kind === 'local') {
    const source = startLocalCapture({ tool: plan.tool, iface: plan.target.iface, bpf: plan.filter.bpf, caps: plan.caps,
      ...(plan.target.netns ? { netns: plan.target.netns } : {}) });
    o.onStage?.(`capturing on ${plan.target.netns ? `${plan.target.netns}:` : ''}${plan.target.iface}`);
    return runCaptureSession({ plan, outDir: o.outDir, source, signal: o.signal, onProgress: o.onProgress, auditLog: o.auditLog,
      ...(o.alert ? { alert: o.alert } : {}) });
  }
  const kc = o.kubeConfig;
  if (!kc) throw new CaptureStartError('no-kubeconfig', 'a pod capture needs a kubeconfig');
  if (plan.target.kind === 'workload') {
    // Every pod of the workload, merged into one file; the record's `pods` say how each went.
    return runWorkloadCapture({ plan, outDir: o.outDir, kubeConfig: kc, ...(o.auditLog ? { auditLog: o.auditLog } : {}), ...(o.alert ? { alert: o.alert } : {}),
      ...(o.addCapabilities ? { addCapabilities: true } : {}), ...(o.signal ? { signal: o.signal } : {}), ...(o.onStage ? { onStage: o.onStage } : {}),
      ...(o.onProgress ? { onProgress: o.onProgress } : {}) });
  }
  o.onStage?.('reading the cluster (pods, services, workloads, nodes)');
  const snapshotP: Promise<ClusterSnapshot> = takeClusterSnapshot(kc);
  const started = await startPodCapture(kc, plan, { addCapabilities: o.addCapabilities, onStage: o.onStage });
  const snapshot = await snapshotP;
  // The audit log and the pcapng say where the capture ran: node and kubeconfig context.
  const planWithNode: CapturePlan = { ...plan, target: { ...plan.target,
    ...(started.pod.node && !plan.target.node ? { node: started.pod.node } : {}),
    ...(!plan.target.context ? { context: kc.getCurrentContext() } : {}) } };
  return runCaptureSession({
    plan: planWithNode, outDir: o.outDir, source: started.source, signal: o.signal, onProgress: o.onProgress, auditLog: o.auditLog,
    ...(o.alert ? { alert: o.alert } : {}), snapshot, captureContainer: started.container,
  });
}
