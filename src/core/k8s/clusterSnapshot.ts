// Takes a ClusterSnapshot: pods (with their workload via owner references), services and
// nodes, by IP. Anything the credentials may not read becomes a "gap", not a failure: a
// capture with a partial snapshot is still worth having.
import { CoreV1Api, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import type { ClusterSnapshot, IpOwner, WorkloadRef } from '../../shared/clusterSnapshot.js';
import { describeKubeError } from './kubeAccess.js';

/** At most this many objects of a kind are read (a snapshot is bounded like everything else). */
const LIST_LIMIT = 5000;

function selectorMatches(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  if (!selector || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

/** The workload at the top of a pod's owner chain, without reading ReplicaSets (which the
 *  least-privilege role does not grant): a ReplicaSet made by a Deployment is named
 *  "<deployment>-<pod-template-hash>", and the pod carries that hash as a label. */
function workloadOf(pod: V1Pod): WorkloadRef | undefined {
  const ref = pod.metadata?.ownerReferences?.find((o) => o.controller) ?? pod.metadata?.ownerReferences?.[0];
  if (!ref) return undefined;
  const hash = pod.metadata?.labels?.['pod-template-hash'];
  if (ref.kind === 'ReplicaSet' && hash && ref.name.endsWith(`-${hash}`)) {
    return { kind: 'Deployment', name: ref.name.slice(0, -hash.length - 1) };
  }
  return { kind: ref.kind, name: ref.name };
}

export async function takeClusterSnapshot(kc: KubeConfig, now = new Date()): Promise<ClusterSnapshot> {
  const core = kc.makeApiClient(CoreV1Api);
  const context = kc.getCurrentContext();
  const gaps: string[] = [];
  const tryList = async <T>(what: string, f: () => Promise<{ items: T[] }>): Promise<T[]> => {
    try {
      return (await f()).items;
    } catch (e) {
      gaps.push(describeKubeError(e, 'list', what, undefined, context).message);
      return [];
    }
  };
  const [pods, services, nodes] = await Promise.all([
    tryList('pods', () => core.listPodForAllNamespaces({ limit: LIST_LIMIT })),
    tryList('services', () => core.listServiceForAllNamespaces({ limit: LIST_LIMIT })),
    tryList('nodes', () => core.listNode({ limit: LIST_LIMIT })),
  ]);
  const ips: Record<string, IpOwner> = Object.create(null) as Record<string, IpOwner>;

  for (const n of nodes) {
    for (const a of n.status?.addresses ?? []) {
      if ((a.type === 'InternalIP' || a.type === 'ExternalIP') && n.metadata?.name) ips[a.address] = { kind: 'node', name: n.metadata.name };
    }
  }
  for (const s of services) {
    const name = s.metadata?.name;
    const ns = s.metadata?.namespace;
    if (!name || !ns) continue;
    for (const ip of [...(s.spec?.clusterIPs ?? []), ...(s.spec?.clusterIP ? [s.spec.clusterIP] : [])]) {
      if (ip && ip !== 'None') ips[ip] = { kind: 'service', name, namespace: ns };
    }
  }
  for (const p of pods) {
    const name = p.metadata?.name;
    const ns = p.metadata?.namespace;
    if (!name || !ns || p.spec?.hostNetwork) continue;
    const svc = services
      .filter((s) => s.metadata?.namespace === ns && selectorMatches(s.spec?.selector, p.metadata?.labels))
      .map((s) => `${ns}/${s.metadata?.name}`);
    const workload = workloadOf(p);
    const owner: IpOwner = {
      kind: 'pod', name, namespace: ns,
      ...(workload ? { workload } : {}),
      ...(svc.length ? { services: svc } : {}),
      ...(p.spec?.nodeName ? { node: p.spec.nodeName } : {}),
    };
    const podIps = new Set([...(p.status?.podIPs ?? []).map((i) => i.ip), p.status?.podIP].filter((x): x is string => !!x));
    for (const ip of podIps) ips[ip] = owner;
  }
  return { takenAt: now.toISOString(), context, ips, gaps };
}
