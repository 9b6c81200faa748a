// `falcoshark lab up|down|status`: a real single-node Kubernetes on this machine, built from
// upstream sources and Debian packages, with the demo on it (src/lab/cluster, src/lab/README.md).
// `up` builds what the cache lacks (minutes the first time, shown step by step), starts the
// cluster in the background and prints the kubeconfig path.
import { UsageError, type CliCommand } from './command.js';

function opt(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  if (i < 0) return undefined;
  const v = argv[i + 1];
  if (v === undefined || v.startsWith('--')) throw new UsageError(`${name} needs a value`);
  return v;
}

async function labName(argv: string[]): Promise<string> {
  const { LAB_NAME_RE } = await import('../lab/cluster/layout.js');
  const name = opt(argv, '--name') ?? 'demo';
  if (!LAB_NAME_RE.test(name)) throw new UsageError(`invalid lab name '${name}': 1-20 of [a-z0-9-], starting and ending alphanumeric`);
  return name;
}

const NEEDS_ROOT = 'falcoshark lab needs root: it runs a kubelet, containerd and network namespaces. Run it as root, e.g. `sudo falcoshark lab up`.\n';

async function up(argv: string[]): Promise<number> {
  const name = await labName(argv);
  if (process.getuid?.() !== 0) { process.stderr.write(NEEDS_ROOT); return 1; }
  const { labUp, LabError } = await import('../lab/cluster/cluster.js');
  const t0 = Date.now();
  const log = (l: string): void => { process.stderr.write(`[lab ${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${l}\n`); };
  try {
    const r = await labUp(name, log);
    if (r.alreadyRunning) process.stderr.write(`lab '${name}' is already running (${r.server})\n`);
    else process.stderr.write(`lab '${name}' is up: ${r.server}\nexport KUBECONFIG=${r.kubeconfig}\n`);
    process.stdout.write(`${r.kubeconfig}\n`);
    return 0;
  } catch (e) {
    process.stderr.write(`falcoshark lab: ${e instanceof LabError || e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}

async function down(argv: string[]): Promise<number> {
  const name = await labName(argv);
  if (process.getuid?.() !== 0) { process.stderr.write(NEEDS_ROOT); return 1; }
  const { labDown } = await import('../lab/cluster/cluster.js');
  const t0 = Date.now();
  const removed = await labDown(name);
  process.stdout.write(removed.length ? `lab '${name}' is down in ${((Date.now() - t0) / 1000).toFixed(1)} s (removed: ${removed.join(', ')})\n` : `no lab '${name}'\n`);
  return 0;
}

async function status(argv: string[]): Promise<number> {
  const only = argv.includes('--name') ? await labName(argv) : undefined;
  const { labStatus } = await import('../lab/cluster/cluster.js');
  const list = (await labStatus()).filter((s) => !only || s.name === only);
  if (list.length === 0) { process.stdout.write(only ? `no lab '${only}'\n` : 'no labs\n'); return only ? 1 : 0; }
  for (const s of list) {
    process.stdout.write(s.running
      ? `${s.name}\trunning\t${s.server}\tKUBECONFIG=${s.kubeconfig}\n`
      : `${s.name}\tnot running\tleftovers: ${s.leftovers.join(', ') || 'none'} (remove with: falcoshark lab down --name ${s.name})\n`);
  }
  return 0;
}

export const labCommand: CliCommand = {
  name: 'lab',
  usage: 'lab up|down|status [--name N]',
  summary: 'a real single-node Kubernetes built on this machine, with the demo and Falco alerts (needs root)',
  async run(argv) {
    const [sub, ...rest] = argv;
    switch (sub) {
      case 'up': return up(rest);
      case 'down': return down(rest);
      case 'status': return status(rest);
      default:
        process.stderr.write(`usage: falcoshark ${this.usage}\n  up      build what is missing, start in the background, print the kubeconfig path\n  down    stop and remove everything it created\n  status  list labs and leftovers\n`);
        return 2;
    }
  },
};
