// The lab's network: a "node" namespace (the kubelet, containerd, the control plane and the
// pods' bridge live behind it) and an "internet" namespace holding the C2 host, joined by a
// veth pair. Nothing is added to the host's own namespace; deleting the two namespaces
// removes every interface, route and iptables rule the lab (and kube-proxy) made.
import { NET, type LabLayout } from './layout.js';
import { run } from './run.js';

const ip = (args: string[]): Promise<string> => run(['ip', ...args]);

export async function listNetns(): Promise<string[]> {
  const out = await ip(['netns', 'list']).catch(() => '');
  return out.split('\n').map((l) => l.split(' ')[0]).filter((n) => n.length > 0);
}

export async function netnsPids(ns: string): Promise<number[]> {
  const out = await ip(['netns', 'pids', ns]).catch(() => '');
  return out.split('\n').map((l) => Number(l.trim())).filter((n) => Number.isInteger(n) && n > 0);
}

async function sysctl(ns: string, kv: string): Promise<void> {
  await run(['ip', 'netns', 'exec', ns, 'sysctl', '-q', '-w', kv]);
}

export async function createNetwork(l: LabLayout): Promise<void> {
  await ip(['netns', 'add', l.nodeNetns]);
  await ip(['netns', 'add', l.inetNetns]);
  const n = ['-n', l.nodeNetns];
  const i = ['-n', l.inetNetns];
  await ip([...n, 'link', 'set', 'lo', 'up']);
  await ip([...i, 'link', 'set', 'lo', 'up']);
  // The node's address (the kubelet's InternalIP, the apiserver's advertise address): on the
  // namespace's loopback device (this kernel has no dummy interfaces), so it is local to the
  // node and reachable from every pod through the bridge.
  await ip([...n, 'addr', 'add', `${NET.nodeIp}/32`, 'dev', 'lo']);
  // node ↔ internet
  await ip([...n, 'link', 'add', 'inet0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', l.inetNetns]);
  await ip([...n, 'addr', 'add', `${NET.inetNodeSide}/24`, 'dev', 'inet0']);
  await ip([...n, 'link', 'set', 'inet0', 'up']);
  await ip([...i, 'addr', 'add', `${NET.c2Ip}/24`, 'dev', 'eth0']);
  await ip([...i, 'link', 'set', 'eth0', 'up']);
  await ip([...i, 'route', 'add', 'default', 'via', NET.inetNodeSide]);
  // Everything not in the cluster goes to the lab's internet (and ends there).
  await ip([...n, 'route', 'add', 'default', 'via', NET.c2Ip]);
  await sysctl(l.nodeNetns, 'net.ipv4.ip_forward=1');
  await sysctl(l.nodeNetns, 'net.bridge.bridge-nf-call-iptables=1');
  await sysctl(l.nodeNetns, 'net.bridge.bridge-nf-call-ip6tables=1');
}

function kill(pid: number): void {
  try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
}

/** Kills what runs in the lab's namespaces and deletes them; returns what was removed. */
export async function destroyNetwork(l: LabLayout): Promise<string[]> {
  const removed: string[] = [];
  const present = await listNetns();
  for (const ns of [l.nodeNetns, l.inetNetns]) {
    if (!present.includes(ns)) continue;
    for (let k = 0; k < 50; k++) {
      const pids = await netnsPids(ns);
      if (pids.length === 0) break;
      pids.forEach(kill);
      await new Promise((r) => setTimeout(r, 100));
    }
    await ip(['netns', 'del', ns]).catch(() => undefined);
    removed.push(`netns ${ns}`);
  }
  return removed;
}
