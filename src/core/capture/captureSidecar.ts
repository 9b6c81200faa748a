// The capture sidecar `<id>.falcoshark.json`, beside `<id>.pcapng`: the one owner of its type,
// of writing it (once, by the capture session when the capture has ended), of reading it
// (checked: it is a file on disk, possibly downloaded from a `falcoshark serve`) and of listing
// the captures of a folder. Used by the capture session, the automation's disk budget, the
// serve API, the extension's Captures view, the analyzer and the annotator.
import { open, readdir, stat, writeFile, rename } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { FalcoAlert } from '../alerts/types.js';
import type { ClusterSnapshot } from '../../shared/clusterSnapshot.js';
import type { CapturePlan } from './capturePlan.js';
import type { CaptureRecord } from './captureSession.js';
import { POD_OUTCOMES, type WorkloadPodRecord } from './workloadSession.js';
import { CodedError } from '../util/problem.js';

export const SIDECAR_KIND = 'falcoshark-capture';
/** Version 1: the layout since the first release (`automatic` absent means false). */
export const SIDECAR_VERSION = 1;
export const SIDECAR_SUFFIX = '.falcoshark.json';
const CAPTURE_FILE = /\.(pcapng|pcap|cap)$/i;
const MAX_SIDECAR_BYTES = 64 * 1024 * 1024;

export interface CaptureSidecar {
  schemaVersion: typeof SIDECAR_VERSION;
  kind: typeof SIDECAR_KIND;
  /** Started by the capture policy (`falcoshark serve`, falcoshark.autoCapture), not by a person. */
  automatic: boolean;
  /** How the capture went (outcome, counts, times). */
  record: CaptureRecord;
  plan: CapturePlan;
  /** The alert the capture was made for, as parsed. */
  alert?: FalcoAlert;
  /** Pod/service/workload/node by IP when the capture started (pod captures). */
  snapshot?: ClusterSnapshot;
  /** The container the capture tool ran in (pod captures). */
  captureContainer?: string;
  /** Workload captures (plan target kind 'workload'): every pod, with its outcome and reason,
   *  its packets in the file and its interfaces (absent for other captures). */
  pods?: WorkloadPodRecord[];
}

export class SidecarError extends CodedError {
  override readonly name = 'SidecarError';
  readonly code = 'sidecar';
  constructor(readonly file: string, reason: string) {
    super(`${file}: ${reason}`);
  }
}

/** `<dir>/<id>.falcoshark.json` for `<dir>/<id>.pcapng` (or .pcap, .cap). */
export function sidecarPathFor(captureFile: string): string {
  return `${captureFile.replace(CAPTURE_FILE, '')}${SIDECAR_SUFFIX}`;
}

export function sidecarOf(parts: Omit<CaptureSidecar, 'schemaVersion' | 'kind' | 'automatic'>): CaptureSidecar {
  return { schemaVersion: SIDECAR_VERSION, kind: SIDECAR_KIND, automatic: parts.plan.automatic === true, ...parts };
}

/** Writes the sidecar (whole, then renamed into place: a reader never sees half of it). */
export async function writeSidecar(path: string, sidecar: CaptureSidecar): Promise<void> {
  const part = `${path}.part`;
  await writeFile(part, JSON.stringify(sidecar, null, 2));
  await rename(part, path);
}

