// The demo: namespace `shop` (frontend → api → db, with services and light steady traffic),
// the api pod beaconing to a fake external C2 host (DNS lookup of a suspicious name against
// the lab's DNS server, then a TCP connect), kube-system/coredns answering DNS, and a
// `falco` DaemonSet pod whose log carries real alerts for those connections.
import { join } from 'node:path';
import { falcoStartupLines, c2Alert, type TapConnect } from './falcoLog.js';
import { PODS, type PodRuntime } from './podRuntime.js';
import type { Workloads } from './workloads.js';

export const C2_IP = '203.0.113.66';
export const C2_PORT = 4444;
export const C2_DOMAIN = 'updates.cdn-telemetry.xyz';
export const DNS_IP = '10.96.0.10';

export interface ScenarioOptions {
  agentsDir: string;
  nodeName: string;
  /** Beacon period of the compromised pod. */
  beaconEveryMs: number;
  /** Period of the frontend → api requests. */
  trafficEveryMs: number;
  nodeBinary: string;
}

export function zone(): Record<string, string> {
  return {
    'frontend.shop.svc.cluster.local': '10.96.0.20', 'api.shop.svc.cluster.local': '10.96.0.21', 'db.shop.svc.cluster.local': '10.96.0.22',
    'kube-dns.kube-system.svc.cluster.local': DNS_IP, 'kubernetes.default.svc.cluster.local': '10.96.0.1', [C2_DOMAIN]: C2_IP,
  };
}

export function installScenario(w: Workloads, rt: PodRuntime, o: ScenarioOptions): void {
  const agent = (f: string): string => join(o.agentsDir, f);
  w.addNamespace('default');
  w.addKubernetesService('172.18.0.2');
  w.addNamespace('kube-system');
  w.addNamespace('falco', { 'pod-security.kubernetes.io/enforce': 'privileged' });
  w.addNamespace('shop', { 'pod-security.kubernetes.io/enforce': 'privileged' });
  w.addNamespace('shop-restricted', { 'pod-security.kubernetes.io/enforce': 'baseline', 'pod-security.kubernetes.io/enforce-version': 'latest' });

  w.addService({ namespace: 'kube-system', name: 'kube-dns', clusterIP: DNS_IP, selector: { 'k8s-app': 'kube-dns' }, ports: [{ name: 'dns', port: 53, targetPort: 53, protocol: 'UDP' }] });
  w.addWorkload({ kind: 'Deployment', namespace: 'kube-system', name: 'coredns', labels: { 'k8s-app': 'kube-dns' },
    containers: [{ name: 'coredns', image: 'registry.k8s.io/coredns/coredns:v1.11.3', command: [o.nodeBinary, agent('dns.js'), agent('zone.json')] }] });

  w.addService({ namespace: 'shop', name: 'db', clusterIP: '10.96.0.22', selector: { app: 'db' }, ports: [{ name: 'postgres', port: 5432, targetPort: 5432 }] });
  w.addService({ namespace: 'shop', name: 'api', clusterIP: '10.96.0.21', selector: { app: 'api' }, ports: [{ name: 'http', port: 8080, targetPort: 8080 }] });
  w.addService({ namespace: 'shop', name: 'frontend', clusterIP: '10.96.0.20', selector: { app: 'frontend' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] });
  w.addWorkload({ kind: 'Deployment', namespace: 'shop', name: 'db', labels: { app: 'db', tier: 'data' },
    containers: [{ name: 'postgres', image: 'postgres:16-alpine', command: [o.nodeBinary, agent('db.js'), '5432'], ports: [{ containerPort: 5432, protocol: 'TCP' }] }] });
  w.addWorkload({ kind: 'Deployment', namespace: 'shop', name: 'api', labels: { app: 'api', tier: 'backend' },
    containers: [{ name: 'api', image: 'ghcr.io/example/shop-api:1.4.2', command: [o.nodeBinary, agent('web.js'), '--name', 'api', '--listen', '8080', '--db', '10.96.0.22:5432',
      '--beacon', `${C2_DOMAIN}:${C2_PORT}`, '--beacon-every', String(o.beaconEveryMs), '--dns', DNS_IP], ports: [{ containerPort: 8080, protocol: 'TCP' }] }] });
  w.addWorkload({ kind: 'Deployment', namespace: 'shop', name: 'frontend', labels: { app: 'frontend', tier: 'web' },
    containers: [{ name: 'frontend', image: 'nginx:1.27-alpine', command: [o.nodeBinary, agent('web.js'), '--name', 'frontend', '--listen', '8080',
      '--upstream', 'http://10.96.0.21:8080/api/items', '--every', String(o.trafficEveryMs)], ports: [{ containerPort: 8080, protocol: 'TCP' }] }] });

  w.addWorkload({ kind: 'DaemonSet', namespace: 'falco', name: 'falco',
    labels: { 'app.kubernetes.io/name': 'falco', 'app.kubernetes.io/instance': 'falco' },
    annotations: { 'kubectl.kubernetes.io/default-container': 'falco' },
    containers: [{ name: 'falco', image: 'docker.io/falcosecurity/falco:0.40.0', command: ['/usr/bin/falco'], args: ['--cri', '/run/containerd/containerd.sock', '-pk'] }],
    virtualContainers: ['falco'] });

  const falcoPod = (): { ns: string; name: string } | undefined => {
    const p = rt.store.list(PODS, 'falco')[0];
    return p ? { ns: 'falco', name: p.metadata.name } : undefined;
  };
  const started = new Set<string>();
  // Startup text once the falco container runs; alerts for every connect a tap reports.
  rt.store.subscribe((e) => {
    if (e.typeKey !== '/pods' || e.object.metadata.namespace !== 'falco' || started.has(e.object.metadata.name)) return;
    const running = (e.object.status?.containerStatuses as { state: { running?: unknown } }[] | undefined)?.some((s) => s.state.running);
    if (!running) return;
    started.add(e.object.metadata.name);
    const pod = e.object.metadata.name;
    setImmediate(() => rt.appendLog('falco', pod, 'falco', falcoStartupLines(o.nodeName).map((l) => `${l}\n`).join('')));
  });
  rt.onTap((pod, c, line) => {
    let ev: TapConnect;
    try { ev = JSON.parse(line) as TapConnect; } catch { return; }
    if (ev.evt !== 'connect') return;
    const f = falcoPod();
    if (!f) return;
    const alert = c2Alert(ev, { hostname: o.nodeName, namespace: pod.ns, pod: pod.name, container: c.name, containerId: c.containerID, image: c.spec.image, parent: 'containerd-shim' });
    rt.appendLog(f.ns, f.name, 'falco', `${alert}\n`);
  });
}
