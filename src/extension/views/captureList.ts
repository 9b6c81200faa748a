// The captures in the capture folder, each with what its sidecar says (alert, target, outcome).
// Pure node, no `vscode` (capturesTree.ts renders it).
import { readdir, stat, open } from 'node:fs/promises';
import { join } from 'node:path';
import { sidecarPathFor } from '../../core/annotate/annotateSummary.js';

export interface CaptureInfo {
  file: string;
  name: string;
  size: number;
  /** Epoch ms: the plan's creation time, else the file's modification time. */
  time: number;
  rule?: string;
  priority?: string | null;
  target?: string;
  outcome?: string;
  /** Started by the capture policy (falcoshark.autoCapture, falcoshark serve): sidecar "automatic": true. */
  automatic?: boolean;
  /** The sidecar could not be read (broken JSON, too large). */
  sidecarProblem?: string;
}

const CAPTURE = /\.(pcapng|pcap|cap)$/i;
const MAX_SIDECAR = 64 * 1024 * 1024;

interface SidecarHead {
  kind?: unknown;
  automatic?: unknown;
  record?: { outcome?: unknown };
  plan?: { createdAt?: unknown; target?: { kind?: unknown; namespace?: unknown; pod?: unknown; netns?: unknown; iface?: unknown }; alert?: { rule?: unknown; priority?: unknown } };
}

async function readSmall(path: string): Promise<string | undefined> {
  let fh;
  try { fh = await open(path, 'r'); } catch { return undefined; }
  try {
    const st = await fh.stat();
    if (st.size > MAX_SIDECAR) throw new Error(`sidecar is ${st.size} bytes`);
    return await fh.readFile('utf8');
  } finally { await fh.close(); }
}

const s = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export function describeTarget(t: NonNullable<SidecarHead['plan']>['target']): string | undefined {
  if (!t) return undefined;
  if (t.kind === 'pod') return `${s(t.namespace) ?? '?'}/${s(t.pod) ?? '?'}`;
  if (t.kind === 'local') return `${s(t.netns) ?? 'host'}:${s(t.iface) ?? 'any'}`;
  return undefined;
}

export async function captureInfo(file: string, name: string): Promise<CaptureInfo | undefined> {
  let st;
  try { st = await stat(file); } catch { return undefined; }
  if (!st.isFile()) return undefined;
  const info: CaptureInfo = { file, name, size: st.size, time: st.mtimeMs };
  try {
    const text = await readSmall(sidecarPathFor(file));
    if (text !== undefined) {
      const v = JSON.parse(text) as SidecarHead;
      if (v.kind !== 'falcoshark-capture') throw new Error('not a falcoshark sidecar');
      const created = Date.parse(s(v.plan?.createdAt) ?? '');
      if (Number.isFinite(created)) info.time = created;
      const rule = s(v.plan?.alert?.rule);
      if (rule !== undefined) info.rule = rule;
      const pr = v.plan?.alert?.priority;
      if (typeof pr === 'string' || pr === null) info.priority = pr;
      const target = describeTarget(v.plan?.target);
      if (target) info.target = target;
      const outcome = s(v.record?.outcome);
      if (outcome) info.outcome = outcome;
      if (v.automatic === true) info.automatic = true;
    }
  } catch (e) {
    info.sidecarProblem = (e as Error).message;
  }
  return info;
}

/** Captures in `dir` (not recursive), newest first; [] when the folder does not exist. */
export async function listCaptures(dir: string): Promise<CaptureInfo[]> {
  let names: string[];
  try { names = await readdir(dir); } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const infos = await Promise.all(names.filter((n) => CAPTURE.test(n)).map((n) => captureInfo(join(dir, n), n)));
  return infos.filter((x): x is CaptureInfo => x !== undefined).sort((a, b) => b.time - a.time);
}

export function humanSize(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}
