// `falcoshark serve` installed in the shared real lab cluster as the README says, and removed
// again: the README's `<!-- serve-install: begin -->` block run by bash (nothing composed here)
// with a kubeconfig whose current context is the lab's admin, a hostPath PersistentVolume for
// serve's PersistentVolumeClaim (the lab has no storage provisioner), the tokens from the
// Secret `falcoshark-serve-tokens`, and `kubectl port-forward svc/falcoshark-serve` to reach its
// webhook (2801) and API (2802). Used by test/cluster/serveDeploy.test.ts and
// test/cluster/e2e/autoCapture.test.ts; each registers what it installs in an UndoList and runs
// it at the end, so the shared cluster is left as it was found.
//
//   const undo = new UndoList();
//   const env = await adminEnv(c, dir);                       // KUBECONFIG for the README's lines
//   await requireServeImage(c);
//   const { result } = await installServe(c, dir, env, undo);  // PV + README block (undo: both)
//   const { api, webhook } = await serveTokens(c);
//   const pf = await portForward(c, [2801, 2802]);             // pf.local.get(2802) → local port
//   …
//   await pf.stop(); await undo.runAll();
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chownSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Cluster, ROOT, type Result, runCmd } from './realCluster.js';

export const SERVE_NS = 'falcoshark';
export const SERVE_IMAGE = 'localhost/falcoshark/serve:0.1.0';
export const SERVE_MANIFEST = join(ROOT, 'deploy', 'serve.yaml');
const LAB_STATE = '/var/lib/falcoshark-lab';

/** The PersistentVolume installServe makes for serve's claim. */
export function servePvName(c: Cluster): string { return `falcoshark-captures-${c.name}`; }

/** What a test installed, removed newest first; every step runs even when one fails. */
export class UndoList {
  private steps: { what: string; run: () => Promise<unknown> }[] = [];
  push(what: string, run: () => Promise<unknown>): void { this.steps.push({ what, run }); }
  get length(): number { return this.steps.length; }
  /** Runs every step (newest first) and forgets them; failures go to onError, or are thrown together at the end. */
  async runAll(onError?: (what: string, e: Error) => void): Promise<void> {
    const steps = this.steps.reverse();
    this.steps = [];
    const failed: string[] = [];
    for (const s of steps) {
      try { await s.run(); } catch (e) {
        if (onError) onError(s.what, e as Error);
        else failed.push(`${s.what}: ${(e as Error).message}`);
      }
    }
    if (failed.length) throw new Error(`cleanup failed: ${failed.join('; ')}`);
  }
}

/** The folders of the lab's binaries (lab.json of a running lab). */
function readInfoBins(name: string): Record<string, string> {
  return (JSON.parse(readFileSync(join(LAB_STATE, name, 'lab.json'), 'utf8')) as { bins: Record<string, string> }).bins;
}

/** A fenced block of the README between `<!-- name: begin -->` and `<!-- name: end -->`. */
export function readmeBlock(name: string): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const m = new RegExp(`<!-- ${name}: begin -->\\n\`\`\`sh\\n([\\s\\S]*?)\`\`\`\\n<!-- ${name}: end -->`).exec(readme);
  assert.ok(m, `README.md has no block "${name}"`);
  return m[1];
}