// ---- checking what a file says -------------------------------------------------------------

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Narrows `unknown` field by field; the first wrong field ends the check with its path. */
class Check {
  constructor(private readonly file: string) {}
  fail(path: string, want: string, v: unknown): never {
    const got = v === undefined ? 'missing' : JSON.stringify(v)?.slice(0, 60) ?? typeof v;
    throw new SidecarError(this.file, `${path} must be ${want} (is ${got})`);
  }
  obj(v: unknown, path: string): Obj { return isObj(v) ? v : this.fail(path, 'an object', v); }
  str(v: unknown, path: string): string { return typeof v === 'string' ? v : this.fail(path, 'a string', v); }
  optStr(v: unknown, path: string): void { if (v !== undefined) this.str(v, path); }
  strOrNull(v: unknown, path: string): void { if (v !== null) this.str(v, path); }
  count(v: unknown, path: string): number {
    return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : this.fail(path, 'a whole number ≥ 0', v);
  }
  oneOf<T extends string>(v: unknown, path: string, values: readonly T[]): T {
    return typeof v === 'string' && (values as readonly string[]).includes(v) ? (v as T) : this.fail(path, `one of ${values.join(', ')}`, v);
  }
  strings(v: unknown, path: string): void {
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) this.fail(path, 'a list of strings', v);
  }
}

const OUTCOMES = ['complete', 'cap-reached', 'cancelled', 'partial', 'failed'] as const;

function checkPlan(c: Check, v: unknown): void {
  const p = c.obj(v, 'plan');
  c.str(p.id, 'plan.id');
  c.str(p.createdAt, 'plan.createdAt');
  const t = c.obj(p.target, 'plan.target');
  const kind = c.oneOf(t.kind, 'plan.target.kind', ['pod', 'local', 'workload']);
  if (kind === 'pod') {
    c.str(t.namespace, 'plan.target.namespace');
    c.str(t.pod, 'plan.target.pod');
    for (const k of ['container', 'node', 'context']) c.optStr(t[k], `plan.target.${k}`);
  } else if (kind === 'workload') {
    c.str(t.namespace, 'plan.target.namespace');
    c.str(t.selector, 'plan.target.selector');
    for (const k of ['service', 'container', 'context']) c.optStr(t[k], `plan.target.${k}`);
    if (t.owner !== undefined) {
      const o = c.obj(t.owner, 'plan.target.owner');
      c.str(o.kind, 'plan.target.owner.kind');
      c.str(o.name, 'plan.target.owner.name');
    }
  } else {
    c.str(t.iface, 'plan.target.iface');
    c.optStr(t.netns, 'plan.target.netns');
  }
  c.oneOf(p.method, 'plan.method', ['ephemeral', 'exec', 'local', 'recorder']);
  c.oneOf(p.tool, 'plan.tool', ['tshark', 'tcpdump', 'dumpcap']);
  const f = c.obj(p.filter, 'plan.filter');
  for (const k of ['bpf', 'display', 'description']) c.str(f[k], `plan.filter.${k}`);
  if (p.flow !== undefined) {
    const flow = c.obj(p.flow, 'plan.flow');
    c.optStr(flow.protocol, 'plan.flow.protocol');
    for (const side of ['client', 'server']) {
      if (flow[side] === undefined) continue;
      const e = c.obj(flow[side], `plan.flow.${side}`);
      c.str(e.ip, `plan.flow.${side}.ip`);
      if (e.port !== undefined) c.count(e.port, `plan.flow.${side}.port`);
    }
  }
  const caps = c.obj(p.caps, 'plan.caps');
  for (const k of ['durationSeconds', 'maxPackets', 'maxBytes', 'snapLen']) c.count(caps[k], `plan.caps.${k}`);
  if (p.alert !== undefined) {
    const a = c.obj(p.alert, 'plan.alert');
    c.str(a.rule, 'plan.alert.rule');
    c.str(a.output, 'plan.alert.output');
    for (const k of ['priority', 'time', 'node']) c.strOrNull(a[k] ?? null, `plan.alert.${k}`);
  }
  c.strings(p.notes ?? [], 'plan.notes');
  if (p.automatic !== undefined && typeof p.automatic !== 'boolean') c.fail('plan.automatic', 'true or false', p.automatic);
  if (p.recorded !== undefined) {
    const w = c.obj(p.recorded, 'plan.recorded');
    for (const k of ['recorder', 'alertTime', 'from', 'to']) c.str(w[k], `plan.recorded.${k}`);
    for (const k of ['beforeSeconds', 'afterSeconds']) c.count(w[k], `plan.recorded.${k}`);
    c.optStr(w.heldFrom, 'plan.recorded.heldFrom');
  }
}

