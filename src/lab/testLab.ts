// Test helper: start a uniquely named lab and tear it down.
//
//   import { startTestLab, labSkipReason } from '../../../src/lab/testLab.js';
//   const skip = labSkipReason(['tshark']);          // string → skip; throws under CI=true
//   test('…', { skip }, async (t) => {
//     const lab = await startTestLab({ beaconEveryMs: 2000 });  // in-process by default
//     t.after(() => lab.stop());
//     await lab.kubectl(['get', 'pods', '-A']);                 // role 'falcoshark' by default
//     await lab.kubectl(['auth', 'can-i', 'list', 'pods'], { role: 'readonly' });
//     const kc = lab.kubeConfig('falcoshark');                  // @kubernetes/client-node KubeConfig
//     const pod = await lab.waitForPod('shop', 'app=api');      // Running pod with an IP
//   });
//
// TestLab fields: name, server (https URL), kubeconfigPath, token(role), context(role),
// lab (the in-process Lab, undefined in child mode), pid (child mode), stop().
// Options: name (default unique), scenario (default true), beaconEveryMs, trafficEveryMs,
// mode 'inprocess' | 'child' (child runs dist/lab.js if built, else src/lab/main.ts via tsx).
// Labs are isolated (own netns set behind their own bridge), so tests can run side by side.
// Demo facts for assertions: scenario.ts exports C2_IP (203.0.113.66), C2_PORT (4444),
// C2_DOMAIN and DNS_IP (10.96.0.10); pods are in 10.244.0.0/24, ClusterIPs in 10.96.0.0/24
// (api 10.96.0.21:8080, db 10.96.0.22:5432, frontend 10.96.0.20:80). Extra pods: in-process
// `lab.lab.runtime.createPod(ns, podObject)`, or `kubectl run` with role 'admin'.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { contextName } from './kubeconfig.js';
import { Lab } from './lab.js';
import { STATE_ROOT, cleanupLab } from './netns.js';
import type { RoleName } from './rbac.js';
import { parseLabelSelector } from './selectors.js';
import type { KObject } from './types.js';

export interface TestLabOptions {
  name?: string;
  scenario?: boolean;
  beaconEveryMs?: number;
  trafficEveryMs?: number;
  mode?: 'inprocess' | 'child';
}

export interface KubectlResult { code: number; stdout: string; stderr: string }

export interface TestLab {
  name: string;
  server: string;
  kubeconfigPath: string;
  lab?: Lab;
  pid?: number;
  context(role?: RoleName): string;
  /** The bearer token of a role (as in the kubeconfig). */
  token(role?: RoleName): string;
  kubeConfig(role?: RoleName): KubeConfig;
  kubectl(args: string[], o?: { role?: RoleName; timeoutMs?: number }): Promise<KubectlResult>;
  /** Spawns kubectl and returns the process (for -w / -f streams). */
  kubectlSpawn(args: string[], o?: { role?: RoleName }): ChildProcess;
  waitForPod(ns: string, labelSelector: string, timeoutMs?: number): Promise<KObject>;
  stop(): Promise<void>;
}

let counter = 0;
const ROOT = resolve(__dirname, '..', '..');

export function uniqueLabName(prefix = 't'): string {
  return `${prefix}${process.pid.toString(36)}${(counter++).toString(36)}${Math.floor(Math.random() * 36 ** 2).toString(36)}`.slice(0, 20);
}

function which(cmd: string): boolean {
  return (process.env.PATH ?? '').split(':').some((d) => existsSync(join(d, cmd)));
}

/**
 * Why lab tests cannot run here (undefined: they can). Under CI=true a missing
 * prerequisite throws instead, so the test file fails loudly rather than skipping.
 */
export function labSkipReason(extraTools: string[] = []): string | undefined {
  const missing: string[] = [];
  if (process.getuid?.() !== 0) missing.push('root (the lab creates network namespaces)');
  for (const t of ['ip', 'openssl', ...extraTools]) if (!which(t)) missing.push(`the '${t}' command`);
  if (missing.length === 0) return undefined;
  const reason = `lab tests need ${missing.join(', ')}`;
  if (process.env.CI === 'true') throw new Error(`${reason} (CI=true: failing instead of skipping)`);
  return reason;
}

/** Removes labs whose owning process is gone (a test run that crashed before its teardown). */
export async function cleanupStaleLabs(): Promise<string[]> {
  const removed: string[] = [];
  const dirs = existsSync(STATE_ROOT) ? readdirSync(STATE_ROOT, { withFileTypes: true }).filter((d) => d.isDirectory()) : [];
  for (const d of dirs) {
    let pid = 0;
    try { pid = Number(readFileSync(join(STATE_ROOT, d.name, 'lab.pid'), 'utf8').trim()); } catch { continue; }
    let alive = true;
    try { process.kill(pid, 0); } catch { alive = false; }
    if (!alive) removed.push(...(await cleanupLab(d.name)));
  }
  return removed;
}

