// Minimal controllers: Deployments → ReplicaSets → Pods, DaemonSets → Pods, Services →
// EndpointSlices. A deleted pod of a workload is replaced, as the real controllers do.
import { createHash, randomBytes } from 'node:crypto';
import { PODS, type CreatePodOptions, type PodRuntime } from './podRuntime.js';
import { findResourceType, type ResourceType } from './resources.js';
import { matchesSelectorMap } from './selectors.js';
import type { Store } from './store.js';
import type { ContainerSpec, KObject, ObjectMeta } from './types.js';

const T = (g: string, v: string, r: string): ResourceType => findResourceType(g, v, r) as ResourceType;
export const NAMESPACES = T('', 'v1', 'namespaces');
export const NODES = T('', 'v1', 'nodes');
export const SERVICES = T('', 'v1', 'services');
export const DEPLOYMENTS = T('apps', 'v1', 'deployments');
export const REPLICASETS = T('apps', 'v1', 'replicasets');
export const DAEMONSETS = T('apps', 'v1', 'daemonsets');
export const ENDPOINTSLICES = T('discovery.k8s.io', 'v1', 'endpointslices');

export interface WorkloadSpec {
  kind: 'Deployment' | 'DaemonSet';
  namespace: string;
  name: string;
  labels: Record<string, string>;
  containers: ContainerSpec[];
  replicas?: number;
  virtualContainers?: string[];
  annotations?: Record<string, string>;
}

export interface ServiceSpec { namespace: string; name: string; clusterIP: string; selector: Record<string, string>; ports: { name?: string; port: number; targetPort: number; protocol?: string }[] }

function meta(name: string, namespace?: string, labels?: Record<string, string>): ObjectMeta {
  return { name, ...(namespace ? { namespace } : {}), uid: '', resourceVersion: '', creationTimestamp: '', ...(labels ? { labels } : {}) };
}

/** The alphabet of apimachinery's rand.SafeEncodeString (no vowels, no ambiguous digits). */
function safeEncode(bytes: Buffer, n: number): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  return [...bytes.subarray(0, n)].map((b) => alphabet[b % alphabet.length]).join('');
}

function suffix(n = 5): string {
  return safeEncode(randomBytes(n), n);
}

export class Workloads {
  private readonly specs: WorkloadSpec[] = [];
  private readonly services: ServiceSpec[] = [];
  private stopped = false;

  constructor(private readonly store: Store, private readonly rt: PodRuntime) {
    rt.onPodDeleted = (pod) => this.replace(pod);
    store.subscribe((e) => { if (e.typeKey === '/pods' && !this.stopped) this.syncSlices(e.object.metadata.namespace ?? ''); });
  }

  stop(): void {
    this.stopped = true;
  }

