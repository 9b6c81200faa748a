// What the recorder runs on its node: one dumpcap on "any" in Linux cooked v2 (each packet
// carries the index of the interface it crossed), and the node's interfaces by index — from
// sysfs where the recorder runs in the node's network namespace (a hostNetwork pod), from
// `ip -j -d -n NS link` for a named network namespace (the CLI on a plain Linux host).
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { CaptureSource } from '../capture/captureSession.js';
import { startStreamingTool, runTool } from '../util/toolProcess.js';
import type { InterfaceName } from './flightRecorder.js';

const NETNS = /^[A-Za-z0-9_.-]{1,64}$/;

export interface NodeCaptureSpec {
  netns?: string;
  snapLen: number;
  /** dumpcap's kernel buffer (MiB): what absorbs a burst while we are busy. */
  bufferMiB: number;
  dumpcap?: string;
}

export function nodeCaptureArgv(spec: NodeCaptureSpec): string[] {
  const tool = [spec.dumpcap ?? 'dumpcap', '-i', 'any', '-y', 'LINUX_SLL2', '-s', String(spec.snapLen), '-B', String(spec.bufferMiB), '-q', '-w', '-'];
  if (spec.netns === undefined) return tool;
  if (!NETNS.test(spec.netns)) throw new Error(`${JSON.stringify(spec.netns.slice(0, 70))} is not a network namespace name`);
  return ['ip', 'netns', 'exec', spec.netns, ...tool];
}

export function startNodeCapture(spec: NodeCaptureSpec): CaptureSource {
  const tool = startStreamingTool(nodeCaptureArgv(spec), { stopSignal: 'SIGINT', killAfterMs: 3000 });
  return { stream: tool.stdout, stop: () => tool.stop(), done: tool.done.then((r) => ({ ok: r.ok, detail: r.detail })) };
}

/** The interfaces of this process's network namespace, from /sys/class/net. */
export async function sysfsInterfaces(root = '/sys/class/net'): Promise<Map<number, InterfaceName>> {
  const out = new Map<number, InterfaceName>();
  for (const name of await readdir(root)) {
    const ifindex = Number((await readFile(join(root, name, 'ifindex'), 'utf8').catch(() => '')).trim());
    if (!Number.isInteger(ifindex) || ifindex <= 0) continue;
    const bridge = await stat(join(root, name, 'bridge')).then(() => true, () => false);
    out.set(ifindex, { name, kind: bridge ? 'bridge' : name === 'lo' ? 'loopback' : 'other' });
  }
  return out;
}

/** The interfaces of a named network namespace (`ip -j -d -n NS link show`). */
export async function netnsInterfaces(netns: string): Promise<Map<number, InterfaceName>> {
  if (!NETNS.test(netns)) throw new Error(`${JSON.stringify(netns.slice(0, 70))} is not a network namespace name`);
  const r = await runTool('ip', ['-j', '-d', '-n', netns, 'link', 'show'], { timeoutMs: 10_000 });
  if (!r.ok) throw new Error(r.reason);
  const out = new Map<number, InterfaceName>();
  for (const l of JSON.parse(r.stdout) as { ifindex: number; ifname: string; link_type?: string; linkinfo?: { info_kind?: string } }[]) {
    out.set(l.ifindex, { name: l.ifname, kind: l.linkinfo?.info_kind === 'bridge' ? 'bridge' : l.link_type === 'loopback' ? 'loopback' : 'other' });
  }
  return out;
}
