// The pods of a workload capture: which pods a selector, a workload (Deployment api, …) or a
// Service stands for, and a list + watch of the namespace's pods that reports each matching
// pod once it runs (those there at the start and those that start during the capture) and
// each one that goes. Least privilege: list/watch pods and list services (deploy/rbac.yaml);
// Deployments and ReplicaSets are never read — a pod names its workload through its owner
// reference and pod-template-hash (workloadOf in clusterSnapshot.ts).
import { CoreV1Api, Watch, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { describeKubeError, statusOf } from './kubeAccess.js';
import { workloadOf } from './clusterSnapshot.js';
import { normalizeSelector, PlanError, WORKLOAD_KINDS, type WorkloadTarget } from '../capture/capturePlan.js';
import { Backoff, sleep } from '../alerts/backoff.js';
import { watchOnce } from './watchOnce.js';
import { replacementPods, workloadPrefix } from './podTarget.js';

const KIND_WORDS: Record<string, string> = {
  deploy: 'Deployment', deployment: 'Deployment', deployments: 'Deployment',
  sts: 'StatefulSet', statefulset: 'StatefulSet', statefulsets: 'StatefulSet',
  ds: 'DaemonSet', daemonset: 'DaemonSet', daemonsets: 'DaemonSet',
  rs: 'ReplicaSet', replicaset: 'ReplicaSet', replicasets: 'ReplicaSet',
  job: 'Job', jobs: 'Job',
};

/** "deploy/api", "Deployment/api", "statefulset/db" → { kind, name } (as kubectl spells them). */
export function parseWorkloadRef(text: string): { kind: string; name: string } {
  const m = /^([A-Za-z]+)\/([^/]+)$/.exec(text);
  const kind = m ? KIND_WORDS[m[1].toLowerCase()] : undefined;
  if (!m || !kind) throw new PlanError(`a workload is KIND/NAME with KIND one of deploy, sts, ds, rs, job (${WORKLOAD_KINDS.join(', ')}), not ${JSON.stringify(text.slice(0, 60))}`);
  return { kind, name: m[2] };
}

/** A --service: its selector, read with a list by name (list services is in the cluster role). */
export async function serviceSelector(kc: KubeConfig, namespace: string, name: string): Promise<string> {
  const core = kc.makeApiClient(CoreV1Api);
  let svc;
  try {
    svc = (await core.listNamespacedService({ namespace, fieldSelector: `metadata.name=${name}` })).items[0];
  } catch (e) {
    throw describeKubeError(e, 'list', 'services', namespace, kc.getCurrentContext());
  }
  if (!svc) throw new PlanError(`there is no Service ${namespace}/${name}`);
  const sel = svc.spec?.selector ?? {};
  if (Object.keys(sel).length === 0) throw new PlanError(`Service ${namespace}/${name} has no selector (its endpoints are managed by hand): capture its pods with --selector`);
  return normalizeSelector(Object.entries(sel).map(([k, v]) => `${k}=${v}`).join(','));
}

/** True when the pod belongs to the workload the target names (the selector is applied by the API server). */
export function podOfTarget(t: Pick<WorkloadTarget, 'owner'>, pod: V1Pod): boolean {
  if (pod.spec?.hostNetwork) return false;
  if (!t.owner) return true;
  const w = workloadOf(pod);
  return w?.kind === t.owner.kind && w.name === t.owner.name;
}

/** A pod ready to capture: running, with an IP, not being deleted. */
export function podReady(pod: V1Pod): boolean {
  return pod.status?.phase === 'Running' && !pod.metadata?.deletionTimestamp && (pod.status?.podIPs?.length ?? 0) + (pod.status?.podIP ? 1 : 0) > 0;
}

export interface WatchedPod {
  uid: string;
  namespace: string;
  name: string;
  node?: string;
  ips: string[];
  pod: V1Pod;
}

export interface WorkloadPodEvents {
  /** A matching pod runs (once per pod uid). */
  onPod(p: WatchedPod): void;
  /** A pod reported by onPod is being deleted or has gone. */
  onGone(uid: string, why: string): void;
  onStatus?(message: string): void;
}

const watched = (p: V1Pod): WatchedPod => ({
  uid: p.metadata?.uid ?? '', namespace: p.metadata?.namespace ?? '', name: p.metadata?.name ?? '',
  ...(p.spec?.nodeName ? { node: p.spec.nodeName } : {}),
  ips: [...new Set([...(p.status?.podIPs ?? []).map((i) => i.ip), p.status?.podIP].filter((x): x is string => !!x))],
  pod: p,
});

/** The pods matching the target now (for the first list; the watch reports the rest). */
export async function listWorkloadPods(kc: KubeConfig, t: WorkloadTarget): Promise<{ pods: V1Pod[]; resourceVersion?: string }> {
  const core = kc.makeApiClient(CoreV1Api);
  try {
    const list = await core.listNamespacedPod({ namespace: t.namespace, ...(t.selector ? { labelSelector: t.selector } : {}) });
    return { pods: list.items.filter((p) => podOfTarget(t, p)), ...(list.metadata?.resourceVersion ? { resourceVersion: list.metadata.resourceVersion } : {}) };
  } catch (e) {
    throw describeKubeError(e, 'list', 'pods', t.namespace, kc.getCurrentContext());
  }
}

/** Follows the namespace's pods matching the target until `signal` aborts: reports the pods of
 *  `initial` that run at once, then every change (re-listing after a broken watch). */
export async function followWorkloadPods(kc: KubeConfig, t: WorkloadTarget, initial: { pods: V1Pod[]; resourceVersion?: string },
  ev: WorkloadPodEvents, signal: AbortSignal): Promise<void> {
  const reported = new Set<string>();
  const gone = new Set<string>();
  const apply = (type: string, p: V1Pod): void => {
    const uid = p.metadata?.uid;
    if (!uid || !podOfTarget(t, p)) return;
    if (type === 'DELETED' || p.metadata?.deletionTimestamp || p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed') {
      if (reported.has(uid) && !gone.has(uid)) {
        gone.add(uid);
        ev.onGone(uid, type === 'DELETED' ? 'the pod was deleted' : p.metadata?.deletionTimestamp ? 'the pod is being deleted' : `the pod is ${p.status?.phase}`);
      }
      return;
    }
    if (!reported.has(uid) && podReady(p)) { reported.add(uid); ev.onPod(watched(p)); }
  };
  for (const p of initial.pods) apply('ADDED', p);
  let rv = initial.resourceVersion;
  const watch = new Watch(kc);
  const backoff = new Backoff({ initialMs: 200, maxMs: 5000 });
  const path = `/api/v1/namespaces/${t.namespace}/pods`;
  while (!signal.aborted) {
    if (rv === undefined) {
      try {
        const again = await listWorkloadPods(kc, t);
        const live = new Set(again.pods.map((p) => p.metadata?.uid));
        for (const uid of reported) if (!live.has(uid) && !gone.has(uid)) { gone.add(uid); ev.onGone(uid, 'the pod is gone'); }
        for (const p of again.pods) apply('ADDED', p);
        rv = again.resourceVersion;
      } catch (e) {
        ev.onStatus?.(`${(e as Error).message}; retrying`);
        await sleep(backoff.next(), signal);
        continue;
      }
    }
    const err = await watchOnce(watch, path, { labelSelector: t.selector, allowWatchBookmarks: true, resourceVersion: rv }, signal,
      (type, obj) => { backoff.reset(); apply(type, obj as V1Pod); }, (v) => { rv = v; });
    if (signal.aborted) return;
    if (err === undefined) continue; // a clean close: watch on from rv
    if (err !== null && statusOf(err) !== 410) {
      ev.onStatus?.(`the pod watch broke (${describeKubeError(err, 'watch', 'pods', t.namespace, kc.getCurrentContext()).message}); listing again`);
      await sleep(backoff.next(), signal);
    }
    rv = undefined; // re-list
  }
}

/** Why a pod no longer runs, asked by name (list, not get); undefined while it runs. */
export async function podGoneReason(kc: KubeConfig, namespace: string, name: string, uid: string): Promise<string | undefined> {
  const core = kc.makeApiClient(CoreV1Api);
  try {
    const p = (await core.listNamespacedPod({ namespace, fieldSelector: `metadata.name=${name}` })).items[0];
    if (!p || p.metadata?.uid !== uid) return 'the pod was deleted';
    if (p.metadata?.deletionTimestamp) return 'the pod is being deleted';
    if (p.status?.phase !== 'Running') return `the pod is ${p.status?.phase ?? 'not running'}`;
    return undefined;
  } catch {
    return undefined;
  }
}

/** The workload of one pod (a Deployment through its ReplicaSet's pod-template-hash, else its
 *  controller), as a plan target; a pod without a controller is captured by its own labels. */
export async function workloadOfPod(kc: KubeConfig, namespace: string, pod: string): Promise<Omit<WorkloadTarget, 'kind' | 'context'>> {
  const core = kc.makeApiClient(CoreV1Api);
  let p: V1Pod | undefined;
  try {
    p = (await core.listNamespacedPod({ namespace, fieldSelector: `metadata.name=${pod}` })).items[0];
  } catch (e) {
    throw describeKubeError(e, 'list', 'pods', namespace, kc.getCurrentContext());
  }
  if (!p) {
    // Gone (a rollout, a scale-down, an eviction): its workload is still there when a running
    // pod of the same name prefix belongs to a workload of that name (api-7fd76bdb89-dswcn →
    // Deployment api): the workload's pods now are what "capture the workload" means.
    const prefix = workloadPrefix(pod);
    for (const q of await replacementPods(core, namespace, pod)) {
      if (q.metadata?.deletionTimestamp) continue;
      const w = workloadOf(q);
      if (w && WORKLOAD_KINDS.includes(w.kind) && w.name === prefix) return { namespace, selector: '', owner: { kind: w.kind, name: w.name } };
    }
    throw new PlanError(`pod ${namespace}/${pod} no longer exists and no running pod of a workload named ${prefix} replaced it: name its workload (--workload KIND/NAME or --selector)`);
  }
  const w = workloadOf(p);
  if (w && WORKLOAD_KINDS.includes(w.kind)) return { namespace, selector: '', owner: { kind: w.kind, name: w.name } };
  throw new PlanError(`pod ${namespace}/${pod} has no controller falcoshark knows (${w ? w.kind : 'no owner'}): capture it alone, or its pods with --selector`);
}
