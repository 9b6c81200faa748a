// The shared real lab cluster seen through the interface the older lab tests were written
// against (kubectl per role, a client-node KubeConfig per role, waitForPod), so those tests run
// on real Kubernetes with the fewest changes. Files using it live in test/cluster/ (run one at
// a time, after the other suites, on one cluster: `falcoshark lab up --name tests`).
//
//   const skip = clusterSkipReason(['tshark']);          // string → skip; throws under CI=true
//   const lab = await useClusterLab();                    // starts the shared cluster if needed
//   await lab.kubectl(['get', 'pods', '-A']);              // role 'falcoshark' by default
//   const kc = lab.kubeConfig('no-ephemeral');
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { KubeConfig, CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { CLI, SHARED_CLUSTER, sharedCluster } from './realCluster.js';

export type Role = 'falcoshark' | 'readonly' | 'no-ephemeral' | 'serve' | 'admin';
export interface KubectlResult { code: number; stdout: string; stderr: string }

/** Facts of the lab's demo (src/lab/manifests, src/lab/cluster/layout.ts). */
export const DEMO = {
  c2Ip: '203.0.113.66', c2Port: 4444, c2Domain: 'updates.cdn-telemetry.xyz', dnsIp: '10.96.0.10',
  captureImage: 'localhost/falcoshark/capture:0.1.0', beaconEverySeconds: 5,
} as const;

export interface ClusterLab {
  name: string;
  server: string;
  kubeconfigPath: string;
  context(role?: Role): string;
  token(role?: Role): string;
  kubeConfig(role?: Role): KubeConfig;
  kubectl(args: string[], o?: { role?: Role; timeoutMs?: number }): Promise<KubectlResult>;
  kubectlSpawn(args: string[], o?: { role?: Role }): ChildProcess;
  waitForPod(ns: string, labelSelector: string, timeoutMs?: number): Promise<V1Pod>;
}

export function clusterSkipReason(extraTools: string[] = []): string | undefined {
  const missing: string[] = [];
  if (process.getuid?.() !== 0) missing.push('root (the lab runs a kubelet and containerd)');
  for (const t of ['go', 'gcc', 'mmdebstrap', 'runc', 'iptables', 'conntrack', 'kubectl', ...extraTools]) {
    if (spawnSync('sh', ['-c', 'command -v "$1"', 'sh', t], { stdio: 'ignore' }).status !== 0) missing.push(`the '${t}' command`);
  }
  if (!existsSync('/usr/lib/cni/bridge')) missing.push('containernetworking-plugins');
  if (!existsSync(CLI)) missing.push('dist/cli.js (npm run build)');
  if (missing.length === 0) return undefined;
  const reason = `real-cluster tests need ${missing.join(', ')}`;
  if (process.env.CI === 'true') throw new Error(`${reason} (CI=true: failing instead of skipping)`);
  return reason;
}

export async function useClusterLab(): Promise<ClusterLab> {
  const c = await sharedCluster();
  const kubeconfigPath = c.kubeconfig;
  const context = (role: Role = 'falcoshark'): string => (role === 'falcoshark' ? `lab-${SHARED_CLUSTER}` : `lab-${SHARED_CLUSTER}-${role}`);
  const base = new KubeConfig();
  base.loadFromFile(kubeconfigPath);
  const server = base.getCurrentCluster()?.server ?? '';
  const args = (a: string[], role?: Role): string[] => ['--kubeconfig', kubeconfigPath, '--context', context(role), ...a];
  const lab: ClusterLab = {
    name: SHARED_CLUSTER, server, kubeconfigPath, context,
    token(role = 'falcoshark') {
      const token = base.getUser(`lab-${SHARED_CLUSTER}-${role}`)?.token;
      if (!token) throw new Error(`no token for ${role} in ${kubeconfigPath}`);
      return token;
    },
    kubeConfig(role = 'falcoshark') {
      const kc = new KubeConfig();
      kc.loadFromFile(kubeconfigPath);
      kc.setCurrentContext(context(role));
      return kc;
    },
    kubectl(a, o = {}) {
      return new Promise((res) => {
        execFile('kubectl', args(a, o.role), { timeout: o.timeoutMs ?? 120_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
          const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
          res({ code, stdout, stderr });
        });
      });
    },
    kubectlSpawn(a, o = {}) {
      return spawn('kubectl', args(a, o.role), { stdio: ['ignore', 'pipe', 'pipe'] });
    },
    async waitForPod(ns, labelSelector, timeoutMs = 120_000) {
      const api = lab.kubeConfig('admin').makeApiClient(CoreV1Api);
      const end = Date.now() + timeoutMs;
      while (Date.now() < end) {
        const list = await api.listNamespacedPod({ namespace: ns, labelSelector });
        const p = list.items.find((x) => !x.metadata?.deletionTimestamp && x.status?.podIP
          && (x.status.containerStatuses ?? []).length > 0 && (x.status.containerStatuses ?? []).every((s) => s.ready));
        if (p) return p;
        await new Promise((r) => setTimeout(r, 500));
      }
      throw new Error(`no ready pod ${labelSelector} in ${ns} after ${timeoutMs} ms`);
    },
  };
  return lab;
}

/**
 * The newest C2 alert in the falco pods' logs about a pod that still runs (as a user would take
 * it from the alerts view), waiting for one. An earlier test may have replaced the pod the newest
 * line names (a scale-down, a restart) before the new pod has beaconed.
 */
export async function latestC2AlertLine(lab: ClusterLab, timeoutMs = 60_000): Promise<string> {
  const end = Date.now() + timeoutMs;
  const api = lab.kubeConfig('admin').makeApiClient(CoreV1Api);
  while (Date.now() < end) {
    const r = await lab.kubectl(['logs', '-n', 'falco', '-l', 'app.kubernetes.io/name=falco', '-c', 'falco', '--tail=80']);
    const lines = r.stdout.split('\n').reverse().filter((l) => l.startsWith('{') && l.includes('"Outbound Connection to C2 Servers"'));
    const alive = new Set<string>();
    for (const p of (await api.listPodForAllNamespaces()).items) {
      if (!p.metadata?.deletionTimestamp && p.status?.phase === 'Running') alive.add(`${p.metadata?.namespace}/${p.metadata?.name}`);
    }
    for (const line of lines) {
      let f: Record<string, unknown> = {};
      try { f = (JSON.parse(line) as { output_fields?: Record<string, unknown> }).output_fields ?? {}; } catch { continue; }
      if (alive.has(`${String(f['k8s.ns.name'])}/${String(f['k8s.pod.name'])}`)) return line;
    }
    await new Promise((res) => setTimeout(res, 1000));
  }
  throw new Error(`no C2 alert in the falco pod's log after ${timeoutMs} ms`);
}
