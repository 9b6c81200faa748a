// `falcoshark lab up|down|status`: a local Kubernetes API server whose pods are network
// namespaces (see src/lab/). `up` starts it in the background and prints the kubeconfig path.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError, type CliCommand } from './command.js';
import { LAB_NAME_RE, STATE_ROOT, cleanupLab, listNetns, netnsPrefix, stateDir } from '../lab/netns.js';

interface LabInfo { name: string; pid: number; server: string; kubeconfig: string; startedAt: string }

const NEEDS_ROOT = 'falcoshark lab needs root: its pods are Linux network namespaces (ip netns, veth pairs, a bridge). Run it as root, e.g. `sudo falcoshark lab up`.\n';

function opt(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  if (i < 0) return undefined;
  const v = argv[i + 1];
  if (v === undefined || v.startsWith('--')) throw new UsageError(`${name} needs a value`);
  return v;
}

function labName(argv: string[]): string {
  const name = opt(argv, '--name') ?? 'demo';
  if (!LAB_NAME_RE.test(name)) throw new UsageError(`invalid lab name '${name}': 1-20 of [a-z0-9-], starting and ending alphanumeric`);
  return name;
}

function readInfo(name: string): LabInfo | undefined {
  try {
    return JSON.parse(readFileSync(join(stateDir(name), 'lab.json'), 'utf8')) as LabInfo;
  } catch {
    return undefined;
  }
}

function running(pid: number, name: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`FALCOSHARK_LAB_NAME=${name}`);
  } catch {
    return false;
  }
}

/** argv that runs the lab process: dist/lab.js next to dist/cli.js, or src/lab/main.ts under tsx. */
function labEntry(): string[] {
  const bundled = join(__dirname, 'lab.js');
  if (existsSync(bundled)) return [bundled];
  const src = join(__dirname, '..', 'lab', 'main.ts');
  if (existsSync(src)) return ['--import', 'tsx', src];
  throw new Error('cannot find the lab program (dist/lab.js): run `npm run build`');
}

async function up(argv: string[]): Promise<number> {
  const name = labName(argv);
  if (process.getuid?.() !== 0) { process.stderr.write(NEEDS_ROOT); return 1; }
  const info = readInfo(name);
  if (info && running(info.pid, name)) {
    process.stdout.write(`lab '${name}' is already running (pid ${info.pid}, ${info.server})\n${info.kubeconfig}\n`);
    return 0;
  }
  const args = [...labEntry(), 'run', '--name', name];
  const kubeconfig = opt(argv, '--kubeconfig');
  if (kubeconfig) args.push('--kubeconfig', kubeconfig);
  for (const f of ['--beacon-every', '--traffic-every']) { const v = opt(argv, f); if (v) args.push(f, v); }
  if (argv.includes('--no-scenario')) args.push('--no-scenario');
  mkdirSync(STATE_ROOT, { recursive: true });
  const logPath = join(STATE_ROOT, `${name}.log`);
  const log = openSync(logPath, 'w');
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', log, log], env: { ...process.env, FALCOSHARK_LAB_NAME: name } });
  child.unref();
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const now = readInfo(name);
    if (now && now.pid === child.pid) {
      process.stderr.write(`lab '${name}' is up: ${now.server} (pid ${now.pid}, log ${logPath})\nexport KUBECONFIG=${now.kubeconfig}\n`);
      process.stdout.write(`${now.kubeconfig}\n`);
      return 0;
    }
    if (child.exitCode !== null || !running(child.pid ?? -1, name)) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  process.stderr.write(`falcoshark lab: '${name}' did not start; its log (${logPath}):\n${readFileSync(logPath, 'utf8')}`);
  return 1;
}

async function down(argv: string[]): Promise<number> {
  const name = labName(argv);
  if (process.getuid?.() !== 0) { process.stderr.write(NEEDS_ROOT); return 1; }
  const info = readInfo(name);
  if (info && running(info.pid, name)) {
    process.kill(info.pid, 'SIGTERM');
    const end = Date.now() + 10_000;
    while (Date.now() < end && running(info.pid, name)) await new Promise((r) => setTimeout(r, 100));
  }
  const removed = await cleanupLab(name);
  rmSync(join(STATE_ROOT, `${name}.log`), { force: true });
  process.stdout.write(info || removed.length ? `lab '${name}' is down${removed.length ? ` (removed leftovers: ${removed.join(', ')})` : ''}\n` : `no lab '${name}'\n`);
  return 0;
}

async function status(argv: string[]): Promise<number> {
  const only = argv.includes('--name') ? labName(argv) : undefined;
  const names = new Set<string>(existsSync(STATE_ROOT) ? readdirSync(STATE_ROOT, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name) : []);
  const netns = await listNetns();
  for (const n of netns) { const m = /^fsl-([a-z0-9-]+)_/.exec(n); if (m) names.add(m[1]); }
  const list = [...names].filter((n) => !only || n === only).sort();
  if (list.length === 0) { process.stdout.write(only ? `no lab '${only}'\n` : 'no labs\n'); return only ? 1 : 0; }
  for (const n of list) {
    const info = readInfo(n);
    const count = netns.filter((x) => x.startsWith(netnsPrefix(n))).length;
    const up = info !== undefined && running(info.pid, n);
    process.stdout.write(up
      ? `${n}\trunning\tpid ${info.pid}\t${info.server}\t${count} netns\tKUBECONFIG=${info.kubeconfig}\n`
      : `${n}\tnot running\t${count} leftover netns (remove with: falcoshark lab down --name ${n})\n`);
  }
  return 0;
}

export const labCommand: CliCommand = {
  name: 'lab',
  usage: 'lab up|down|status [--name N] [--kubeconfig FILE]',
  summary: 'local Kubernetes API whose pods are network namespaces (demo with Falco alerts; needs root)',
  async run(argv) {
    const [sub, ...rest] = argv;
    switch (sub) {
      case 'up': return up(rest);
      case 'down': return down(rest);
      case 'status': return status(rest);
      default:
        process.stderr.write(`usage: falcoshark ${this.usage}\n  up      start in the background, print the kubeconfig path\n  down    stop and remove everything it created\n  status  list labs and leftovers\n`);
        return 2;
    }
  },
};