function checkRecord(c: Check, v: unknown): void {
  const r = c.obj(v, 'record');
  c.str(r.id, 'record.id');
  c.oneOf(r.outcome, 'record.outcome', OUTCOMES);
  c.str(r.reason, 'record.reason');
  for (const k of ['packets', 'alertedPackets', 'bytes']) c.count(r[k], `record.${k}`);
  for (const k of ['startedAt', 'endedAt']) c.str(r[k], `record.${k}`);
}

function checkPods(c: Check, v: unknown): void {
  if (!Array.isArray(v)) c.fail('pods', 'a list', v);
  (v as unknown[]).forEach((x, i) => {
    const at = `pods[${i}]`;
    const p = c.obj(x, at);
    for (const k of ['namespace', 'pod', 'reason']) c.str(p[k], `${at}.${k}`);
    c.oneOf(p.outcome, `${at}.outcome`, POD_OUTCOMES);
    c.oneOf(p.joined, `${at}.joined`, ['start', 'during']);
    for (const k of ['packets', 'bytes', 'alertedPackets', 'overSharePackets']) c.count(p[k], `${at}.${k}`);
    c.strings(p.ips, `${at}.ips`);
    c.strings(p.interfaces, `${at}.interfaces`);
    for (const k of ['uid', 'node', 'container', 'startedAt', 'endedAt', 'firstPacket', 'lastPacket']) c.optStr(p[k], `${at}.${k}`);
  });
}

function checkSnapshot(c: Check, v: unknown): void {
  const s = c.obj(v, 'snapshot');
  c.str(s.takenAt, 'snapshot.takenAt');
  const ips = c.obj(s.ips, 'snapshot.ips');
  for (const [ip, owner] of Object.entries(ips)) {
    const o = c.obj(owner, `snapshot.ips[${ip}]`);
    c.oneOf(o.kind, `snapshot.ips[${ip}].kind`, ['pod', 'service', 'node']);
    c.str(o.name, `snapshot.ips[${ip}].name`);
  }
  c.strings(s.gaps, 'snapshot.gaps');
}

/** Checks a parsed sidecar; throws SidecarError naming the first wrong field. */
export function checkSidecar(v: unknown, file = 'sidecar'): CaptureSidecar {
  const c = new Check(file);
  const o = c.obj(v, 'the sidecar');
  if (o.kind !== SIDECAR_KIND) throw new SidecarError(file, `not a falcoshark capture sidecar (kind ${JSON.stringify(o.kind)?.slice(0, 40) ?? 'missing'})`);
  if (o.schemaVersion !== SIDECAR_VERSION) {
    throw new SidecarError(file, typeof o.schemaVersion === 'number' && o.schemaVersion > SIDECAR_VERSION
      ? `schemaVersion ${o.schemaVersion} is newer than this falcoshark reads (${SIDECAR_VERSION}): update falcoshark`
      : `schemaVersion must be ${SIDECAR_VERSION} (is ${JSON.stringify(o.schemaVersion) ?? 'missing'})`);
  }
  if (o.automatic !== undefined && typeof o.automatic !== 'boolean') c.fail('automatic', 'true or false', o.automatic);
  checkPlan(c, o.plan);
  checkRecord(c, o.record);
  if (o.alert !== undefined) {
    const a = c.obj(o.alert, 'alert');
    c.str(a.rule, 'alert.rule');
    for (const k of ['namespace', 'pod']) c.strOrNull(a[k] ?? null, `alert.${k}`);
  }
  if (o.snapshot !== undefined) checkSnapshot(c, o.snapshot);
  c.optStr(o.captureContainer, 'captureContainer');
  if (o.pods !== undefined) checkPods(c, o.pods);
  return { ...(o as unknown as CaptureSidecar), automatic: o.automatic === true };
}

