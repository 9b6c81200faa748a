// A cut: the packets of one pod (or, in host mode, of the whole host) in the window
// [alert time − before, alert time + after], through the alert-derived capture filter, as a
// pcapng stream — what the recorder held when asked, then what it receives until the window
// closes. One interface block per pod interface (named after the host side of its veth); the
// consumer (serve, the CLI) frames it into a falcoshark capture like any tool's output.
import { nsToIso, parseRfc3339Nano } from '../alerts/alertTime.js';
import { checkK8sName } from '../capture/capturePlan.js';
import { enhancedPacketBlock, interfaceDescriptionBlock, sectionHeaderBlock } from '../capture/pcapngWriter.js';
import { CodedError } from '../util/problem.js';
import { compileFilter, runFilter, type BpfProgram } from './bpf.js';
import { LINKTYPE_LINUX_SLL2, type FlightRecorder, type RecordedInterface } from './flightRecorder.js';
import type { HeldPacket } from './packetRing.js';
import type { RecordedPod } from './podIndex.js';

export interface CutRequest {
  /** The pod (cluster mode); absent in host mode (every interface). */
  namespace?: string;
  pod?: string;
  /** RFC 3339 with up to nanoseconds (the alert's `time`). */
  alertTime: string;
  beforeSeconds: number;
  afterSeconds: number;
  /** libpcap filter ('' = everything of the pod). */
  filter: string;
}

export class CutError extends CodedError {
  override readonly name = 'CutError';
  constructor(readonly code: 'bad-request' | 'not-found' | 'filter', message: string, readonly status: number) {
    super(message);
  }
}

export interface CutInfo {
  pod?: RecordedPod;
  interfaces: { ifindex: number; name: string }[];
  fromNs: bigint;
  toNs: bigint;
  /** The oldest packet the recorder held for these interfaces (later than `from`: the bounds dropped older ones). */
  heldFromNs?: bigint;
}

export interface Cut {
  info: CutInfo;
  /** pcapng bytes; ends when the window closes (or `cancel`). */
  stream: AsyncIterable<Uint8Array>;
  cancel(): void;
  /** Packets the live part could not keep up with (the reader was too slow) or that the bounds dropped mid-cut. */
  readonly lost: number;
}

export const MAX_BEFORE_SECONDS = 3600;
export const MAX_AFTER_SECONDS = 600;
/** Live packets queued for a slow reader at most (bytes); beyond, they are counted as lost. */
const LIVE_QUEUE_BYTES = 32 << 20;
const CHUNK = 256 * 1024;

/** Checks a request as it arrives (JSON from the network: nothing is trusted). */
export function checkCutRequest(v: unknown, hostMode: boolean): CutRequest {
  const bad = (m: string): never => { throw new CutError('bad-request', m, 400); };
  if (typeof v !== 'object' || v === null || Array.isArray(v)) bad('the request is not a JSON object');
  const o = v as Record<string, unknown>;
  const num = (k: string, max: number): number => {
    const x = o[k];
    if (typeof x !== 'number' || !Number.isInteger(x) || x < 0 || x > max) bad(`${k} must be a whole number of seconds from 0 to ${max}`);
    return x as number;
  };
  if (typeof o.alertTime !== 'string' || !parseRfc3339Nano(o.alertTime).ok) bad('alertTime must be an RFC 3339 time');
  if (typeof o.filter !== 'string' || o.filter.length > 4096 || /[\0\n\r]/.test(o.filter)) bad('filter must be a libpcap filter of at most 4096 characters on one line');
  const req: CutRequest = { alertTime: o.alertTime as string, beforeSeconds: num('beforeSeconds', MAX_BEFORE_SECONDS), afterSeconds: num('afterSeconds', MAX_AFTER_SECONDS), filter: o.filter as string };
  if (!hostMode) {
    if (typeof o.namespace !== 'string' || typeof o.pod !== 'string') bad('namespace and pod are required');
    try { checkK8sName('namespace', o.namespace as string); checkK8sName('pod', o.pod as string); } catch (e) { bad((e as Error).message); }
    req.namespace = o.namespace as string;
    req.pod = o.pod as string;
  }
  return req;
}

