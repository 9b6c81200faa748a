// The configuration files and command lines of the lab's components: etcd, kube-apiserver,
// kube-controller-manager, kube-scheduler, containerd, kubelet, kube-proxy. They talk to each
// other inside the node namespace only; the apiserver reaches the host through the forwarder.
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { LabBinaries } from './build.js';
import { NET, type LabLayout } from './layout.js';
import { IMAGES } from './versions.js';

export interface Component { name: string; argv: string[]; env?: Record<string, string> }

const pem = (file: string): string => Buffer.from(readFileSync(file)).toString('base64');

export function kubeconfigYaml(o: { server: string; caFile: string; user: string; certFile?: string; keyFile?: string; token?: string; context?: string }): string {
  const ctx = o.context ?? o.user;
  return stringify({
    apiVersion: 'v1', kind: 'Config', 'current-context': ctx,
    clusters: [{ name: 'lab', cluster: { server: o.server, 'certificate-authority-data': pem(o.caFile) } }],
    users: [{ name: o.user, user: o.token ? { token: o.token } : { 'client-certificate-data': pem(o.certFile!), 'client-key-data': pem(o.keyFile!) } }],
    contexts: [{ name: ctx, context: { cluster: 'lab', user: o.user } }],
  });
}

export async function writeComponentConfigs(l: LabLayout): Promise<void> {
  const pki = (f: string): string => join(l.pki, f);
  await mkdir(join(l.dir, 'kubeconfigs'), { recursive: true });
  const server = `https://${NET.nodeIp}:6443`;
  const who: [string, string][] = [['admin', 'admin'], ['controller-manager', 'controller-manager'], ['scheduler', 'scheduler'],
    ['kube-proxy', 'kube-proxy'], ['kubelet', 'kubelet-client']];
  for (const [name, stem] of who) {
    await writeFile(l.componentKubeconfig(name), kubeconfigYaml({ server, caFile: pki('ca.crt'), user: name, certFile: pki(`${stem}.crt`), keyFile: pki(`${stem}.key`) }), { mode: 0o600 });
  }
  for (const d of [l.logs, l.etcd, l.containerdRoot, l.containerdState, l.cniConfDir, l.cniIpamDir, l.kubeletRoot, l.podLogs]) await mkdir(d, { recursive: true });

  await writeFile(join(l.cniConfDir, '10-falcoshark-lab.conflist'), JSON.stringify({
    cniVersion: '1.0.0', name: 'falcoshark-lab',
    plugins: [
      { type: 'bridge', bridge: 'cni0', isGateway: true, ipMasq: false, hairpinMode: true,
        ipam: { type: 'host-local', dataDir: l.cniIpamDir, ranges: [[{ subnet: NET.podCidr, gateway: NET.podGateway }]], routes: [{ dst: '0.0.0.0/0' }] } },
      { type: 'loopback' },
    ],
  }, null, 2));

  await writeFile(l.containerdConfig, [
    'version = 3',
    `root = ${JSON.stringify(l.containerdRoot)}`,
    `state = ${JSON.stringify(l.containerdState)}`,
    'disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.blockfile", "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]',
    '[grpc]',
    `  address = ${JSON.stringify(l.containerdSocket)}`,
    '[ttrpc]',
    `  address = ${JSON.stringify(`${l.containerdSocket}.ttrpc`)}`,
    '[plugins."io.containerd.cri.v1.images"]',
    '  snapshotter = "overlayfs"',
    '[plugins."io.containerd.cri.v1.images".pinned_images]',
    `  sandbox = ${JSON.stringify(IMAGES.pause)}`,
    '[plugins."io.containerd.cri.v1.runtime"]',
    '  netns_mounts_under_state_dir = true',
    '  enable_unprivileged_ports = false',
    // These machines deny CAP_SYS_RESOURCE even to root, so no process may lower an OOM score
    // (the sandbox's default is -998): keep every score at or above containerd's own.
    '  restrict_oom_score_adj = true',
    '[plugins."io.containerd.cri.v1.runtime".cni]',
    '  bin_dirs = ["/usr/lib/cni"]',
    `  conf_dir = ${JSON.stringify(l.cniConfDir)}`,
    '[plugins."io.containerd.cri.v1.runtime".containerd]',
    '  default_runtime_name = "runc"',
    '[plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc]',
    '  runtime_type = "io.containerd.runc.v2"',
    '[plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc.options]',
    '  SystemdCgroup = false',
    '  BinaryName = "/usr/sbin/runc"',
    `  Root = ${JSON.stringify(join(l.containerdState, 'runc'))}`,
    '[plugins."io.containerd.grpc.v1.cri"]',
    '  stream_server_address = "127.0.0.1"',
    '',
  ].join('\n'));

  await writeFile(l.kubeletConfig, stringify({
    apiVersion: 'kubelet.config.k8s.io/v1beta1', kind: 'KubeletConfiguration',
    address: NET.nodeIp, port: 10250, readOnlyPort: 0, healthzBindAddress: '127.0.0.1', healthzPort: 10248,
    tlsCertFile: pki('kubelet-serving.crt'), tlsPrivateKeyFile: pki('kubelet-serving.key'),
    authentication: { anonymous: { enabled: false }, webhook: { enabled: true }, x509: { clientCAFile: pki('ca.crt') } },
    authorization: { mode: 'Webhook' },
    cgroupDriver: 'cgroupfs', cgroupRoot: `/${l.cgroup}`, cgroupsPerQOS: true, failCgroupV1: false, failSwapOn: false,
    containerRuntimeEndpoint: `unix://${l.containerdSocket}`, imageServiceEndpoint: `unix://${l.containerdSocket}`,
    clusterDNS: [NET.dnsServiceIp], clusterDomain: 'cluster.local', resolvConf: '',
    podLogsDir: l.podLogs, serializeImagePulls: false,
    // Images are imported, not pulled: the kubelet must never garbage-collect them (nothing could pull them back).
    imageGCHighThresholdPercent: 100, imageGCLowThresholdPercent: 99,
    evictionHard: { 'memory.available': '100Mi', 'nodefs.available': '1%', 'imagefs.available': '1%', 'nodefs.inodesFree': '1%' },
    rotateCertificates: false, serverTLSBootstrap: false, registerNode: true, maxPods: 110,
    nodeStatusReportFrequency: '10s', nodeStatusUpdateFrequency: '10s', syncFrequency: '10s',
  }));

  await writeFile(l.kubeProxyConfig, stringify({
    apiVersion: 'kubeproxy.config.k8s.io/v1alpha1', kind: 'KubeProxyConfiguration',
    clientConnection: { kubeconfig: l.componentKubeconfig('kube-proxy') },
    mode: 'iptables', clusterCIDR: NET.clusterCidr, hostnameOverride: l.nodeName,
    bindAddress: '0.0.0.0', healthzBindAddress: '127.0.0.1:10256', metricsBindAddress: '127.0.0.1:10249',
    // 0: leave the (host-wide) conntrack limits and timeouts as they are.
    conntrack: { maxPerCore: 0, min: 0, tcpEstablishedTimeout: '0s', tcpCloseWaitTimeout: '0s', udpTimeout: '0s', udpStreamTimeout: '0s' },
  }));
}