/** Runs argv in the repository's root. */
export function runInRoot(argv: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Result> {
  return new Promise((res) => {
    const child = spawn(argv[0], argv.slice(1), { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => { stdout += b.toString(); });
    child.stderr.on('data', (b: Buffer) => { stderr += b.toString(); });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => { clearTimeout(timer); res({ code, stdout, stderr }); });
  });
}

/** The environment for the README's lines: KUBECONFIG = a copy whose current context is the lab's admin (a cluster admin installs serve). */
export async function adminEnv(c: Cluster, dir: string): Promise<NodeJS.ProcessEnv> {
  const adminKubeconfig = join(dir, 'admin.kubeconfig');
  writeFileSync(adminKubeconfig, readFileSync(c.kubeconfig));
  const use = await runCmd(['kubectl', '--kubeconfig', adminKubeconfig, 'config', 'use-context', c.context('admin')]);
  assert.equal(use.code, 0, use.stderr);
  return { ...process.env, KUBECONFIG: adminKubeconfig };
}

/** `lab up` imports every image it builds; a cluster started before serve's image was one of them lacks it. */
export async function requireServeImage(c: Cluster): Promise<void> {
  const ctrArgv = [join(String(readInfoBins(c.name).containerd), 'ctr'), '--address', join(LAB_STATE, c.name, 'containerd', 'containerd.sock'), '-n', 'k8s.io'];
  const images = (await runCmd([...ctrArgv, 'images', 'ls', '-q'])).stdout.split('\n');
  assert.ok(images.includes(SERVE_IMAGE), `the cluster '${c.name}' has no ${SERVE_IMAGE}: it was started by an older \`lab up\`; \`lab down --name ${c.name}\` and run again`);
}

/** Whether serve's Deployment exists. */
export async function serveInstalled(c: Cluster): Promise<boolean> {
  return (await c.kubectl(['get', 'deployment', 'falcoshark-serve', '-n', SERVE_NS])).code === 0;
}

/** The labels of serve's namespace (JSON), as `kubectl get -o jsonpath` prints them. */
export async function namespaceLabels(c: Cluster): Promise<string> {
  return (await c.ok(['get', 'namespace', SERVE_NS, '-o', 'jsonpath={.metadata.labels}'])).trim();
}

/** Puts back the namespace's labels as they were (`before` from namespaceLabels), removing any added. */
export async function restoreNamespaceLabels(c: Cluster, before: string): Promise<void> {
  const was = JSON.parse(before || '{}') as Record<string, string>;
  const now = JSON.parse((await namespaceLabels(c)) || '{}') as Record<string, string>;
  const changes = [...Object.keys(now).filter((k) => !(k in was)).map((k) => `${k}-`),
    ...Object.entries(was).filter(([k, v]) => now[k] !== v).map(([k, v]) => `${k}=${v}`)];
  if (changes.length) await c.ok(['label', 'namespace', SERVE_NS, '--overwrite', ...changes]);
}

/** Removes what the README's serve-install lines made (deploy/rbac.yaml stays: the lab applies it). */
export async function uninstallServe(c: Cluster): Promise<void> {
  const r = await c.kubectl(['delete', '-f', SERVE_MANIFEST, '--ignore-not-found', '--wait=true', '--timeout=120s'], { timeoutMs: 150_000 });
  if (r.code !== 0) throw new Error(`kubectl delete -f deploy/serve.yaml → ${r.code}: ${r.stderr}`);
  await c.ok(['delete', 'secret', '-n', SERVE_NS, 'falcoshark-serve-tokens', '--ignore-not-found']);
}

/**
 * Installs serve: a PersistentVolume on the node for its claim (owned by serve's user: hostPath
 * volumes get no fsGroup), then the README's serve-install block run by bash as written, with
 * `env` (adminEnv). Registers the removal of both in `undo` before making them.
 */
export async function installServe(c: Cluster, dir: string, env: NodeJS.ProcessEnv, undo: UndoList): Promise<{ block: string; result: Result }> {
  const pvDir = join(LAB_STATE, c.name, 'pv', 'falcoshark-captures');
  rmSync(pvDir, { recursive: true, force: true });
  mkdirSync(pvDir, { recursive: true });
  chownSync(pvDir, 65532, 65532);
  const pvName = servePvName(c);
  const pvFile = join(dir, 'pv.json');
  writeFileSync(pvFile, JSON.stringify({ apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: pvName },
    spec: { capacity: { storage: '5Gi' }, accessModes: ['ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Retain', hostPath: { path: pvDir, type: 'Directory' } } }));
  undo.push('the PersistentVolume', async () => {
    await c.ok(['delete', 'pv', pvName, '--ignore-not-found', '--wait=true', '--timeout=60s'], { timeoutMs: 90_000 });
    rmSync(pvDir, { recursive: true, force: true });
  });
  await c.ok(['apply', '-f', pvFile]);

  undo.push('serve', () => uninstallServe(c));
  const block = readmeBlock('serve-install');
  const result = await runInRoot(['bash', '-euo', 'pipefail', '-c', block], env, 300_000);
  return { block, result };
}

/** serve's two tokens, from the Secret the README's lines made. */
export async function serveTokens(c: Cluster): Promise<{ api: string; webhook: string }> {
  const data = JSON.parse(await c.ok(['get', 'secret', '-n', SERVE_NS, 'falcoshark-serve-tokens', '-o', 'jsonpath={.data}'])) as Record<string, string>;
  return { api: Buffer.from(data['api-token'], 'base64').toString(), webhook: Buffer.from(data['webhook-token'], 'base64').toString() };
}

export interface PortForward {
  child: ChildProcess;
  /** service port → local port on 127.0.0.1 */
  local: Map<number, number>;
  /** Ends kubectl port-forward (the local ports close) and waits for it to exit. */
  stop(): Promise<void>;
}

/** `kubectl port-forward` (through the API server) to serve's Service (or another `target` in its
 *  namespace, e.g. `pod/falcoshark-recorder-x2k4`); resolves the local ports. */
export async function portForward(c: Cluster, ports: number[], target = 'svc/falcoshark-serve'): Promise<PortForward> {
  const child = spawn('kubectl', ['--kubeconfig', c.kubeconfig, '--context', c.context('admin'), 'port-forward', '-n', SERVE_NS, target,
    '--address', '127.0.0.1', ...ports.map((p) => `:${p}`)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const local = new Map<number, number>();
  let out = '';
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`kubectl port-forward: no ports after 30 s: ${out}`)), 30_000);
      const onData = (b: Buffer): void => {
        out += b.toString();
        for (const m of out.matchAll(/Forwarding from 127\.0\.0\.1:(\d+) -> (\d+)/g)) local.set(Number(m[2]), Number(m[1]));
        if (ports.every((p) => local.has(p))) { clearTimeout(timer); resolve(); }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`kubectl port-forward exited ${code}: ${out}`)); });
    });
  } catch (e) {
    child.kill();
    throw e;
  }
  return {
    child, local,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill();
      await exited;
    },
  };
}
