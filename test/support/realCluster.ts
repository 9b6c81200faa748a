// The real lab cluster for tests: `falcoshark lab up` (the CLI, as a user runs it) under a
// test-only name, kubectl per context, and the demo's facts. Needs root and the Debian
// packages of scripts/install-debian-packages.sh; under CI=true a missing one fails the test.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { TestContext } from 'node:test';
import { IN_CI } from './prereq.js';

export const ROOT = resolve(__dirname, '..', '..');
export const CLI = join(ROOT, 'dist', 'cli.js');
export const C2 = { ip: '203.0.113.66', port: 4444, domain: 'updates.cdn-telemetry.xyz' };
export const CAPTURE_IMAGE = 'localhost/falcoshark/capture:0.1.0';

export function clusterPrereqs(t: TestContext): boolean {
  const missing: string[] = [];
  if (process.getuid?.() !== 0) missing.push('root');
  for (const tool of ['go', 'gcc', 'mmdebstrap', 'runc', 'iptables', 'conntrack', 'kubectl', 'tshark', 'capinfos']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status !== 0) missing.push(tool);
  }
  if (!existsSync('/usr/lib/cni/bridge')) missing.push('containernetworking-plugins');
  if (!existsSync(CLI)) missing.push('dist/cli.js (npm run build)');
  if (missing.length === 0) return true;
  const why = `the real lab cluster needs: ${missing.join(', ')}`;
  if (IN_CI) throw new Error(`${why} (CI=true: failing instead of skipping)`);
  t.skip(why);
  return false;
}

export interface Result { code: number | null; stdout: string; stderr: string }

/** Runs argv; stdin gets `input` and is closed, or stays open until the command ends (`keepStdin`, for kubectl -i). */
export function runCmd(argv: string[], o: { timeoutMs?: number; input?: string; env?: NodeJS.ProcessEnv; keepStdin?: boolean } = {}): Promise<Result> {
  return new Promise((res) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'], env: o.env ?? process.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => { stdout += b.toString(); });
    child.stderr.on('data', (b: Buffer) => { stderr += b.toString(); });
    const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 120_000);
    child.on('close', (code) => { clearTimeout(timer); res({ code, stdout, stderr }); });
    child.stdin.on('error', () => undefined);
    if (o.keepStdin) child.on('exit', () => child.stdin.destroy());
    else child.stdin.end(o.input ?? '');
  });
}

export class Cluster {
  constructor(readonly name: string, readonly kubeconfig: string) {}
  context(role: 'falcoshark' | 'readonly' | 'no-ephemeral' | 'serve' | 'admin'): string {
    return role === 'falcoshark' ? `lab-${this.name}` : `lab-${this.name}-${role}`;
  }
  kubectl(args: string[], o: { role?: Parameters<Cluster['context']>[0]; timeoutMs?: number; input?: string; keepStdin?: boolean } = {}): Promise<Result> {
    return runCmd(['kubectl', '--kubeconfig', this.kubeconfig, '--context', this.context(o.role ?? 'admin'), ...args], o);
  }
  async ok(args: string[], o: Parameters<Cluster['kubectl']>[1] = {}): Promise<string> {
    const r = await this.kubectl(args, o);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} → ${r.code}: ${r.stderr}`);
    return r.stdout;
  }
  async podName(ns: string, selector: string): Promise<string> {
    return (await this.ok(['get', 'pods', '-n', ns, '-l', selector, '--field-selector=status.phase=Running', '-o', 'jsonpath={.items[0].metadata.name}'])).trim();
  }
}

export async function labUp(name: string): Promise<{ cluster: Cluster; stderr: string; seconds: number }> {
  const t0 = Date.now();
  const r = await runCmd([process.execPath, CLI, 'lab', 'up', '--name', name], { timeoutMs: 60 * 60_000 });
  if (r.code !== 0) throw new Error(`lab up failed (${r.code}):\n${r.stderr}`);
  return { cluster: new Cluster(name, r.stdout.trim()), stderr: r.stderr, seconds: (Date.now() - t0) / 1000 };
}

export async function labDown(name: string): Promise<Result> {
  return runCmd([process.execPath, CLI, 'lab', 'down', '--name', name], { timeoutMs: 120_000 });
}

/** The name of the cluster the test files share (started by the first that needs it, stopped by scripts/test.mjs). */
export const SHARED_CLUSTER = process.env.FALCOSHARK_TEST_CLUSTER ?? 'tests';

let shared: Promise<Cluster> | undefined;

/** The shared real cluster: `lab up --name tests` (idempotent; concurrent callers wait for one start). */
export function sharedCluster(): Promise<Cluster> {
  shared ??= labUp(SHARED_CLUSTER).then((r) => r.cluster);
  return shared;
}