/** Starts a cut. Throws CutError when the pod is not recorded here or the filter does not compile. */
export async function startCut(rec: FlightRecorder, req: CutRequest, o: { node: string; now?: () => number } ): Promise<Cut> {
  const now = o.now ?? Date.now;
  const at = parseRfc3339Nano(req.alertTime);
  if (!at.ok) throw new CutError('bad-request', `alertTime: ${at.reason}`, 400);
  const fromNs = at.value.ns - BigInt(req.beforeSeconds) * 1_000_000_000n;
  const toNs = at.value.ns + BigInt(req.afterSeconds) * 1_000_000_000n;
  let pod: RecordedPod | undefined;
  let ifs: RecordedInterface[];
  if (rec.hostMode) {
    ifs = [...rec.interfaces.values()];
  } else {
    const pods = rec.podsNamed(req.namespace!, req.pod!);
    pod = pods.find((p) => p.goneAt === undefined) ?? pods[0];
    if (!pod) throw new CutError('not-found', `pod ${req.namespace}/${req.pod} is not recorded on node ${o.node}`, 404);
    ifs = rec.interfacesOf(pod);
    if (ifs.length === 0) throw new CutError('not-found', `pod ${req.namespace}/${req.pod} is recorded on node ${o.node}, but none of its packets has been seen yet`, 404);
  }
  let prog: BpfProgram;
  try {
    prog = await compileFilter(req.filter, LINKTYPE_LINUX_SLL2);
  } catch (e) {
    throw new CutError('filter', (e as Error).message, 400);
  }
  const ids = new Map(ifs.map((x, i) => [x.ifindex, i]));
  const held = ifs.map((x) => rec.ring.packets(x.ifindex, fromNs, toNs));
  const oldest = ifs.map((x) => rec.ring.oldest(x.ifindex)).filter((x): x is bigint => x !== undefined);
  const heldFromNs = oldest.length ? oldest.reduce((a, b) => (b < a ? b : a)) : undefined;
  const info: CutInfo = { ...(pod ? { pod } : {}), interfaces: ifs.map((x) => ({ ifindex: x.ifindex, name: x.name })), fromNs, toNs, ...(heldFromNs !== undefined ? { heldFromNs } : {}) };

  // The live part: every packet held from now on, for these interfaces, in the window.
  const live: Uint8Array[] = [];
  let liveBytes = 0;
  let lostLive = 0;
  let wake: (() => void) | undefined;
  let cancelled = false;
  const unsubscribe = rec.subscribe((ifindex, p, data) => {
    const id = ids.get(ifindex);
    if (id === undefined) return;
    const t = BigInt(p.tsSec) * 1_000_000_000n + BigInt(p.tsNsec);
    if (t < fromNs || t > toNs || runFilter(prog, data, p.origLen) === 0) return;
    if (liveBytes > LIVE_QUEUE_BYTES) { lostLive++; return; }
    const block = enhancedPacketBlock(id, p.tsSec, p.tsNsec, data, p.origLen);
    live.push(block);
    liveBytes += block.length;
    wake?.();
  });
  const endWallMs = Number(toNs / 1_000_000n) + 1000; // a second for the kernel's timestamps to reach us
  const cut: Cut = {
    info,
    get lost() { return lostLive + held.reduce((n, h) => n + h.lost, 0); },
    cancel() { cancelled = true; wake?.(); },
    stream: (async function* () {
      try {
        const where = pod ? `pod ${pod.namespace}/${pod.name} on node ${o.node}` : `host ${o.node}`;
        yield sectionHeaderBlock({ userApplication: 'falcoshark recorder',
          comments: [`falcoshark recorder: ${where}, ${nsToIso(fromNs)} → ${nsToIso(toNs)}, filter: ${req.filter || '(none)'}`] });
        for (const x of ifs) {
          yield interfaceDescriptionBlock({ linkType: LINKTYPE_LINUX_SLL2, snapLen: 262144, name: x.name,
            description: pod ? `pod ${pod.namespace}/${pod.name} (host side of its interface, node ${o.node}), recorded` : `interface ${x.name} of ${o.node}, recorded` });
        }
        // What was held when asked, merged across the interfaces by time.
        let chunk: Uint8Array[] = [];
        let size = 0;
        for (const [id, p] of mergeByTime(held.map((h) => h[Symbol.iterator]()))) {
          if (cancelled) return;
          if (runFilter(prog, p.data, p.origLen) === 0) continue;
          const block = enhancedPacketBlock(id, p.tsSec, p.tsNsec, p.data, p.origLen);
          chunk.push(block);
          size += block.length;
          if (size >= CHUNK) { yield concat(chunk, size); chunk = []; size = 0; }
        }
        if (size > 0) yield concat(chunk, size);
        // Then what arrives, until the window closes.
        while (!cancelled) {
          if (live.length > 0) {
            const blocks = live.splice(0, live.length);
            const n = liveBytes;
            liveBytes = 0;
            yield concat(blocks, n);
            continue;
          }
          const left = endWallMs - now();
          if (left <= 0) break;
          await new Promise<void>((r) => { const t = setTimeout(r, Math.min(left, 1000)); wake = () => { clearTimeout(t); r(); }; });
          wake = undefined;
        }
      } finally {
        unsubscribe();
      }
    })(),
  };
  return cut;
}

function concat(parts: Uint8Array[], size: number): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(size);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

/** k-way merge of per-interface packet iterators by time: [interface id, packet]. */
function* mergeByTime(its: Iterator<HeldPacket>[]): Generator<[number, HeldPacket]> {
  if (its.length === 1) {
    for (let x = its[0].next(); !x.done; x = its[0].next()) yield [0, x.value];
    return;
  }
  // A waiting head is copied: the segment under it may be dropped while the stream pauses.
  const copy = (r: IteratorResult<HeldPacket>): IteratorResult<HeldPacket> => (r.done ? r : { done: false, value: { ...r.value, data: r.value.data.slice() } });
  const heads = its.map((it) => copy(it.next()));
  for (;;) {
    let best = -1;
    for (let i = 0; i < heads.length; i++) {
      const h = heads[i];
      if (h.done) continue;
      if (best < 0) { best = i; continue; }
      const b = heads[best].value as HeldPacket;
      if (h.value.tsSec < b.tsSec || (h.value.tsSec === b.tsSec && h.value.tsNsec < b.tsNsec)) best = i;
    }
    if (best < 0) return;
    yield [best, heads[best].value as HeldPacket];
    heads[best] = copy(its[best].next());
  }
}
