// Takes a ClusterSnapshot: pods (with their workload via owner references), services and
// nodes, by IP. Anything the credentials may not read becomes a "gap", not a failure: a
// capture with a partial snapshot is still worth having.
import { CoreV1Api, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import type { ClusterSnapshot, IpOwner, WorkloadRef } from '../../shared/clusterSnapshot.js';
import { describeKubeError } from './kubeAccess.js';

/** Objects are listed in pages of this size, following the `continue` token… */
export const PAGE_SIZE = 500;
/** …up to this many objects of a kind (a snapshot is bounded like everything else; about
 *  5 KB each as JSON, so 50,000 pods ≈ 250 MB while they are read)… */
export const MAX_OBJECTS = 50_000;
/** …and for at most this long. What was not read is recorded as a gap. */
export const LIST_BUDGET_MS = 30_000;

type Page<T> = { items: T[]; metadata?: { _continue?: string; remainingItemCount?: number } };

/** Every object of a kind, page by page, bounded; a gap names what was left unread and why. */
export async function listAll<T>(what: string, page: (cont: string | undefined) => Promise<Page<T>>,
  gaps: string[], o: { maxObjects?: number; budgetMs?: number } = {}): Promise<T[]> {
  const max = o.maxObjects ?? MAX_OBJECTS;
  const deadline = Date.now() + (o.budgetMs ?? LIST_BUDGET_MS);
  const items: T[] = [];
  let cont: string | undefined;
  let pages = 0;
  do {
    const p = await page(cont);
    pages++;
    for (const it of p.items) { if (items.length < max) items.push(it); }
    cont = p.metadata?._continue || undefined;
    if (cont && items.length >= max) {
      const more = p.metadata?.remainingItemCount;
      gaps.push(`${what}: only the first ${max} were read (the snapshot's bound${more !== undefined ? `; ${more} more` : ''}): endpoints among the others are not named`);
      break;
    }
    if (cont && Date.now() > deadline) {
      gaps.push(`${what}: reading stopped after ${items.length} in ${pages} pages (time budget ${Math.round((o.budgetMs ?? LIST_BUDGET_MS) / 1000)} s): endpoints among the others are not named`);
      break;
    }
  } while (cont);
  return items;
}

function selectorMatches(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  if (!selector || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

/** The workload at the top of a pod's owner chain, without reading ReplicaSets (which the
 *  least-privilege role does not grant): a ReplicaSet made by a Deployment is named
 *  "<deployment>-<pod-template-hash>", and the pod carries that hash as a label. */
export function workloadOf(pod: V1Pod): WorkloadRef | undefined {
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
  const tryList = async <T>(what: string, f: (cont: string | undefined) => Promise<Page<T>>): Promise<T[]> => {
    try {
      return await listAll(what, f, gaps);
    } catch (e) {
      gaps.push(describeKubeError(e, 'list', what, undefined, context).message);
      return [];
    }
  };
  const [pods, services, nodes] = await Promise.all([
    tryList('pods', (c) => core.listPodForAllNamespaces({ limit: PAGE_SIZE, ...(c ? { _continue: c } : {}) })),
    tryList('services', (c) => core.listServiceForAllNamespaces({ limit: PAGE_SIZE, ...(c ? { _continue: c } : {}) })),
    tryList('nodes', (c) => core.listNode({ limit: PAGE_SIZE, ...(c ? { _continue: c } : {}) })),
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
  const servicesByNs = new Map<string, typeof services>();
  for (const s of services) {
    const ns = s.metadata?.namespace ?? '';
    const list = servicesByNs.get(ns);
    if (list) list.push(s); else servicesByNs.set(ns, [s]);
  }
  for (const p of pods) {
    const name = p.metadata?.name;
    const ns = p.metadata?.namespace;
    if (!name || !ns || p.spec?.hostNetwork) continue;
    const svc = (servicesByNs.get(ns) ?? [])
      .filter((s) => selectorMatches(s.spec?.selector, p.metadata?.labels))
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
