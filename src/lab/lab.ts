// One lab instance: API server + pods as network namespaces + the demo scenario.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { AGENTS } from './agents.js';
import { ApiServer } from './apiServer.js';
import { kubeTime } from './clock.js';
import { patchEphemeral } from './ephemeral.js';
import { kubeconfigYaml } from './kubeconfig.js';
import { LAB_NAME_RE, LabNetwork, cleanupLab, stateDir } from './netns.js';
import { servePodLog } from './podLogs.js';
import { PODS, PodRuntime } from './podRuntime.js';
import { PodStreams } from './podStreams.js';
import { spawnInNetns } from './proc.js';
import { makeUsers, type LabUser, type RoleName } from './rbac.js';
import { C2_IP, C2_PORT, installScenario, zone } from './scenario.js';
import { Store } from './store.js';
import { makeTls } from './tls.js';
import { NODES, Workloads } from './workloads.js';

export class LabNeedsRootError extends Error {
  override readonly name = 'LabNeedsRootError';
}

export interface LabOptions {
  name: string;
  /** Where to write the kubeconfig (default: <state dir>/kubeconfig). */
  kubeconfigPath?: string;
  /** Install the demo scenario (default true). */
  scenario?: boolean;
  beaconEveryMs?: number;
  trafficEveryMs?: number;
  bookmarkIntervalMs?: number;
  /** Watch history length (events) before 410 Expired. */
  historyLimit?: number;
  log?: (line: string) => void;
}

export class Lab {
  readonly dir: string;
  readonly nodeName: string;
  server = '';
  kubeconfigPath = '';
  readonly users: LabUser[] = makeUsers();
  readonly store: Store;
  readonly net: LabNetwork;
  readonly runtime: PodRuntime;
  readonly workloads: Workloads;
  private api?: ApiServer;
  private c2?: ChildProcess;
  private stopped = false;

  private constructor(readonly options: LabOptions) {
    this.dir = stateDir(options.name);
    this.nodeName = `${options.name}-worker`;
    this.store = new Store(options.historyLimit ?? 2000);
    this.net = new LabNetwork(options.name);
    this.runtime = new PodRuntime(this.store, this.net, this.nodeName);
    this.workloads = new Workloads(this.store, this.runtime);
  }

  get name(): string {
    return this.options.name;
  }

  token(role: RoleName): string {
    const u = this.users.find((x) => x.role === role);
    if (!u) throw new Error(`no user for role ${role}`);
    return u.token;
  }

  static async start(options: LabOptions): Promise<Lab> {
    if (!LAB_NAME_RE.test(options.name)) throw new Error(`invalid lab name '${options.name}': use 1-20 of [a-z0-9-], starting and ending alphanumeric`);
    if (process.getuid?.() !== 0) throw new LabNeedsRootError('the lab needs root: its pods are Linux network namespaces (ip netns, veth, bridge); run it as root');
    await cleanupLab(options.name);
    const lab = new Lab(options);
    try {
      await lab.boot();
    } catch (e) {
      await lab.stop().catch(() => undefined);
      throw e;
    }
    return lab;
  }

  private async boot(): Promise<void> {
    await mkdir(join(this.dir, 'agents'), { recursive: true });
    await writeFile(join(this.dir, 'lab.pid'), `${process.pid}\n`);
    const tls = await makeTls(this.dir, this.name);
    await this.net.setup();
    for (const [f, src] of Object.entries(AGENTS)) await writeFile(join(this.dir, 'agents', f), src);
    await writeFile(join(this.dir, 'agents', 'zone.json'), JSON.stringify(zone()));
    this.store.create(NODES, {
      apiVersion: 'v1', kind: 'Node',
      metadata: { name: this.nodeName, uid: '', resourceVersion: '', creationTimestamp: kubeTime(), labels: { 'kubernetes.io/hostname': this.nodeName, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64' } },
      spec: { podCIDR: '10.244.0.0/24', podCIDRs: ['10.244.0.0/24'] },
      status: {
        addresses: [{ type: 'InternalIP', address: '172.18.0.2' }, { type: 'Hostname', address: this.nodeName }],
        conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: kubeTime(), lastTransitionTime: kubeTime() }],
        nodeInfo: { kubeletVersion: 'v1.32.4', kubeProxyVersion: 'v1.32.4', osImage: 'falcoshark lab', kernelVersion: 'lab', containerRuntimeVersion: 'containerd://1.7.24', operatingSystem: 'linux', architecture: 'amd64' },
      },
    });
    const streams = new PodStreams(this.runtime);
    this.api = new ApiServer({
      tls, store: this.store, users: this.users, bookmarkIntervalMs: this.options.bookmarkIntervalMs, log: this.options.log,
      hooks: {
        log: (req, res, ns, name, q) => servePodLog(this.runtime, req, res, ns, name, q),
        upgrade: (req, socket, head, info) => streams.upgrade(req, socket, head, info),
        patchEphemeral: (ns, name, method, ct, body, user) => patchEphemeral(this.runtime, ns, name, method, ct, body, user),
        createPod: (ns, body) => this.runtime.createPod(ns, body),
        deletePod: (ns, name) => {
          const cur = this.store.mustGet(PODS, ns, name);
          void this.runtime.deletePod(ns, name).catch(() => undefined);
          cur.metadata.deletionTimestamp = kubeTime();
          return cur;
        },
      },
    });
    if (this.options.scenario !== false) {
      const c2ns = await this.net.addHost('c2', `${C2_IP}/24`);
      this.c2 = spawnInNetns(c2ns, [process.execPath, join(this.dir, 'agents', 'c2.js'), String(C2_PORT)], { stdin: false, stdout: false, stderr: false });
      installScenario(this.workloads, this.runtime, {
        agentsDir: join(this.dir, 'agents'), nodeName: this.nodeName, nodeBinary: process.execPath,
        beaconEveryMs: this.options.beaconEveryMs ?? 15_000, trafficEveryMs: this.options.trafficEveryMs ?? 2_000,
      });
    } else {
      this.workloads.addNamespace('default');
    }
    this.server = await this.api.listen();
    this.kubeconfigPath = this.options.kubeconfigPath ?? join(this.dir, 'kubeconfig');
    await writeFile(this.kubeconfigPath, kubeconfigYaml(this.name, this.server, tls.caPem, this.users), { mode: 0o600 });
    await writeFile(join(this.dir, 'lab.json'), JSON.stringify({ name: this.name, pid: process.pid, server: this.server, kubeconfig: this.kubeconfigPath, startedAt: new Date().toISOString() }, null, 2));
  }

  /** Waits until every pod in the store is Running (or the timeout passes). */
  async waitReady(timeoutMs = 20_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      const pods = this.store.list(PODS);
      if (pods.length > 0 && pods.every((p) => (p.status?.containerStatuses as { state: { running?: unknown } }[] | undefined)?.every((s) => s.state.running))) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`lab ${this.name}: pods not running after ${timeoutMs} ms`);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.workloads.stop();
    await this.api?.close().catch(() => undefined);
    await this.runtime.shutdown();
    this.c2?.kill('SIGKILL');
    await cleanupLab(this.name, { exceptPid: process.pid });
  }
}
