// The node: runs inside the lab's node network namespace and its own mount namespace (made by
// `lab up`: nsenter --net … unshare --mount --propagation shared), in the lab's cgroup. Starts
// etcd, the control plane, containerd, the kubelet and kube-proxy in order, each waited for,
// restarts one that dies (with backoff, a bounded number of times), runs the C2 host in the
// lab's internet namespace, and stops everything in reverse order on SIGTERM.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import type { Server } from 'node:net';
import type { LabBinaries } from './build.js';
import { joinCgroups } from './cgroups.js';
import { components, type Component } from './configs.js';
import { startForwarder } from './forwarder.js';
import { NET, PRIVATE_DIRS, layout, type LabLayout } from './layout.js';
import { run } from './run.js';

export interface LabInfoFile { name: string; bins: LabBinaries; startedAt: string; supervisorPid?: number; forwarderPid?: number; server?: string }

interface Running { c: Component; child?: ChildProcess; restarts: number[]; stopping: boolean }

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function httpOk(url: string, l: LabLayout): Promise<boolean> {
  return new Promise((resolve) => {
    const u = new URL(url);
    const done = (ok: boolean): void => resolve(ok);
    const opts = u.protocol === 'https:' ? {
      ca: readFileSync(join(l.pki, 'ca.crt')), cert: readFileSync(join(l.pki, 'admin.crt')), key: readFileSync(join(l.pki, 'admin.key')), timeout: 2000,
    } : { timeout: 2000 };
    const req = (u.protocol === 'https:' ? request : httpRequest)(u, opts, (res) => { res.resume(); done(res.statusCode === 200); });
    req.on('error', () => done(false)).on('timeout', () => { req.destroy(); done(false); });
    req.end();
  });
}

async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs: number, log: (s: string) => void): Promise<void> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (await check()) { log(`${what} ready after ${((Date.now() - started) / 1000).toFixed(1)} s`); return; }
    await sleep(200);
  }
  throw new Error(`${what} not ready after ${timeoutMs / 1000} s (see its log)`);
}

export async function supervise(dir: string): Promise<number> {
  const info = JSON.parse(readFileSync(join(dir, 'lab.json'), 'utf8')) as LabInfoFile;
  const l = layout(info.name);
  const log = (s: string): void => { process.stdout.write(`${new Date().toISOString()} ${s}\n`); };
  await joinCgroups(l.cgroup, process.pid);
  // Paths the kubelet and containerd hard-code get a tmpfs of this mount namespace only, so
  // nothing of theirs is left on the host's filesystem when the lab stops.
  for (const d of PRIVATE_DIRS) await run(['mount', '-t', 'tmpfs', '-o', 'size=64m,mode=0755', 'tmpfs', d]);
  // The kubelet's cAdvisor looks for containerd at its default socket.
  symlinkSync(l.containerdSocket, '/run/containerd/containerd.sock');
  process.env.PATH = `${info.bins.containerd}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`;
  const running: Running[] = [];
  let stopping = false;

  const start = (r: Running): void => {
    const out = createWriteStream(join(l.logs, `${r.c.name}.log`), { flags: 'a' });
    const child = spawn(r.c.argv[0], r.c.argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...r.c.env } });
    child.stdout?.pipe(out, { end: false });
    child.stderr?.pipe(out, { end: false });
    r.child = child;
    child.on('error', (e) => log(`${r.c.name}: ${e.message}`));
    child.on('exit', (code, sig) => {
      if (r.stopping || stopping) return;
      const now = Date.now();
      r.restarts = r.restarts.filter((t) => now - t < 300_000);
      log(`${r.c.name} exited (${code ?? sig}); restarts in the last 5 min: ${r.restarts.length}`);
      if (r.restarts.length >= 5) { log(`${r.c.name}: giving up after 5 restarts in 5 minutes (see ${r.c.name}.log)`); return; }
      r.restarts.push(now);
      setTimeout(() => { if (!stopping) start(r); }, 1000 * 2 ** r.restarts.length);
    });
  };

  const stopAll = async (): Promise<void> => {
    stopping = true;
    for (const r of [...running].reverse()) {
      r.stopping = true;
      const child = r.child;
      if (!child || child.exitCode !== null || child.signalCode !== null) continue;
      child.kill('SIGTERM');
      const t0 = Date.now();
      while (child.exitCode === null && child.signalCode === null && Date.now() - t0 < 5000) await sleep(50);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  };
  let stopRequested = false;
  for (const s of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(s, () => { stopRequested = true; });

  const timings: Record<string, number> = {};
  const t0 = Date.now();
  const waits: Record<string, () => Promise<void>> = {
    etcd: () => waitFor('etcd', () => httpOk('http://127.0.0.1:2379/health', l), 60_000, log),
    'kube-apiserver': () => waitFor('kube-apiserver', () => httpOk(`https://${NET.nodeIp}:6443/readyz`, l), 120_000, log),
    containerd: () => waitFor('containerd', () => existsSync(l.containerdSocket), 60_000, log),
  };
  let forwarder: Server | undefined;
  let c2: ChildProcess | undefined;
  try {
    for (const c of components(l, info.bins)) {
      if (stopRequested) break;
      const r: Running = { c, restarts: [], stopping: false };
      running.push(r);
      log(`starting ${c.name}`);
      start(r);
      await waits[c.name]?.();
      timings[c.name] = Date.now() - t0;
    }
    forwarder = await startForwarder(l.apiSocket, `${NET.nodeIp}:6443`);
    const c2log = createWriteStream(join(l.logs, 'c2.log'), { flags: 'a' });
    c2 = spawn('nsenter', [`--net=/run/netns/${l.inetNetns}`, '--', join(info.bins.demo, 'falcoshark-lab-demo'), 'c2', '--listen', `${NET.c2Ip}:${NET.c2Port}`],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    c2.stdout?.pipe(c2log, { end: false });
    c2.stderr?.pipe(c2log, { end: false });
    writeFileSync(l.ready, JSON.stringify({ readyAt: new Date().toISOString(), msFromStart: timings }));
    log(`node ready (${JSON.stringify(timings)})`);
    while (!stopRequested) await sleep(200);
  } catch (e) {
    log(`failed: ${e instanceof Error ? e.message : String(e)}`);
    writeFileSync(join(l.dir, 'supervisor.failed'), e instanceof Error ? e.message : String(e));
  }
  log('stopping');
  c2?.kill('SIGKILL');
  forwarder?.close();
  await stopAll();
  log('stopped');
  return 0;
}
