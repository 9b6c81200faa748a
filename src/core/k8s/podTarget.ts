// Finds the pod (and container) a capture targets. When the alerted pod is gone, says so and
// names the running pods of its workload (same name prefix). When the alert has no pod name, finds
// the pod from the container id, the pod IP or the node.
import { CoreV1Api, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { describeKubeError } from './kubeAccess.js';
import { CodedError } from '../util/problem.js';

export class PodGoneError extends CodedError {
  override readonly name = 'PodGoneError';
  readonly code = 'pod-gone';
  constructor(message: string, readonly replacements: string[]) {
    super(message);
  }
}

export interface ResolvedPod {
  namespace: string;
  pod: string;
  container: string;
  node?: string;
  podIPs: string[];
  uid?: string;
}

function ownerOf(p: V1Pod): string | undefined {
  const o = p.metadata?.ownerReferences?.find((r) => r.controller);
  return o ? `${o.kind}/${o.name}` : undefined;
}

/** Strips the ReplicaSet hash so that `api-7d9c5b` and `api-5f6b8` count as the same workload. */
export function workloadPrefix(pod: string): string {
  const parts = pod.split('-');
  return parts.length > 2 ? parts.slice(0, -2).join('-') : parts[0];
}

/** The running pods of namespace `namespace` that may have replaced pod `pod` (another name
 *  with the same workload prefix): a courtesy lookup, empty when the list is refused. */
export async function replacementPods(core: CoreV1Api, namespace: string, pod: string): Promise<V1Pod[]> {
  try {
    const prefix = workloadPrefix(pod);
    return (await core.listNamespacedPod({ namespace })).items
      .filter((p) => p.metadata?.name && p.metadata.name !== pod && workloadPrefix(p.metadata.name) === prefix && p.status?.phase === 'Running');
  } catch {
    return [];
  }
}

export async function resolvePod(
  kc: KubeConfig,
  want: { namespace: string; pod: string; container?: string },
): Promise<ResolvedPod> {
  const core = kc.makeApiClient(CoreV1Api);
  const ctx = kc.getCurrentContext();
  // A list with a name field selector, not a get: the least-privilege role grants list/watch.
  let pod: V1Pod | undefined;
  try {
    pod = (await core.listNamespacedPod({ namespace: want.namespace, fieldSelector: `metadata.name=${want.pod}` })).items[0];
  } catch (e) {
    throw describeKubeError(e, 'list', 'pods', want.namespace, ctx);
  }
  if (!pod) {
    // Gone: look for its replacements (same workload name prefix, running).
    const replacements = (await replacementPods(core, want.namespace, want.pod)).map((p) => `${want.namespace}/${p.metadata!.name}`);
    throw new PodGoneError(
      `pod ${want.namespace}/${want.pod} no longer exists${replacements.length ? `; running pods of the same workload: ${replacements.join(', ')}` : ' and nothing replaced it'}`,
      replacements,
    );
  }
  if (pod.status?.phase && pod.status.phase !== 'Running') {
    throw new PodGoneError(`pod ${want.namespace}/${want.pod} is ${pod.status.phase}, not Running: there is no traffic to capture`, []);
  }
  const names = (pod.spec?.containers ?? []).map((c) => c.name);
  const container = want.container && names.includes(want.container) ? want.container : names[0];
  if (!container) throw new PodGoneError(`pod ${want.namespace}/${want.pod} has no containers`, []);
  return {
    namespace: want.namespace,
    pod: want.pod,
    container,
    ...(pod.spec?.nodeName ? { node: pod.spec.nodeName } : {}),
    podIPs: (pod.status?.podIPs ?? []).map((i) => i.ip).filter((ip): ip is string => typeof ip === 'string'),
    ...(pod.metadata?.uid ? { uid: pod.metadata.uid } : {}),
  };
}

/** Finds the pod of an alert that has no pod name: by container id, else pod IP, else node. */
export async function findPodFor(
  kc: KubeConfig,
  hints: { containerId?: string | null; ips?: string[]; node?: string | null },
): Promise<{ namespace: string; pod: string; container?: string } | undefined> {
  const core = kc.makeApiClient(CoreV1Api);
  const ctx = kc.getCurrentContext();
  for (const ip of hints.ips ?? []) {
    try {
      const r = await core.listPodForAllNamespaces({ fieldSelector: `status.podIP=${ip}` });
      const p = r.items.find((x) => !x.spec?.hostNetwork);
      if (p?.metadata?.name && p.metadata.namespace) return { namespace: p.metadata.namespace, pod: p.metadata.name };
    } catch (e) {
      throw describeKubeError(e, 'list', 'pods', undefined, ctx);
    }
  }
  if (hints.containerId) {
    const id = hints.containerId.toLowerCase();
    const sel = hints.node ? { fieldSelector: `spec.nodeName=${hints.node}` } : {};
    let list;
    try { list = await core.listPodForAllNamespaces(sel); } catch (e) { throw describeKubeError(e, 'list', 'pods', undefined, ctx); }
    for (const p of list.items) {
      for (const s of [...(p.status?.containerStatuses ?? []), ...(p.status?.initContainerStatuses ?? [])]) {
        const cid = (s.containerID ?? '').replace(/^[a-z]+:\/\//, '').toLowerCase();
        if (cid && cid.startsWith(id) && p.metadata?.name && p.metadata.namespace) {
          return { namespace: p.metadata.namespace, pod: p.metadata.name, container: s.name };
        }
      }
    }
  }
  return undefined;
}

export { ownerOf };
