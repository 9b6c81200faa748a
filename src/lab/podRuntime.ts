// The "kubelet" of the lab: each pod is a network namespace; each container a host process
// run in it. Keeps pod status (phase, IPs, container states) in the store as processes
// start, exit and restart.
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { badRequest, notFound } from './apiError.js';
import { kubeTime, nowNs } from './clock.js';
import { LogRing } from './logRing.js';
import type { LabNetwork } from './netns.js';
import { resolveCommand, spawnInNetns } from './proc.js';
import { findResourceType } from './resources.js';
import type { Store } from './store.js';
import { clone, type ContainerSpec, type ContainerState, type ContainerStatus, type KObject } from './types.js';

export const PODS = findResourceType('', 'v1', 'pods') as NonNullable<ReturnType<typeof findResourceType>>;

export interface RunningContainer {
  name: string;
  spec: ContainerSpec;
  ephemeral: boolean;
  virtual: boolean;
  ring: LogRing;
  child?: ChildProcess;
  containerID: string;
  restartCount: number;
  startedAt?: string;
  exitCode?: number;
  pid?: number;
}

export interface PodState {
  ns: string;
  name: string;
  netns?: string;
  ip?: string;
  containers: Map<string, RunningContainer>;
  deleting: boolean;
}

export type TapListener = (pod: PodState, container: RunningContainer, line: string) => void;

export interface CreatePodOptions {
  /** Containers whose output the lab writes itself (their process is `sleep infinity`). */
  virtualContainers?: string[];
  /** Extra /32 addresses for the pod's eth0 (ClusterIPs of single-backend services). */
  extraAddresses?: string[];
}

export class PodRuntime {
  private readonly pods = new Map<string, PodState>();
  private nextIp = 10;
  private readonly tapListeners = new Set<TapListener>();
  onPodDeleted?: (pod: KObject) => void;

  constructor(readonly store: Store, readonly net: LabNetwork, readonly nodeName: string, readonly podPrefix = '10.244.0.', readonly clusterDns = '10.96.0.10') {}

  state(ns: string, name: string): PodState | undefined {
    return this.pods.get(`${ns}/${name}`);
  }

  onTap(l: TapListener): () => void {
    this.tapListeners.add(l);
    return () => { this.tapListeners.delete(l); };
  }

  container(ns: string, pod: string, name: string | null): RunningContainer {
    const st = this.state(ns, pod);
    if (!st) throw notFound('pods', '', pod);
    if (!name) {
      const regular = [...st.containers.values()].filter((c) => !c.ephemeral);
      if (regular.length !== 1) throw badRequest(`a container name must be specified for pod ${pod}, choose one of: [${regular.map((c) => c.name).join(' ')}]`);
      return regular[0];
    }
    const c = st.containers.get(name);
    if (!c) throw badRequest(`container ${name} is not valid for pod ${pod}`);
    return c;
  }

  createPod(ns: string, body: KObject, opts: CreatePodOptions = {}): KObject {
    const pod = clone(body);
    pod.apiVersion = 'v1';
    pod.kind = 'Pod';
    pod.metadata.namespace = ns;
    if (!pod.metadata.name && pod.metadata.generateName) pod.metadata.name = pod.metadata.generateName + randomBytes(3).toString('hex').slice(0, 5);
    const spec = pod.spec ?? {};
    const containers = (Array.isArray(spec.containers) ? spec.containers : []) as ContainerSpec[];
    if (!pod.metadata.name || containers.length === 0) throw badRequest('a pod needs metadata.name and at least one container');
    for (const c of containers) {
      c.terminationMessagePath ??= '/dev/termination-log';
      c.terminationMessagePolicy ??= 'File';
      c.imagePullPolicy ??= 'IfNotPresent';
      c.resources ??= {};
    }
    pod.spec = {
      restartPolicy: 'Always', terminationGracePeriodSeconds: 30, dnsPolicy: 'ClusterFirst', serviceAccountName: 'default',
      serviceAccount: 'default', schedulerName: 'default-scheduler', enableServiceLinks: true, priority: 0,
      preemptionPolicy: 'PreemptLowerPriority', securityContext: {}, tolerations: [],
      ...spec, containers, nodeName: this.nodeName,
    };
    const st: PodState = { ns, name: pod.metadata.name, containers: new Map(), deleting: false };
    const virtual = new Set(opts.virtualContainers ?? []);
    for (const c of containers) st.containers.set(c.name, this.newContainer(c, false, virtual.has(c.name)));
    pod.status = {
      phase: 'Pending', qosClass: 'BestEffort',
      conditions: [{ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: kubeTime() }],
      containerStatuses: containers.map((c) => waitingStatus(c, 'ContainerCreating')),
    };
    const created = this.store.create(PODS, pod);
    this.pods.set(`${ns}/${created.metadata.name}`, st);
    void this.startPod(st, opts).catch((e: unknown) => this.failPod(st, e));
    return created;
  }