/** Reads and checks a sidecar file. Throws SidecarError (or the file system's error). */
export async function readSidecarFile(path: string): Promise<CaptureSidecar> {
  const fh = await open(path, 'r');
  let text: string;
  try {
    const { size } = await fh.stat();
    if (size > MAX_SIDECAR_BYTES) throw new SidecarError(path, `${size} bytes is more than a sidecar holds (${MAX_SIDECAR_BYTES})`);
    text = await fh.readFile('utf8');
  } finally {
    await fh.close();
  }
  let v: unknown;
  try { v = JSON.parse(text); } catch (e) { throw new SidecarError(path, `not JSON: ${(e as Error).message}`); }
  return checkSidecar(v, path);
}

/** The sidecar of a capture file; undefined when it has none. Throws on a malformed one. */
export async function readSidecar(captureFile: string): Promise<CaptureSidecar | undefined> {
  try {
    return await readSidecarFile(sidecarPathFor(captureFile));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

// ---- listing --------------------------------------------------------------------------------

/** One capture of a folder: its capture file and/or its sidecar. */
export interface StoredCapture {
  /** The file name without `.pcapng`/`.pcap`/`.cap` or `.falcoshark.json`. */
  id: string;
  /** The capture file (absent when only its sidecar is left). */
  file?: string;
  /** Bytes of the capture file. */
  size: number;
  /** Bytes of the capture file and its sidecar together (what the disk budget counts). */
  bytes: number;
  /** Epoch ms: the plan's creation time, else the capture file's modification time. */
  time: number;
  sidecarFile?: string;
  sidecar?: CaptureSidecar;
  /** Why the sidecar could not be read (it is then not counted as one of ours). */
  sidecarProblem?: string;
  /** Every file of the capture (removed together). */
  files: string[];
}

/** The capture of one capture file (with its sidecar, if any); undefined when the file is gone. */
export async function readStoredCapture(file: string): Promise<StoredCapture | undefined> {
  const st = await stat(file).catch(() => undefined);
  if (!st?.isFile()) return undefined;
  return withSidecar({ id: basename(file).replace(CAPTURE_FILE, ''), file, size: st.size, bytes: st.size, time: st.mtimeMs, files: [file] }, sidecarPathFor(file));
}

async function withSidecar(c: StoredCapture, sidecarFile: string): Promise<StoredCapture> {
  const st = await stat(sidecarFile).catch(() => undefined);
  if (!st?.isFile()) return c;
  const out: StoredCapture = { ...c, sidecarFile, bytes: c.bytes + st.size, files: [...c.files, sidecarFile] };
  try {
    out.sidecar = await readSidecarFile(sidecarFile);
    const created = Date.parse(out.sidecar.plan.createdAt);
    if (Number.isFinite(created)) out.time = created;
  } catch (e) {
    out.sidecarProblem = e instanceof SidecarError ? e.message.slice(sidecarFile.length + 2) : (e as Error).message;
  }
  return out;
}

/** The captures in `dir` (not recursive), newest first: every capture file, and every sidecar
 *  whose capture file is gone. [] when the folder does not exist. */
export async function listCaptures(dir: string): Promise<StoredCapture[]> {
  let names: string[];
  try { names = await readdir(dir); } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const files = names.filter((n) => CAPTURE_FILE.test(n));
  const withFile = new Set(files.map((n) => n.replace(CAPTURE_FILE, '')));
  const orphans = names.filter((n) => n.endsWith(SIDECAR_SUFFIX) && !withFile.has(n.slice(0, -SIDECAR_SUFFIX.length)));
  const found = await Promise.all([
    ...files.map((n) => readStoredCapture(join(dir, n))),
    ...orphans.map((n) => withSidecar({ id: n.slice(0, -SIDECAR_SUFFIX.length), size: 0, bytes: 0, time: 0, files: [] }, join(dir, n))),
  ]);
  return found.filter((c): c is StoredCapture => c !== undefined).sort((a, b) => b.time - a.time || a.id.localeCompare(b.id));
}