export async function startTestLab(o: TestLabOptions = {}): Promise<TestLab> {
  await cleanupStaleLabs();
  const name = o.name ?? uniqueLabName();
  const cacheDir = mkdtempSync(join(tmpdir(), `kubectl-${name}-`));
  let lab: Lab | undefined;
  let child: ChildProcess | undefined;
  let server: string;
  let kubeconfigPath: string;
  if ((o.mode ?? 'inprocess') === 'inprocess') {
    lab = await Lab.start({ name, scenario: o.scenario, beaconEveryMs: o.beaconEveryMs, trafficEveryMs: o.trafficEveryMs, bookmarkIntervalMs: 2000 });
    server = lab.server;
    kubeconfigPath = lab.kubeconfigPath;
  } else {
    const dist = join(ROOT, 'dist', 'lab.js');
    const entry = existsSync(dist) ? [dist] : ['--import', 'tsx', join(ROOT, 'src', 'lab', 'main.ts')];
    const args = [...entry, 'run', '--name', name];
    if (o.scenario === false) args.push('--no-scenario');
    if (o.beaconEveryMs) args.push('--beacon-every', String(o.beaconEveryMs));
    if (o.trafficEveryMs) args.push('--traffic-every', String(o.trafficEveryMs));
    const c = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FALCOSHARK_LAB_NAME: name } });
    child = c;
    [server, kubeconfigPath] = await new Promise<[string, string]>((res, rej) => {
      let out = ''; let err = '';
      c.stdout?.on('data', (b: Buffer) => { out += b.toString(); const m = /READY (\S+) (\S+)/.exec(out); if (m) res([m[1], m[2]]); });
      c.stderr?.on('data', (b: Buffer) => { err += b.toString(); });
      c.on('exit', (code) => rej(new Error(`lab ${name} exited with ${code}: ${err}`)));
      setTimeout(() => rej(new Error(`lab ${name} did not start in 30 s: ${err}`)), 30_000).unref();
    });
  }
  const context = (role: RoleName = 'falcoshark'): string => contextName(name, role);
  const kubectlArgs = (args: string[], role?: RoleName): string[] => ['--kubeconfig', kubeconfigPath, '--context', context(role), '--cache-dir', cacheDir, ...args];
  const t: TestLab = {
    name, server, kubeconfigPath, lab, pid: child?.pid, context,
    token(role = 'falcoshark') {
      const kc = new KubeConfig();
      kc.loadFromFile(kubeconfigPath);
      const token = kc.getUser(`lab-${name}-${role}`)?.token;
      if (!token) throw new Error(`no token for role ${role} in ${kubeconfigPath}`);
      return token;
    },
    kubeConfig(role = 'falcoshark') {
      const kc = new KubeConfig();
      kc.loadFromFile(kubeconfigPath);
      kc.setCurrentContext(context(role));
      return kc;
    },
    kubectl(args, opts = {}) {
      return new Promise((res) => {
        execFile('kubectl', kubectlArgs(args, opts.role), { timeout: opts.timeoutMs ?? 60_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
          const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
          res({ code, stdout, stderr });
        });
      });
    },
    kubectlSpawn(args, opts = {}) {
      return spawn('kubectl', kubectlArgs(args, opts.role), { stdio: ['ignore', 'pipe', 'pipe'] });
    },
    async waitForPod(ns, labelSelector, timeoutMs = 60_000) {
      const sel = parseLabelSelector(labelSelector);
      const end = Date.now() + timeoutMs;
      while (Date.now() < end) {
        const kc = t.kubeConfig('admin');
        const { CoreV1Api } = await import('@kubernetes/client-node');
        const list = await kc.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: ns });
        const p = list.items.find((x) => sel(x.metadata?.labels) && !x.metadata?.deletionTimestamp && x.status?.podIP
          && (x.status.containerStatuses ?? []).every((s) => s.state?.running));
        if (p) return JSON.parse(JSON.stringify(p)) as KObject;
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new Error(`no running pod ${labelSelector} in ${ns} after ${timeoutMs} ms`);
    },
    async stop() {
      if (lab) await lab.stop();
      if (child && child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => { child?.once('exit', r); setTimeout(r, 5000).unref(); });
      }
      await cleanupLab(name);
    },
  };
  return t;
}