  private newContainer(spec: ContainerSpec, ephemeral: boolean, virtual: boolean): RunningContainer {
    return { name: spec.name, spec, ephemeral, virtual, ring: new LogRing(8 * 1024 * 1024, nowNs), restartCount: 0, containerID: `containerd://${randomBytes(32).toString('hex')}` };
  }

  private async startPod(st: PodState, opts: CreatePodOptions): Promise<void> {
    const ip = `${this.podPrefix}${this.nextIp++}`;
    st.netns = await this.net.addHost(`${st.ns}.${st.name}`, `${ip}/24`);
    st.ip = ip;
    // What the kubelet writes for a ClusterFirst pod; cluster DNS is the lab's kube-dns address.
    await this.net.etcFiles(st.netns, {
      'resolv.conf': `search ${st.ns}.svc.cluster.local svc.cluster.local cluster.local\nnameserver ${this.clusterDns}\noptions ndots:5\n`,
      hosts: `# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n${ip}\t${st.name}\n`,
      hostname: `${st.name}\n`,
    });
    for (const a of opts.extraAddresses ?? []) await this.net.addAddress(st.netns, `${a}/32`);
    if (st.deleting) return;
    const now = kubeTime();
    this.store.mutate(PODS, st.ns, st.name, (p) => {
      p.status = {
        ...p.status, phase: 'Running', hostIP: '172.18.0.2', hostIPs: [{ ip: '172.18.0.2' }], podIP: ip, podIPs: [{ ip }], startTime: now,
        conditions: ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map((type) => ({ type, status: 'True', lastProbeTime: null, lastTransitionTime: now })),
      };
    });
    for (const c of st.containers.values()) this.run(st, c);
  }

  private failPod(st: PodState, e: unknown): void {
    const msg = e instanceof Error ? e.message : String(e);
    this.store.mutate(PODS, st.ns, st.name, (p) => {
      p.status = { ...p.status, phase: 'Failed', reason: 'NetworkSetupFailed', message: msg };
    });
  }

  /** Starts (or restarts) a container's process and tracks it into the pod status. */
  run(st: PodState, c: RunningContainer): void {
    if (!st.netns || st.deleting) return;
    const argv = c.virtual ? ['sleep', 'infinity'] : [...(c.spec.command ?? []), ...(c.spec.args ?? [])];
    if (argv.length === 0) argv.push(...(c.spec.stdin ? ['sh'] : ['sleep', 'infinity']));
    c.ring.reopen();
    c.startedAt = kubeTime();
    c.exitCode = undefined;
    if (!resolveCommand(argv[0])) {
      c.ring.write('stderr', Buffer.from(`exec: "${argv[0]}": executable file not found in $PATH\n`));
      this.exited(st, c, 128, 'StartError', `failed to create containerd task: exec: "${argv[0]}": executable file not found in $PATH`);
      return;
    }
    const env: Record<string, string> = { HOSTNAME: st.name };
    for (const e of (c.spec.env as { name: string; value?: string }[] | undefined) ?? []) if (e.value !== undefined) env[e.name] = e.value;
    const child = spawnInNetns(st.netns, argv, { stdin: c.spec.stdin === true, stdout: true, stderr: true, tap: !c.virtual, env });
    c.child = child;
    c.pid = child.pid;
    child.stdout?.on('data', (b: Buffer) => c.ring.write('stdout', b));
    child.stderr?.on('data', (b: Buffer) => c.ring.write('stderr', b));
    child.stdin?.on('error', () => undefined);
    const tap = child.stdio[3];
    if (tap && 'on' in tap) {
      createInterface({ input: tap as NodeJS.ReadableStream }).on('line', (line) => {
        for (const l of [...this.tapListeners]) l(st, c, line);
      });
    }
    child.on('error', (e) => c.ring.write('stderr', Buffer.from(`${e.message}\n`)));
    child.on('close', (code, signal) => {
      c.child = undefined;
      const exit = code ?? (signal ? 128 + (signalNumber(signal)) : 1);
      this.exited(st, c, exit, exit === 0 ? 'Completed' : 'Error');
    });
    this.setState(st, c, { running: { startedAt: c.startedAt } }, true);
  }

