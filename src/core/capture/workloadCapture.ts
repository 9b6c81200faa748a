// A workload capture from start to finish (issue 14): the pods the plan's selector/workload
// stands for, a capture in each (startPodCapture: ephemeral container or exec, the same as a
// single-pod capture), pods that start during the capture added as they run, pods that go
// ended with their packets kept, everything merged into one pcapng (workloadSession.ts). The
// cluster snapshot taken at the start is completed at the end with the pods that joined, so
// the summary names them too. A pod's source is a function (`startSource`): a pod exec by
// default; a flight recorder that holds the pods can answer the same way.
import type { KubeConfig } from '@kubernetes/client-node';
import type { FalcoAlert } from '../alerts/types.js';
import type { ClusterSnapshot, IpOwner } from '../../shared/clusterSnapshot.js';
import { MAX_WORKLOAD_PODS, PlanError, workloadWords, type CapturePlan, type WorkloadTarget } from './capturePlan.js';
import type { CaptureProgress, CaptureRecord } from './captureSession.js';
import { startPodCapture } from './podRunner.js';
import { WorkloadSession, type StartedSource, type WorkloadPodInfo, type WorkloadPodRecord } from './workloadSession.js';
import type { MergeTuning } from './mergeWriter.js';
import { takeClusterSnapshot, workloadOf } from '../k8s/clusterSnapshot.js';
import { followWorkloadPods, listWorkloadPods, podGoneReason, type WatchedPod } from '../k8s/workloadPods.js';

export interface WorkloadCaptureOptions {
  plan: CapturePlan;
  outDir: string;
  kubeConfig: KubeConfig;
  auditLog?: string;
  alert?: FalcoAlert;
  addCapabilities?: boolean;
  signal?: AbortSignal;
  onStage?: (stage: string) => void;
  onProgress?: (p: CaptureProgress & { pods?: number }) => void;
  /** Starts one pod's capture (default: startPodCapture with a one-pod plan for the time left). */
  startSource?: (pod: WorkloadPodInfo, podPlan: CapturePlan) => Promise<StartedSource>;
  /** At most this many pods (default MAX_WORKLOAD_PODS). */
  maxPods?: number;
  /** How the merge waits for the pods (the merge writer's defaults; the recorders' cuts, which
   *  are history, are held until every cut has ended). */
  merge?: MergeTuning;
  user?: string;
}

export type WorkloadCaptureRecord = CaptureRecord & { pods: WorkloadPodRecord[] };

/** The plan of one pod of the workload: the same filter, tool and caps, for the time left. */
export function podPlanOf(plan: CapturePlan, pod: WorkloadPodInfo, secondsLeft: number): CapturePlan {
  const t = plan.target as WorkloadTarget;
  return { ...plan, id: `${plan.id}-${pod.pod}`.slice(0, 200),
    target: { kind: 'pod', namespace: pod.namespace, pod: pod.pod, ...(t.container ? { container: t.container } : {}), ...(pod.node ? { node: pod.node } : {}), ...(t.context ? { context: t.context } : {}) },
    caps: { ...plan.caps, durationSeconds: Math.max(1, Math.ceil(secondsLeft)) } };
}

