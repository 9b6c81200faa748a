// One cgroup per lab in every cgroup v1 hierarchy (these machines run cgroup v1 with the
// cgroupfs driver): the lab's processes join `<cgroup>/lab`, and the kubelet's cgroupRoot is
// `<cgroup>`, so every pod lands under it too. Stopping the lab kills every process in that
// tree and removes it, whatever state a `kill -9` left it in.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const ROOT = '/sys/fs/cgroup';

/** The hierarchies mounted here: the v1 controllers and the cgroup2 tree at `unified`, where
 *  runc mirrors the containers' cgroups (cpu and cpuacct may be one folder or two links to one). */
export function hierarchies(): string[] {
  if (!existsSync(ROOT)) return [];
  return readdirSync(ROOT, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(ROOT, d.name, 'cgroup.procs')))
    .map((d) => join(ROOT, d.name));
}

export async function createCgroups(name: string): Promise<void> {
  for (const h of hierarchies()) {
    for (const dir of [join(h, name), join(h, name, 'lab')]) {
      await mkdir(dir, { recursive: true });
      if (h.endsWith('cpuset')) {
        // A cpuset cgroup takes no task until it has cpus and mems.
        const parent = join(dir, '..');
        for (const f of ['cpuset.cpus', 'cpuset.mems']) await writeFile(join(dir, f), readFileSync(join(parent, f), 'utf8').trim() || '0');
      }
    }
  }
}

/** Moves `pid` into `<name>/lab` of every hierarchy. */
export async function joinCgroups(name: string, pid: number): Promise<void> {
  for (const h of hierarchies()) await writeFile(join(h, name, 'lab', 'cgroup.procs'), String(pid));
}

function walk(dir: string, out: string[]): void {
  out.push(dir);
  for (const d of readdirSync(dir, { withFileTypes: true })) if (d.isDirectory()) walk(join(dir, d.name), out);
}

export function cgroupPids(name: string): number[] {
  const pids = new Set<number>();
  for (const h of hierarchies()) {
    const top = join(h, name);
    if (!existsSync(top)) continue;
    const dirs: string[] = [];
    try { walk(top, dirs); } catch { continue; }
    for (const d of dirs) {
      try {
        for (const l of readFileSync(join(d, 'cgroup.procs'), 'utf8').split('\n')) { const n = Number(l); if (n > 0) pids.add(n); }
      } catch { /* removed meanwhile */ }
    }
  }
  return [...pids];
}

/** Kills every process of the lab's cgroups (freezing them first so none forks away), then removes the cgroups. */
export async function destroyCgroups(name: string): Promise<string[]> {
  const removed: string[] = [];
  const freezer = join(ROOT, 'freezer', name);
  if (existsSync(freezer)) await writeFile(join(freezer, 'freezer.state'), 'FROZEN').catch(() => undefined);
  for (let i = 0; i < 100; i++) {
    const pids = cgroupPids(name);
    if (pids.length === 0) break;
    for (const p of pids) { try { process.kill(p, 'SIGKILL'); } catch { /* gone */ } }
    if (existsSync(freezer)) await writeFile(join(freezer, 'freezer.state'), 'THAWED').catch(() => undefined);
    await new Promise((r) => setTimeout(r, 100));
  }
  for (const h of hierarchies()) {
    const top = join(h, name);
    if (!existsSync(top)) continue;
    const dirs: string[] = [];
    try { walk(top, dirs); } catch { continue; }
    for (const d of dirs.reverse()) await rmdir(d).catch(() => undefined);
    if (!existsSync(top)) removed.push(`cgroup ${top}`);
  }
  return removed;
}
