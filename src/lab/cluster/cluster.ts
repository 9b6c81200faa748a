// `falcoshark lab up|down|status`: a real single-node Kubernetes on this machine (upstream
// etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kubelet, kube-proxy, containerd
// + runc, CoreDNS) and the demo on it. Root only. See src/lab/README.md.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureBinaries, type LabBinaries, type Log } from './build.js';
import { cgroupPids, createCgroups, destroyCgroups, joinCgroups } from './cgroups.js';
import { kubeconfigYaml, writeComponentConfigs } from './configs.js';
import { importImages, ensureImages } from './images.js';
import { LAB_NAME_RE, NET, PRIVATE_DIRS, layout, type LabLayout } from './layout.js';
import { createNetwork, destroyNetwork, listNetns } from './network.js';
import { makePki } from './pki.js';
import { elapsed, run } from './run.js';
import type { LabInfoFile } from './supervisor.js';
import { STATE_ROOT, repoRoot } from './versions.js';
import { withLock } from './lock.js';

export { LAB_NAME_RE };

/** Tools the lab needs on the host (Debian packages; scripts/install-debian-packages.sh). */
const HOST_TOOLS: [string, string][] = [
  ['go', 'Go (the components are built from the Go module proxy)'], ['gcc', 'gcc (the pause binary)'],
  ['openssl', 'openssl'], ['ip', 'iproute2'], ['nsenter', 'util-linux'], ['unshare', 'util-linux'], ['tar', 'tar'],
  ['mmdebstrap', 'mmdebstrap'], ['iptables', 'iptables (kube-proxy)'], ['conntrack', 'conntrack (kube-proxy)'],
  ['runc', 'runc'], ['kubectl', 'kubectl'], ['mount', 'mount'],
];

export class LabError extends Error {
  constructor(message: string) { super(message); this.name = 'LabError'; }
}

function which(cmd: string): boolean {
  return (process.env.PATH ?? '/usr/sbin:/usr/bin').split(':').concat('/usr/sbin', '/sbin').some((d) => existsSync(join(d, cmd)));
}

export function missingTools(): string[] {
  const missing = HOST_TOOLS.filter(([c]) => !which(c)).map(([c, why]) => `${c} (${why})`);
  if (!existsSync('/usr/lib/cni/bridge')) missing.push('/usr/lib/cni/bridge (containernetworking-plugins)');
  return missing;
}