/** The components in start order (etcd first, the node last). */
export function components(l: LabLayout, bins: LabBinaries): Component[] {
  const k = (b: string): string => join(bins.kubernetes, b);
  const pki = (f: string): string => join(l.pki, f);
  return [
    { name: 'etcd', argv: [k('etcd'), '--name', l.nodeName, '--data-dir', l.etcd, '--listen-client-urls', 'http://127.0.0.1:2379',
      '--advertise-client-urls', 'http://127.0.0.1:2379', '--listen-peer-urls', 'http://127.0.0.1:2380',
      '--initial-advertise-peer-urls', 'http://127.0.0.1:2380', '--initial-cluster', `${l.nodeName}=http://127.0.0.1:2380`,
      '--listen-metrics-urls', 'http://127.0.0.1:2381', '--unsafe-no-fsync', '--quota-backend-bytes', String(2 * 1024 ** 3), '--log-level', 'warn'] },
    { name: 'kube-apiserver', argv: [k('kube-apiserver'), '--etcd-servers', 'http://127.0.0.1:2379',
      '--advertise-address', NET.nodeIp, '--bind-address', '0.0.0.0', '--secure-port', '6443',
      '--service-cluster-ip-range', NET.serviceCidr, '--client-ca-file', pki('ca.crt'),
      '--tls-cert-file', pki('apiserver.crt'), '--tls-private-key-file', pki('apiserver.key'),
      '--kubelet-client-certificate', pki('apiserver-kubelet-client.crt'), '--kubelet-client-key', pki('apiserver-kubelet-client.key'),
      '--kubelet-certificate-authority', pki('ca.crt'), '--kubelet-preferred-address-types', 'InternalIP',
      '--service-account-issuer', 'https://kubernetes.default.svc.cluster.local', '--service-account-key-file', pki('sa.pub'),
      '--service-account-signing-key-file', pki('sa.key'), '--api-audiences', 'https://kubernetes.default.svc.cluster.local',
      '--authorization-mode', 'Node,RBAC', '--enable-admission-plugins', 'NodeRestriction', '--allow-privileged=true',
      '--profiling=false', '--event-ttl', '1h', '--v', '1'] },
    { name: 'kube-controller-manager', argv: [k('kube-controller-manager'), '--kubeconfig', l.componentKubeconfig('controller-manager'),
      '--authentication-kubeconfig', l.componentKubeconfig('controller-manager'), '--authorization-kubeconfig', l.componentKubeconfig('controller-manager'),
      '--cluster-signing-cert-file', pki('ca.crt'), '--cluster-signing-key-file', pki('ca.key'), '--root-ca-file', pki('ca.crt'),
      '--service-account-private-key-file', pki('sa.key'), '--use-service-account-credentials=true', '--leader-elect=false',
      '--bind-address', '127.0.0.1', '--cluster-cidr', NET.clusterCidr, '--service-cluster-ip-range', NET.serviceCidr,
      '--controllers', '*,-nodeipam', '--v', '1'] },
    { name: 'kube-scheduler', argv: [k('kube-scheduler'), '--kubeconfig', l.componentKubeconfig('scheduler'),
      '--authentication-kubeconfig', l.componentKubeconfig('scheduler'), '--authorization-kubeconfig', l.componentKubeconfig('scheduler'),
      '--leader-elect=false', '--bind-address', '127.0.0.1', '--v', '1'] },
    { name: 'containerd', argv: [join(bins.containerd, 'containerd'), '--config', l.containerdConfig, '--log-level', 'warn'] },
    { name: 'kubelet', argv: [k('kubelet'), '--config', l.kubeletConfig, '--kubeconfig', l.componentKubeconfig('kubelet'),
      '--node-ip', NET.nodeIp, '--hostname-override', l.nodeName, '--root-dir', l.kubeletRoot, '--v', '1'] },
    { name: 'kube-proxy', argv: [k('kube-proxy'), '--config', l.kubeProxyConfig, '--v', '1'] },
  ];
}
