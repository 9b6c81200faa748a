// Network namespaces for one lab. Everything lives behind one "node" namespace holding a
// bridge; pods, the DNS server and the fake external C2 host are namespaces whose veth
// peers sit on that bridge. Nothing is added to the host's own namespace, so labs are
// isolated from the host and from each other (the same addresses can be reused per lab).
//
// Addresses: pods 10.244.0.0/24, ClusterIPs 10.96.0.0/24 (a single-backend service's IP is
// added to its backend pod's eth0 as an extra /32: no DNAT needed), "outside" 203.0.113.0/24
// (TEST-NET-3). Pods get an on-link default route, so every destination is resolved by ARP
// on the lab bridge and nothing is ever routed out.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { appendFile, mkdir, readFile, readdir, rm, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const STATE_ROOT = process.env.FALCOSHARK_LAB_STATE ?? '/run/falcoshark-lab';
export const LAB_NAME_RE = /^[a-z0-9]([a-z0-9-]{0,18}[a-z0-9])?$/;

export function stateDir(lab: string): string {
  return join(STATE_ROOT, lab);
}

/** Prefix of every netns of a lab; '_' never occurs in lab names, so prefixes don't overlap. */
export function netnsPrefix(lab: string): string {
  return `fsl-${lab}_`;
}

export async function ip(args: string[]): Promise<string> {
  try {
    const { stdout } = await run('ip', args, { maxBuffer: 4 * 1024 * 1024 });
    return stdout;
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`ip ${args.join(' ')}: ${(err.stderr ?? err.message).trim()}`);
  }
}

export async function listNetns(): Promise<string[]> {
  const out = await ip(['netns', 'list']).catch(() => '');
  return out.split('\n').map((l) => l.split(' ')[0]).filter((n) => n.length > 0);
}

async function netnsPids(ns: string): Promise<number[]> {
  const out = await ip(['netns', 'pids', ns]).catch(() => '');
  return out.split('\n').map((l) => Number(l.trim())).filter((n) => Number.isInteger(n) && n > 0);
}

function kill(pid: number, sig: NodeJS.Signals): void {
  try { process.kill(pid, sig); } catch { /* already gone */ }
}

/** Kills every process in a namespace, then deletes it. */
export async function destroyNetns(ns: string): Promise<void> {
  for (let i = 0; i < 20; i++) {
    const pids = await netnsPids(ns);
    if (pids.length === 0) break;
    for (const p of pids) kill(p, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 50));
  }
  await ip(['netns', 'del', ns]).catch(() => undefined);
  await rm(join(ETC_NETNS, ns), { recursive: true, force: true });
}

/** `ip netns exec NS` bind-mounts /etc/netns/NS/* over /etc/*: the pods' resolv.conf and hosts. */
export const ETC_NETNS = '/etc/netns';

/**
 * Removes everything a lab named `lab` created: its lab process (if a previous one is
 * still alive or crashed), every netns with its prefix (killing their processes), and its
 * state dir. Safe to call when nothing is left.
 */
export async function cleanupLab(lab: string, opts: { keepStateDir?: boolean; exceptPid?: number } = {}): Promise<string[]> {
  const removed: string[] = [];
  const dir = stateDir(lab);
  const pidText = await readFile(join(dir, 'lab.pid'), 'utf8').catch(() => '');
  const pid = Number(pidText.trim());
  if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && pid !== opts.exceptPid && isLabProcess(pid, lab)) {
    kill(pid, 'SIGKILL');
    removed.push(`process ${pid}`);
  }
  const tracked = (await readFile(join(dir, 'netns.list'), 'utf8').catch(() => '')).split('\n').filter((l) => l);
  const prefix = netnsPrefix(lab);
  const etc = await readdir(ETC_NETNS).catch(() => [] as string[]);
  const all = new Set([...tracked, ...(await listNetns()).filter((n) => n.startsWith(prefix)), ...etc.filter((n) => n.startsWith(prefix))]);
  // Pods first, the node namespace (bridge) last.
  const order = [...all].sort((a, b) => Number(a.endsWith('_node')) - Number(b.endsWith('_node')));
  for (const ns of order) {
    if (!(await listNetns()).includes(ns)) { await rm(join(ETC_NETNS, ns), { recursive: true, force: true }); continue; }
    await destroyNetns(ns);
    removed.push(`netns ${ns}`);
  }
  await rmdir(ETC_NETNS).catch(() => undefined); // only when empty (other labs may use it)
  if (!opts.keepStateDir) await rm(dir, { recursive: true, force: true });
  return removed;
}

/** True when /proc/PID/environ or cmdline marks it as the lab process of this name. */
function isLabProcess(pid: number, lab: string): boolean {
  try {
    const env = readFileSync(`/proc/${pid}/environ`, 'utf8');
    return env.split('\0').includes(`FALCOSHARK_LAB_NAME=${lab}`);
  } catch {
    return false;
  }
}

export interface NetnsHandle { name: string; ip: string }

export class LabNetwork {
  readonly node: string;
  private next = 0;

  constructor(readonly lab: string) {
    this.node = `${netnsPrefix(lab)}node`;
  }

  private async track(ns: string): Promise<void> {
    await mkdir(stateDir(this.lab), { recursive: true });
    await appendFile(join(stateDir(this.lab), 'netns.list'), `${ns}\n`);
  }

  async setup(): Promise<void> {
    await this.track(this.node);
    await ip(['netns', 'add', this.node]);
    await ip(['-n', this.node, 'link', 'set', 'lo', 'up']);
    await ip(['-n', this.node, 'link', 'add', 'br0', 'type', 'bridge']);
    await ip(['-n', this.node, 'link', 'set', 'br0', 'up']);
  }

  /** Creates a namespace wired to the bridge with `addr` (CIDR) on its eth0. */
  async addHost(suffix: string, addrCidr: string): Promise<string> {
    const ns = `${netnsPrefix(this.lab)}${suffix}`;
    const veth = `v${++this.next}`;
    await this.track(ns);
    await ip(['netns', 'add', ns]);
    await ip(['-n', this.node, 'link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
    await ip(['-n', this.node, 'link', 'set', veth, 'master', 'br0', 'up']);
    await ip(['-n', ns, 'link', 'set', 'lo', 'up']);
    await ip(['-n', ns, 'addr', 'add', addrCidr, 'dev', 'eth0']);
    await ip(['-n', ns, 'link', 'set', 'eth0', 'up']);
    await ip(['-n', ns, 'route', 'add', 'default', 'dev', 'eth0']);
    return ns;
  }

  /** Files the namespace sees in place of /etc/<file> under `ip netns exec` (resolv.conf, hosts). */
  async etcFiles(ns: string, files: Record<string, string>): Promise<void> {
    const dir = join(ETC_NETNS, ns);
    await mkdir(dir, { recursive: true });
    for (const [f, text] of Object.entries(files)) await writeFile(join(dir, f), text);
  }

  async addAddress(ns: string, addrCidr: string): Promise<void> {
    await ip(['-n', ns, 'addr', 'add', addrCidr, 'dev', 'eth0']);
  }

  async remove(ns: string): Promise<void> {
    await destroyNetns(ns);
  }
}