  addNamespace(name: string, labels: Record<string, string> = {}): void {
    this.store.create(NAMESPACES, { apiVersion: 'v1', kind: 'Namespace', metadata: meta(name, undefined, { 'kubernetes.io/metadata.name': name, ...labels }), spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } });
  }

  addService(s: ServiceSpec): void {
    this.services.push(s);
    this.store.create(SERVICES, {
      apiVersion: 'v1', kind: 'Service', metadata: meta(s.name, s.namespace),
      spec: { type: 'ClusterIP', clusterIP: s.clusterIP, clusterIPs: [s.clusterIP], ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack', internalTrafficPolicy: 'Cluster', sessionAffinity: 'None', selector: s.selector, ports: s.ports.map((p) => ({ protocol: 'TCP', ...p })) },
      status: { loadBalancer: {} },
    });
    this.store.create(ENDPOINTSLICES, {
      apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', addressType: 'IPv4', endpoints: [],
      metadata: { ...meta(`${s.name}-${suffix()}`, s.namespace, { 'kubernetes.io/service-name': s.name, 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' }), generateName: `${s.name}-` },
      ports: s.ports.map((p) => ({ name: p.name ?? '', port: p.targetPort, protocol: p.protocol ?? 'TCP' })),
    });
  }

  /** default/kubernetes, as every cluster has it; its endpoint is the (fictional) node address. */
  addKubernetesService(nodeIp: string): void {
    this.store.create(SERVICES, {
      apiVersion: 'v1', kind: 'Service', metadata: meta('kubernetes', 'default', { component: 'apiserver', provider: 'kubernetes' }),
      spec: { type: 'ClusterIP', clusterIP: '10.96.0.1', clusterIPs: ['10.96.0.1'], ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack', internalTrafficPolicy: 'Cluster', sessionAffinity: 'None', ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }] },
      status: { loadBalancer: {} },
    });
    this.store.create(ENDPOINTSLICES, {
      apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', addressType: 'IPv4',
      metadata: meta('kubernetes', 'default', { 'kubernetes.io/service-name': 'kubernetes', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' }),
      endpoints: [{ addresses: [nodeIp], conditions: { ready: true } }], ports: [{ name: 'https', port: 6443, protocol: 'TCP' }],
    });
  }

  addWorkload(w: WorkloadSpec): void {
    this.specs.push(w);
    const podTemplate = { metadata: { labels: w.labels, ...(w.annotations ? { annotations: w.annotations } : {}) }, spec: { containers: w.containers } };
    const replicas = w.replicas ?? 1;
    if (w.kind === 'Deployment') {
      const dep = this.store.create(DEPLOYMENTS, {
        apiVersion: 'apps/v1', kind: 'Deployment', metadata: { ...meta(w.name, w.namespace, w.labels), annotations: { 'deployment.kubernetes.io/revision': '1' } },
        spec: { replicas, selector: { matchLabels: w.labels }, template: podTemplate, strategy: { type: 'RollingUpdate' } },
        status: { replicas, readyReplicas: replicas, availableReplicas: replicas, updatedReplicas: replicas, observedGeneration: 1 },
      });
      const hash = safeEncode(createHash('sha256').update(JSON.stringify(podTemplate)).digest(), 10);
      const rsLabels = { ...w.labels, 'pod-template-hash': hash };
      const rs = this.store.create(REPLICASETS, {
        apiVersion: 'apps/v1', kind: 'ReplicaSet',
        metadata: { ...meta(`${w.name}-${hash}`, w.namespace, rsLabels), ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: dep.metadata.name, uid: dep.metadata.uid, controller: true, blockOwnerDeletion: true }] },
        spec: { replicas, selector: { matchLabels: rsLabels }, template: { ...podTemplate, metadata: { ...podTemplate.metadata, labels: rsLabels } } },
        status: { replicas, readyReplicas: replicas, availableReplicas: replicas, fullyLabeledReplicas: replicas, observedGeneration: 1 },
      });
      for (let i = 0; i < replicas; i++) this.createPodFor(w, rs, rsLabels);
    } else {
      const ds = this.store.create(DAEMONSETS, {
        apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: meta(w.name, w.namespace, w.labels),
        spec: { selector: { matchLabels: w.labels }, template: podTemplate, updateStrategy: { type: 'RollingUpdate' } },
        status: { desiredNumberScheduled: 1, currentNumberScheduled: 1, numberReady: 1, updatedNumberScheduled: 1, numberAvailable: 1, numberMisscheduled: 0, observedGeneration: 1 },
      });
      this.createPodFor(w, ds, { ...w.labels, 'controller-revision-hash': createHash('sha1').update(w.name).digest('hex').slice(0, 10), 'pod-template-generation': '1' });
    }
  }

  private createPodFor(w: WorkloadSpec, owner: KObject, labels: Record<string, string>): KObject {
    const extra = this.services.filter((s) => s.namespace === w.namespace && matchesSelectorMap(s.selector, labels)).map((s) => s.clusterIP);
    const opts: CreatePodOptions = { virtualContainers: w.virtualContainers, extraAddresses: (w.replicas ?? 1) === 1 ? extra : [] };
    return this.rt.createPod(w.namespace, {
      apiVersion: 'v1', kind: 'Pod',
      metadata: {
        ...meta(`${owner.metadata.name}-${suffix()}`, w.namespace, labels), generateName: `${owner.metadata.name}-`,
        ...(w.annotations ? { annotations: w.annotations } : {}),
        ownerReferences: [{ apiVersion: 'apps/v1', kind: owner.kind, name: owner.metadata.name, uid: owner.metadata.uid, controller: true, blockOwnerDeletion: true }],
      },
      spec: { containers: JSON.parse(JSON.stringify(w.containers)) as ContainerSpec[] },
    }, opts);
  }

  private replace(pod: KObject): void {
    if (this.stopped) return;
    const ref = pod.metadata.ownerReferences?.find((r) => r.controller);
    if (!ref) return;
    const w = this.specs.find((s) => s.namespace === pod.metadata.namespace && (ref.kind === 'DaemonSet' ? s.name === ref.name : ref.name.startsWith(`${s.name}-`)));
    const ownerType = ref.kind === 'DaemonSet' ? DAEMONSETS : REPLICASETS;
    const owner = this.store.get(ownerType, pod.metadata.namespace, ref.name);
    if (!w || !owner) return;
    const { labels } = pod.metadata;
    this.createPodFor(w, owner, labels ?? w.labels);
  }

  /** Recomputes the EndpointSlices of a namespace from its running pods. */
  private syncSlices(ns: string): void {
    for (const s of this.services.filter((x) => x.namespace === ns)) {
      const slice = this.store.list(ENDPOINTSLICES, ns).find((e) => e.metadata.labels?.['kubernetes.io/service-name'] === s.name);
      if (!slice) continue;
      const endpoints = this.store.list(PODS, ns)
        .filter((p) => matchesSelectorMap(s.selector, p.metadata.labels) && typeof p.status?.podIP === 'string')
        .map((p) => ({
          addresses: [p.status?.podIP as string],
          conditions: { ready: !p.metadata.deletionTimestamp, serving: true, terminating: !!p.metadata.deletionTimestamp },
          nodeName: p.spec?.nodeName, targetRef: { kind: 'Pod', namespace: ns, name: p.metadata.name, uid: p.metadata.uid },
        }));
      if (JSON.stringify(endpoints) === JSON.stringify(slice.endpoints)) continue;
      queueMicrotask(() => this.store.mutate(ENDPOINTSLICES, ns, slice.metadata.name, (o) => { o.endpoints = endpoints; }));
    }
  }
}