  private exited(st: PodState, c: RunningContainer, exitCode: number, reason: string, message?: string): void {
    c.exitCode = exitCode;
    c.ring.end();
    if (st.deleting) return;
    const terminated: ContainerState = {
      terminated: { exitCode, reason, ...(message ? { message } : {}), startedAt: c.startedAt, finishedAt: kubeTime(), containerID: c.containerID },
    };
    this.setState(st, c, terminated, false);
    if (!c.ephemeral && st.containers.get(c.name) === c) {
      const delay = Math.min(10_000, 1000 * 2 ** Math.min(c.restartCount, 4));
      setTimeout(() => {
        if (st.deleting) return;
        c.restartCount++;
        c.containerID = `containerd://${randomBytes(32).toString('hex')}`;
        this.run(st, c);
      }, delay).unref();
    }
  }

  private setState(st: PodState, c: RunningContainer, state: ContainerState, ready: boolean): void {
    this.store.mutate(PODS, st.ns, st.name, (p) => {
      const key = c.ephemeral ? 'ephemeralContainerStatuses' : 'containerStatuses';
      const list = ((p.status?.[key] as ContainerStatus[] | undefined) ?? []).filter((s) => s.name !== c.name);
      const prev = ((p.status?.[key] as ContainerStatus[] | undefined) ?? []).find((s) => s.name === c.name);
      const lastState = state.running && prev?.state.terminated ? prev.state : prev?.lastState ?? {};
      const s: ContainerStatus = {
        name: c.name, state, lastState, ready: c.ephemeral ? false : ready, restartCount: c.restartCount,
        image: c.spec.image, imageID: `${c.spec.image.split(':')[0]}@sha256:${c.containerID.slice(-64)}`, containerID: c.containerID, started: !!state.running,
      };
      const ordered = this.order(p, key, [...list, s]);
      p.status = { ...p.status, [key]: ordered };
    });
  }

  private order(p: KObject, key: string, list: ContainerStatus[]): ContainerStatus[] {
    const names = ((key === 'containerStatuses' ? p.spec?.containers : p.spec?.ephemeralContainers) as ContainerSpec[] | undefined ?? []).map((c) => c.name);
    return list.sort((a, b) => names.indexOf(a.name) - names.indexOf(b.name));
  }

  /** Called after the ephemeralcontainers subresource stored a new container. */
  startEphemeral(ns: string, pod: string, spec: ContainerSpec): void {
    const st = this.state(ns, pod);
    if (!st) return;
    const c = this.newContainer(spec, true, false);
    st.containers.set(spec.name, c);
    this.store.mutate(PODS, ns, pod, (p) => {
      const list = (p.status?.ephemeralContainerStatuses as ContainerStatus[] | undefined) ?? [];
      p.status = { ...p.status, ephemeralContainerStatuses: [...list, waitingStatus(spec, 'ContainerCreating')] };
    });
    setTimeout(() => this.run(st, c), 150).unref();
  }

  /** Appends text to a (virtual) container's log, as if the process wrote it. */
  appendLog(ns: string, pod: string, container: string, text: string): void {
    this.state(ns, pod)?.containers.get(container)?.ring.write('stdout', Buffer.from(text));
  }

  async deletePod(ns: string, name: string): Promise<KObject> {
    const st = this.state(ns, name);
    const marked = this.store.mutate(PODS, ns, name, (p) => {
      p.metadata.deletionTimestamp = kubeTime();
      p.metadata.deletionGracePeriodSeconds = 30;
    });
    if (!marked) throw notFound('pods', '', name);
    if (st) {
      st.deleting = true;
      for (const c of st.containers.values()) c.child?.kill('SIGTERM');
      await waitFor(() => [...st.containers.values()].every((c) => !c.child), 2000);
      if (st.netns) await this.net.remove(st.netns);
      for (const c of st.containers.values()) c.ring.end();
      this.pods.delete(`${ns}/${name}`);
    }
    const gone = this.store.delete(PODS, ns, name);
    this.onPodDeleted?.(gone);
    return gone;
  }

  async shutdown(): Promise<void> {
    for (const st of this.pods.values()) {
      st.deleting = true;
      for (const c of st.containers.values()) c.child?.kill('SIGKILL');
    }
  }
}

function waitingStatus(c: ContainerSpec, reason: string): ContainerStatus {
  return { name: c.name, state: { waiting: { reason } }, lastState: {}, ready: false, restartCount: 0, image: c.image, imageID: '', started: false };
}

function signalNumber(sig: NodeJS.Signals): number {
  const map: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15, SIGPIPE: 13 };
  return map[sig] ?? 1;
}

async function waitFor(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
}
