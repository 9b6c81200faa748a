// Names, addresses and paths of one lab. Everything a lab makes carries its name, so that
// `lab down` (or a `lab up` after a `kill -9`) finds and removes all of it.
import { join } from 'node:path';
import { STATE_ROOT } from './versions.js';

export const LAB_NAME_RE = /^[a-z0-9]([a-z0-9-]{0,18}[a-z0-9])?$/;

/** Addresses: all of them live only in network namespaces the lab makes. */
export const NET = {
  nodeIp: '10.98.0.2',
  podCidr: '10.244.0.0/24',
  podGateway: '10.244.0.1',
  clusterCidr: '10.244.0.0/16',
  serviceCidr: '10.96.0.0/16',
  kubernetesServiceIp: '10.96.0.1',
  dnsServiceIp: '10.96.0.10',
  /** The lab's "internet": a namespace holding the C2 host (TEST-NET-3). */
  inetCidr: '203.0.113.0/24',
  inetNodeSide: '203.0.113.254',
  c2Ip: '203.0.113.66',
  c2Port: 4444,
  c2Domain: 'updates.cdn-telemetry.xyz',
} as const;

/** Folders the kubelet and containerd use whatever their configuration says: each gets a tmpfs
 *  inside the lab's mount namespace (the host sees only an empty folder, made if missing). */
export const PRIVATE_DIRS = ['/run/containerd', '/var/log/containers'];

export interface LabLayout {
  name: string;
  nodeName: string;
  nodeNetns: string;
  inetNetns: string;
  /** cgroup (v1, every controller) holding every process of the lab, pods included. */
  cgroup: string;
  dir: string;
  pki: string;
  logs: string;
  etcd: string;
  containerdRoot: string;
  containerdState: string;
  containerdSocket: string;
  containerdConfig: string;
  cniConfDir: string;
  cniIpamDir: string;
  kubeletRoot: string;
  kubeletConfig: string;
  podLogs: string;
  kubeProxyConfig: string;
  /** The apiserver as the host reaches it: unix socket (node side of the forwarder). */
  apiSocket: string;
  /** Written by the host forwarder: its loopback address. */
  forwardInfo: string;
  /** The user's kubeconfig (one context per role). */
  kubeconfig: string;
  /** kubeconfigs of the components (they talk to the apiserver inside the node namespace). */
  componentKubeconfig: (who: string) => string;
  info: string;
  ready: string;
}

export function layout(name: string): LabLayout {
  const dir = join(STATE_ROOT, name);
  const p = (...f: string[]): string => join(dir, ...f);
  return {
    name,
    nodeName: `falcoshark-${name}`,
    nodeNetns: `fsk-${name}-node`,
    inetNetns: `fsk-${name}-inet`,
    cgroup: `falcoshark-lab-${name}`,
    dir,
    pki: p('pki'),
    logs: p('logs'),
    etcd: p('etcd'),
    containerdRoot: p('containerd', 'root'),
    containerdState: p('containerd', 'state'),
    containerdSocket: p('containerd', 'containerd.sock'),
    containerdConfig: p('containerd', 'config.toml'),
    cniConfDir: p('cni', 'net.d'),
    cniIpamDir: p('cni', 'ipam'),
    kubeletRoot: p('kubelet'),
    kubeletConfig: p('kubelet-config.yaml'),
    podLogs: p('pod-logs'),
    kubeProxyConfig: p('kube-proxy-config.yaml'),
    apiSocket: p('apiserver.sock'),
    forwardInfo: p('forward.json'),
    kubeconfig: p('kubeconfig'),
    componentKubeconfig: (who: string) => p('kubeconfigs', `${who}.kubeconfig`),
    info: p('lab.json'),
    ready: p('supervisor.ready'),
  };
}