export async function runWorkloadCapture(o: WorkloadCaptureOptions): Promise<WorkloadCaptureRecord> {
  const { plan, kubeConfig: kc } = o;
  if (plan.target.kind !== 'workload') throw new Error('runWorkloadCapture needs a workload target');
  const target: WorkloadTarget = { ...plan.target, ...(!plan.target.context ? { context: kc.getCurrentContext() } : {}) };
  const thePlan: CapturePlan = { ...plan, target };
  const what = `${workloadWords(target)} in ${target.namespace}`;
  o.onStage?.(`listing the pods of ${what}`);
  const snapshotP: Promise<ClusterSnapshot> = takeClusterSnapshot(kc);
  const initial = await listWorkloadPods(kc, target);
  const running = initial.pods.filter((p) => p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp);
  if (running.length === 0) {
    await snapshotP.catch(() => undefined);
    const none = target.owner ? `no running pod of ${what}` : `no running pod matches ${target.selector} in ${target.namespace}${target.service ? ` (the selector of Service ${target.service})` : ''}`;
    throw new PlanError(`${none}${initial.pods.length ? ` (${initial.pods.length} not running)` : ''}`);
  }
  const max = o.maxPods ?? MAX_WORKLOAD_PODS;
  const goneWhy = new Map<string, string>();
  const session = await WorkloadSession.start({
    plan: thePlan, outDir: o.outDir, ...(o.signal ? { signal: o.signal } : {}), ...(o.onProgress ? { onProgress: o.onProgress } : {}),
    ...(o.auditLog ? { auditLog: o.auditLog } : {}), ...(o.alert ? { alert: o.alert } : {}), ...(o.user ? { user: o.user } : {}),
    ...(o.merge ? { merge: o.merge } : {}), ...(o.onStage ? { onStage: o.onStage } : {}),
    whyEnded: async (p) => goneWhy.get(p.uid ?? '') ?? (p.uid ? await podGoneReason(kc, p.namespace, p.pod, p.uid) : undefined),
  });
  const seen: WatchedPod[] = [];
  let captured = 0;
  const start = o.startSource ?? (async (pod: WorkloadPodInfo, podPlan: CapturePlan): Promise<StartedSource> => {
    const s = await startPodCapture(kc, podPlan, { addCapabilities: o.addCapabilities === true,
      onStage: (m) => o.onStage?.(`${pod.namespace}/${pod.pod}: ${m}`) });
    return { source: s.source, container: s.container, ...(s.pod.node ? { node: s.pod.node } : {}) };
  });
  const follow = new AbortController();
  const onPod = (w: WatchedPod, joined: 'start' | 'during'): void => {
    seen.push(w);
    const info: WorkloadPodInfo = { namespace: w.namespace, pod: w.name, uid: w.uid, ips: w.ips, joined, ...(w.node ? { node: w.node } : {}) };
    if (session.stopped) { session.skip(info, 'it started after the capture had ended'); return; }
    if (captured >= max) { session.skip(info, `the capture already has ${max} pods (the most one capture takes)`); return; }
    const left = session.secondsLeft();
    if (left < 1) { session.skip(info, 'it started less than a second before the end'); return; }
    captured++;
    o.onStage?.(`${joined === 'during' ? 'a new pod of the workload runs: ' : ''}capturing ${w.namespace}/${w.name}${w.node ? ` on ${w.node}` : ''}`);
    session.addPod(info, start(info, podPlanOf(thePlan, info, left)));
  };
  let joined: 'start' | 'during' = 'start';
  const following = followWorkloadPods(kc, target, initial, {
    onPod: (w) => onPod(w, joined),
    onGone: (uid, why) => { goneWhy.set(uid, why); const p = seen.find((x) => x.uid === uid); if (p) o.onStage?.(`${p.namespace}/${p.name}: ${why}`); },
    onStatus: (m) => o.onStage?.(m),
  }, follow.signal).catch((e: unknown) => o.onStage?.(`following the workload's pods stopped: ${(e as Error).message}`));
  joined = 'during'; // the initial pods were reported synchronously above
  const snapshot = await snapshotP;
  const record = await session.finish({ lateSnapshot: () => withPods(snapshot, seen) });
  follow.abort();
  await following;
  return record;
}

/** The snapshot with the workload's pods that it did not have (those that started during the
 *  capture): named like the others, their services taken from a pod of the same workload. */
export function withPods(snapshot: ClusterSnapshot, pods: WatchedPod[]): ClusterSnapshot {
  const ips: Record<string, IpOwner> = Object.assign(Object.create(null) as Record<string, IpOwner>, snapshot.ips);
  const known = Object.values(snapshot.ips).filter((x) => x.kind === 'pod');
  let added = 0;
  for (const w of pods) {
    if (w.ips.length === 0 || w.ips.every((ip) => ips[ip]?.kind === 'pod' && ips[ip].name === w.name)) continue;
    const workload = workloadOf(w.pod);
    const sibling = known.find((k) => k.namespace === w.namespace && workload && k.workload?.kind === workload.kind && k.workload.name === workload.name);
    const owner: IpOwner = { kind: 'pod', name: w.name, namespace: w.namespace, ...(workload ? { workload } : {}),
      ...(sibling?.services ? { services: sibling.services } : {}), ...(w.node ? { node: w.node } : {}) };
    for (const ip of w.ips) ips[ip] = owner;
    added++;
  }
  return added ? { ...snapshot, ips } : snapshot;
}