/** A live (not zombie: PID 1 here may not reap) process. */
function alive(pid: number | undefined): boolean {
  if (!pid) return false;
  try { return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8')); } catch { return false; }
}

export function readInfo(name: string): LabInfoFile | undefined {
  try { return JSON.parse(readFileSync(layout(name).info, 'utf8')) as LabInfoFile; } catch { return undefined; }
}

/** argv of the lab's helper program: dist/lab-cluster.js next to dist/cli.js, or the source under tsx. */
function helperArgv(): string[] {
  const bundled = join(repoRoot(), 'dist', 'lab-cluster.js');
  if (existsSync(bundled)) return [process.execPath, bundled];
  return [process.execPath, '--import', 'tsx', join(repoRoot(), 'src', 'lab', 'cluster', 'main.ts')];
}

export interface UpResult { kubeconfig: string; server: string; seconds: Record<string, number>; alreadyRunning: boolean }

export function kubectlArgv(kubeconfig: string, args: string[]): string[] {
  return ['kubectl', '--kubeconfig', kubeconfig, ...args];
}

async function waitUntil(what: string, check: () => Promise<boolean> | boolean, timeoutMs: number, failed?: () => string | undefined): Promise<void> {
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    const f = failed?.();
    if (f) throw new LabError(`${what}: ${f}`);
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new LabError(`${what}: not done after ${Math.round(timeoutMs / 1000)} s`);
}

/** Starts lab `name`, or answers for the one already running (two callers at once: one starts it, the other waits). */
export async function labUp(name: string, log: Log): Promise<UpResult> {
  if (!LAB_NAME_RE.test(name)) throw new LabError(`invalid lab name '${name}': 1-20 of [a-z0-9-], starting and ending alphanumeric`);
  if (process.getuid?.() !== 0) throw new LabError('falcoshark lab needs root: it runs a kubelet, containerd and network namespaces. Run it as root, e.g. `sudo falcoshark lab up`.');
  return withLock(`lab-${name}`, () => labUpLocked(name, log));
}

async function labUpLocked(name: string, log: Log): Promise<UpResult> {
  if (!LAB_NAME_RE.test(name)) throw new LabError(`invalid lab name '${name}': 1-20 of [a-z0-9-], starting and ending alphanumeric`);
  if (process.getuid?.() !== 0) throw new LabError('falcoshark lab needs root: it runs a kubelet, containerd and network namespaces. Run it as root, e.g. `sudo falcoshark lab up`.');
  const missing = missingTools();
  if (missing.length) throw new LabError(`missing on this machine: ${missing.join(', ')}. Install them with: sudo bash scripts/install-debian-packages.sh`);
  const l = layout(name);
  const prev = readInfo(name);
  if (prev && alive(prev.supervisorPid) && existsSync(l.kubeconfig)) {
    return { kubeconfig: l.kubeconfig, server: prev.server ?? '', seconds: {}, alreadyRunning: true };
  }
  const seconds: Record<string, number> = {};
  const t0 = Date.now();
  const leftovers = await labDown(name);
  if (leftovers.length) log(`removed what an earlier lab '${name}' left: ${leftovers.join(', ')}`);

  log('step 1/6: components (built from the Go module proxy, cached in the lab cache)');
  const bins = await ensureBinaries(log);
  log('step 2/6: images (built here, no registry)');
  const images = await ensureImages(bins, log);
  seconds.build = (Date.now() - t0) / 1000;

  log('step 3/6: certificates, configuration, network namespaces, cgroups');
  mkdirSync(l.pki, { recursive: true });
  await makePki({ dir: l.pki, labName: name, nodeName: l.nodeName, nodeIp: NET.nodeIp, serviceIp: NET.kubernetesServiceIp });
  await writeComponentConfigs(l);
  const createdDirs = PRIVATE_DIRS.filter((d) => !existsSync(d));
  for (const d of createdDirs) mkdirSync(d, { recursive: true });
  const info: LabInfoFile & { createdDirs?: string[] } = { name, bins, startedAt: new Date().toISOString(), createdDirs };
  writeFileSync(l.info, JSON.stringify(info, null, 2));
  await createNetwork(l);
  await createCgroups(l.cgroup);

  log('step 4/6: starting etcd, kube-apiserver, kube-controller-manager, kube-scheduler, containerd, kubelet, kube-proxy');
  const tStart = Date.now();
  const supLog = openSync(join(l.logs, 'supervisor.log'), 'a');
  const helper = helperArgv();
  const sup = spawn('nsenter', [`--net=/run/netns/${l.nodeNetns}`, '--', 'unshare', '--mount', '--propagation', 'shared', '--', ...helper, 'supervise', l.dir],
    { detached: true, stdio: ['ignore', supLog, supLog], env: { ...process.env, FALCOSHARK_LAB_NAME: name } });
  sup.unref();
  const fwdLog = openSync(join(l.logs, 'forwarder.log'), 'a');
  const fwd = spawn(helper[0], [...helper.slice(1), 'forward', '127.0.0.1:0', l.apiSocket, l.forwardInfo],
    { detached: true, stdio: ['ignore', fwdLog, fwdLog], env: { ...process.env, FALCOSHARK_LAB_NAME: name } });
  fwd.unref();
  if (fwd.pid) await joinCgroups(l.cgroup, fwd.pid);
  info.supervisorPid = sup.pid;
  info.forwarderPid = fwd.pid;
  writeFileSync(l.info, JSON.stringify(info, null, 2));
  const failedFile = join(l.dir, 'supervisor.failed');
  const supFailed = (): string | undefined => (existsSync(failedFile) ? `${readFileSync(failedFile, 'utf8')} (logs in ${l.logs})`
    : !alive(sup.pid) ? `the node process exited; its log:\n${tail(join(l.logs, 'supervisor.log'))}` : undefined);
  await waitUntil('the node', () => existsSync(l.ready) && existsSync(l.forwardInfo), 240_000, supFailed);
  const fw = JSON.parse(readFileSync(l.forwardInfo, 'utf8')) as { host: string; port: number };
  const server = `https://127.0.0.1:${fw.port}`;
  info.server = server;
  writeFileSync(l.info, JSON.stringify(info, null, 2));
  seconds.controlPlane = (Date.now() - tStart) / 1000;
  log(`node up in ${elapsed(tStart)}: apiserver at ${server}`);

  log('step 5/6: importing the images into containerd');
  const tImg = Date.now();
  await importImages(join(bins.containerd, 'ctr'), l.containerdSocket, images, log);
  seconds.images = (Date.now() - tImg) / 1000;

  log('step 6/6: the demo (namespaces, users, CoreDNS, shop, falco)');
  const tDemo = Date.now();
  const admin = join(l.dir, 'admin.kubeconfig');
  await writeFile(admin, kubeconfigYaml({ server, caFile: join(l.pki, 'ca.crt'), user: 'admin', context: `lab-${name}-admin`, certFile: join(l.pki, 'admin.crt'), keyFile: join(l.pki, 'admin.key') }), { mode: 0o600 });
  const kc = (args: string[], timeoutMs = 120_000): Promise<string> => run(kubectlArgv(admin, args), { timeoutMs });
  const manifests = join(repoRoot(), 'src', 'lab', 'manifests');
  await kc(['apply', '-f', join(manifests, '00-namespaces.yaml')]);
  await kc(['apply', '-f', join(repoRoot(), 'deploy', 'rbac.yaml')]);
  for (const f of readdirSync(manifests).filter((f) => f.endsWith('.yaml') && !f.startsWith('00-')).sort()) await kc(['apply', '-f', join(manifests, f)]);
  await kc(['wait', '--for=condition=Ready', `node/${l.nodeName}`, '--timeout=120s']);
  await writeUserKubeconfig(l, server, kc);
  for (const ns of ['kube-system', 'shop', 'payments']) await kc(['rollout', 'status', 'deployment', '-n', ns, '--timeout=180s'], 200_000);
  await kc(['rollout', 'status', 'daemonset/falco', '-n', 'falco', '--timeout=180s'], 200_000);
  await kc(['wait', '--for=condition=Ready', 'pods', '--all', '-A', '--timeout=180s'], 200_000);
  seconds.demo = (Date.now() - tDemo) / 1000;
  seconds.total = (Date.now() - t0) / 1000;
  log(`lab '${name}' is up in ${elapsed(t0)} (build ${seconds.build.toFixed(0)} s, node ${seconds.controlPlane.toFixed(0)} s, images ${seconds.images.toFixed(0)} s, demo ${seconds.demo.toFixed(0)} s)`);
  writeFileSync(join(l.dir, 'up-seconds.json'), JSON.stringify(seconds));
  return { kubeconfig: l.kubeconfig, server, seconds, alreadyRunning: false };
}

function tail(file: string): string {
  try { return readFileSync(file, 'utf8').split('\n').slice(-30).join('\n'); } catch { return '(no log)'; }
}

export const ROLES = ['falcoshark', 'readonly', 'no-ephemeral', 'serve', 'admin'] as const;
export type LabRole = typeof ROLES[number];

export function contextName(name: string, role: LabRole): string {
  return role === 'falcoshark' ? `lab-${name}` : `lab-${name}-${role}`;
}

async function writeUserKubeconfig(l: LabLayout, server: string, kc: (a: string[]) => Promise<string>): Promise<void> {
  const token = async (ns: string, secret: string): Promise<string> => {
    let out = '';
    await waitUntil(`the token of ${ns}/${secret}`, async () => {
      out = await kc(['get', 'secret', '-n', ns, secret, '-o', 'jsonpath={.data.token}']).catch(() => '');
      return out.length > 0;
    }, 60_000);
    return Buffer.from(out, 'base64').toString('utf8');
  };
  const ca = readFileSync(join(l.pki, 'ca.crt')).toString('base64');
  const users: { name: string; user: Record<string, string> }[] = [
    { name: 'falcoshark', user: { token: await token('lab', 'falcoshark-token') } },
    { name: 'readonly', user: { token: await token('lab', 'readonly-token') } },
    { name: 'no-ephemeral', user: { token: await token('lab', 'no-ephemeral-token') } },
    { name: 'serve', user: { token: await token('falcoshark', 'falcoshark-serve-token') } },
    { name: 'admin', user: { 'client-certificate-data': readFileSync(join(l.pki, 'admin.crt')).toString('base64'), 'client-key-data': readFileSync(join(l.pki, 'admin.key')).toString('base64') } },
  ];
  const { stringify } = await import('yaml');
  await writeFile(l.kubeconfig, stringify({
    apiVersion: 'v1', kind: 'Config', 'current-context': contextName(l.name, 'falcoshark'),
    clusters: [{ name: `lab-${l.name}`, cluster: { server, 'certificate-authority-data': ca } }],
    users: users.map((u) => ({ name: `lab-${l.name}-${u.name}`, user: u.user })),
    contexts: ROLES.map((r) => ({ name: contextName(l.name, r), context: { cluster: `lab-${l.name}`, user: `lab-${l.name}-${r}`, namespace: 'shop' } })),
  }), { mode: 0o600 });
}

/** Stops lab `name` and removes everything it made; returns what was found and removed. */
export async function labDown(name: string): Promise<string[]> {
  const l = layout(name);
  const info = readInfo(name) as (LabInfoFile & { createdDirs?: string[] }) | undefined;
  const removed: string[] = [];
  if (info && alive(info.supervisorPid)) {
    try { process.kill(info.supervisorPid!, 'SIGTERM'); } catch { /* gone */ }
    const t0 = Date.now();
    while (alive(info.supervisorPid) && Date.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 100));
    removed.push('the node process');
  }
  if (info && alive(info.forwarderPid)) { try { process.kill(info.forwarderPid!, 'SIGTERM'); } catch { /* gone */ } }
  const pids = cgroupPids(l.cgroup).length;
  removed.push(...await destroyCgroups(l.cgroup));
  if (pids) removed.push(`${pids} process${pids > 1 ? 'es' : ''}`);
  removed.push(...await destroyNetwork(l));
  // Mounts live in the lab's own mount namespace, gone with its last process; check the host's anyway.
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((m) => m.split(' ')[4]).filter((m) => m && m.startsWith(`${l.dir}/`));
  for (const m of mounts.sort().reverse()) { await run(['umount', '-l', m]).catch(() => undefined); removed.push(`mount ${m}`); }
  if (existsSync(l.dir)) { await rm(l.dir, { recursive: true, force: true }); removed.push(`state ${l.dir}`); }
  for (const d of info?.createdDirs ?? []) { try { rmSync(d, { recursive: false }); } catch { /* not empty or gone */ } }
  return removed;
}

export interface LabStatus { name: string; running: boolean; server?: string; kubeconfig?: string; leftovers: string[] }

export async function labStatus(): Promise<LabStatus[]> {
  const names = new Set<string>(existsSync(STATE_ROOT) ? readdirSync(STATE_ROOT) : []);
  for (const n of await listNetns()) { const m = /^fsk-([a-z0-9-]+)-(node|inet)$/.exec(n); if (m) names.add(m[1]); }
  const out: LabStatus[] = [];
  for (const name of [...names].sort()) {
    const info = readInfo(name);
    const running = !!info && alive(info.supervisorPid);
    const leftovers: string[] = [];
    if (!running) {
      const ns = (await listNetns()).filter((n) => n === `fsk-${name}-node` || n === `fsk-${name}-inet`);
      leftovers.push(...ns.map((n) => `netns ${n}`));
      const p = cgroupPids(layout(name).cgroup).length;
      if (p) leftovers.push(`${p} processes`);
      if (existsSync(layout(name).dir)) leftovers.push(`state ${layout(name).dir}`);
    }
    out.push({ name, running, server: info?.server, kubeconfig: running ? layout(name).kubeconfig : undefined, leftovers });
  }
  return out;
}

export type { LabBinaries };
