// One capture with a source per pod (a workload capture): each pod's tool output goes through
// its own reader into one MergeWriter (time order, one interface per pod, the file's caps and
// a per-pod share) and `<id>.pcapng.part`, renamed at the end. Pods can be added while it runs
// (the pods that start during the capture) and each can fail on its own: its reason is kept,
// the others go on. A source is anything that streams a capture (a pod exec today, a flight
// recorder's cut tomorrow): `addPod` takes a promise of one. The sidecar lists every pod with
// its outcome, counts and interfaces.
import { open, rename, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { CaptureReader } from '../pcap/captureReader.js';
import { CaptureFormatError } from '../pcap/types.js';
import type { CapturePlan } from './capturePlan.js';
import type { CapReason } from './captureWriter.js';
import { STOPPED_BY_TERM, type CaptureOutcome, type CaptureProgress, type CaptureRecord, type CaptureSource } from './captureSession.js';
import { MergeWriter, type MergeTuning } from './mergeWriter.js';
import { appendAudit } from './auditLog.js';
import { planComment } from './planText.js';
import { makeFlowMatcher } from './flowMatcher.js';
import { sidecarOf, sidecarPathFor, writeSidecar } from './captureSidecar.js';
import type { FalcoAlert } from '../alerts/types.js';
import type { ClusterSnapshot } from '../../shared/clusterSnapshot.js';

/** How one pod's part of a workload capture went. */
export type PodOutcome =
  /** Captured until the capture ended. */
  | 'complete'
  /** The pod went (deleted, replaced) or its tool stopped before the capture ended; its packets are kept. */
  | 'pod-ended'
  /** Its stream broke or its tool failed after some packets; every whole packet is kept. */
  | 'partial'
  /** Nothing captured: the pod refused (Pod Security, no NET_RAW), was gone, or its tool failed. */
  | 'failed'
  /** Not captured: over the number of pods a capture takes, found after the capture ended, or its
   *  tool stopped by the end before it had written anything (it started just before the end). */
  | 'skipped';
export const POD_OUTCOMES: readonly PodOutcome[] = ['complete', 'pod-ended', 'partial', 'failed', 'skipped'];

export interface WorkloadPodRecord {
  namespace: string;
  pod: string;
  uid?: string;
  node?: string;
  ips: string[];
  /** Running when the capture started, or started during it. */
  joined: 'start' | 'during';
  /** The container the tool ran in. */
  container?: string;
  outcome: PodOutcome;
  reason: string;
  /** Packets and packet-block bytes of this pod in the file. */
  packets: number;
  bytes: number;
  alertedPackets: number;
  /** Packets it sent beyond its share of the caps (not written). */
  overSharePackets: number;
  /** The interfaces written for it ("shop/api-7d9c:any"). */
  interfaces: string[];
  startedAt?: string;
  endedAt?: string;
  firstPacket?: string;
  lastPacket?: string;
}

export interface WorkloadPodInfo { namespace: string; pod: string; uid?: string; node?: string; ips: string[]; joined: 'start' | 'during' }
export interface StartedSource {
  source: CaptureSource;
  container?: string;
  node?: string;
  /** The source ends by itself when its part is done (a flight recorder's cut: its window closed): that end is 'complete'. */
  bounded?: boolean;
}

export interface WorkloadSessionOptions {
  plan: CapturePlan;
  outDir: string;
  signal?: AbortSignal;
  onProgress?: (p: CaptureProgress & { pods: number }) => void;
  /** Told what happens to each pod: its first packets have arrived. */
  onStage?: (stage: string) => void;
  auditLog?: string;
  alert?: FalcoAlert;
  user?: string;
  /** Asked when a pod's source ends before the capture does: why (the pod was deleted), or undefined. */
  whyEnded?: (pod: WorkloadPodInfo) => Promise<string | undefined>;
  /** Merge tuning (tests, and the recorders' cuts). */
  merge?: MergeTuning;
}

const nsIso = (t: { sec: number; nsec: number } | undefined): string | undefined =>
  t === undefined ? undefined : `${new Date(t.sec * 1000).toISOString().slice(0, 19)}.${String(t.nsec).padStart(9, '0')}Z`;

interface Entry { info: WorkloadPodInfo; key: string; rec: WorkloadPodRecord; done: Promise<void> }

export class WorkloadSession {
  readonly file: string;
  readonly sidecar: string;
  private readonly part: string;
  private readonly startedAt = new Date();
  /** When the duration started counting: the first pod's capture running (or the session's
   *  start while none runs yet: a capture where no pod starts ends after the duration too). */
  private t0 = Date.now();
  private armed = false;
  private readonly entries: Entry[] = [];
  private fh: Awaited<ReturnType<typeof open>> | undefined;
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private flushing: Promise<void> = Promise.resolve();
  private writer!: MergeWriter;
  private closed = false;
  private stopReason: { outcome: CaptureOutcome; reason: string; cap?: CapReason | 'duration' } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private ticker: NodeJS.Timeout | undefined;
  private ended!: Promise<void>;
  private endNow!: () => void;
  private readonly onAbort = (): void => this.stop('cancelled', 'cancelled by the user');

  private constructor(private readonly o: WorkloadSessionOptions) {
    this.file = join(o.outDir, `${o.plan.id}.pcapng`);
    this.part = `${this.file}.part`;
    this.sidecar = sidecarPathFor(this.file);
  }

  /** Opens the file and starts the clock (the plan's duration counts from here). */
  static async start(o: WorkloadSessionOptions): Promise<WorkloadSession> {
    const s = new WorkloadSession(o);
    await mkdir(o.outDir, { recursive: true });
    const { plan } = o;
    await appendAudit(o.auditLog, { event: 'capture-start', id: plan.id, target: plan.target, method: plan.method, filter: plan.filter.bpf, user: o.user, alert: plan.alert?.fingerprint });
    s.fh = await open(s.part, 'w');
    s.writer = new MergeWriter({
      caps: plan.caps, sectionComments: planComment(plan), userApplication: 'falcoshark', ...o.merge,
      ...(plan.flow ? { isAlerted: makeFlowMatcher(plan.flow) } : {}),
      alertedComment: plan.alert ? `falcoshark: alerted flow (${plan.alert.rule})` : 'falcoshark: selected flow',
      write: (b) => { s.pending.push(b); s.pendingBytes += b.length; },
      onCapReached: (r) => s.stop('cap-reached', r === 'packets' ? `packet cap of ${plan.caps.maxPackets} reached (all pods together)` : `byte cap of ${plan.caps.maxBytes} reached (all pods together)`, r),
    });
    s.ended = new Promise((resolve) => { s.endNow = resolve; });
    s.armTimer();
    s.ticker = setInterval(() => {
      s.writer.tick();
      void s.flush();
      o.onProgress?.({ packets: s.writer.packets, bytes: s.writer.bytes, elapsedMs: Date.now() - s.t0, durationMs: plan.caps.durationSeconds * 1000,
        pods: s.entries.filter((e) => e.rec.startedAt && !e.rec.endedAt).length });
    }, 250);
    if (o.signal?.aborted) s.onAbort();
    o.signal?.addEventListener('abort', s.onAbort, { once: true });
    return s;
  }

  private armTimer(): void {
    clearTimeout(this.timer);
    const d = this.o.plan.caps.durationSeconds;
    this.timer = setTimeout(() => this.stop('cap-reached', `duration of ${d} s reached`, 'duration'), Math.max(0, d * 1000 - (Date.now() - this.t0)));
  }

  /** The first pod's capture runs: the duration counts from now (as a single-pod capture's
   *  counts from its tool's start, not from the capture containers' start-up). */
  private firstRunning(): void {
    if (this.armed || this.stopReason) return;
    this.armed = true;
    this.t0 = Date.now();
    this.armTimer();
  }

  /** Seconds left of the capture's duration (what a pod that joins now is given). */
  secondsLeft(): number {
    return Math.max(0, this.o.plan.caps.durationSeconds - (Date.now() - this.t0) / 1000);
  }

  get stopped(): boolean {
    return this.stopReason !== undefined;
  }

  /** Ends the capture (duration, caps, cancel): every source is asked to stop. */
  stop(outcome: CaptureOutcome, reason: string, cap?: CapReason | 'duration'): void {
    if (!this.stopReason) this.stopReason = { outcome, reason, ...(cap ? { cap } : {}) };
    this.endNow();
  }

  /** A pod that is not captured (over the bound, or found too late), with the reason. */
  skip(info: WorkloadPodInfo, reason: string): void {
    this.entries.push({ info, key: `${info.namespace}/${info.pod}#${this.entries.length}`, done: Promise.resolve(), rec: this.newRecord(info, 'skipped', reason) });
  }

  /** Adds a pod whose source is being started; a start that throws makes the pod 'failed' with the error's message. */
  addPod(info: WorkloadPodInfo, starting: Promise<StartedSource>): void {
    const key = `${info.namespace}/${info.pod}#${this.entries.length}`;
    const rec = this.newRecord(info, 'failed', 'starting');
    const entry: Entry = { info, key, rec, done: Promise.resolve() };
    entry.done = this.pump(entry, starting);
    this.entries.push(entry);
  }

  private newRecord(info: WorkloadPodInfo, outcome: PodOutcome, reason: string): WorkloadPodRecord {
    return { namespace: info.namespace, pod: info.pod, ...(info.uid ? { uid: info.uid } : {}), ...(info.node ? { node: info.node } : {}), ips: info.ips,
      joined: info.joined, outcome, reason, packets: 0, bytes: 0, alertedPackets: 0, overSharePackets: 0, interfaces: [] };
  }

  private async pump(e: Entry, starting: Promise<StartedSource>): Promise<void> {
    // The pod is a source of the merge from now, while its capture starts: the others' packets
    // wait for it (up to the hold time) rather than being written ahead of what it will bring.
    const t = this.o.plan.target;
    const container = t.kind === 'workload' && t.container ? ` (container ${t.container})` : '';
    const sink = this.writer.addSource(e.key, (info) => {
      const ifname = info?.name ?? 'any';
      return { name: `${e.info.namespace}/${e.info.pod}:${ifname}`,
        description: `pod ${e.info.namespace}/${e.info.pod}${container}${e.rec.node ? ` on node ${e.rec.node}` : ''}, interface ${ifname}, one of the workload capture's pods` };
    });
    let started: StartedSource;
    try {
      started = await starting;
    } catch (err) {
      e.rec.reason = (err as Error).message;
      this.writer.endSource(e.key);
      return;
    }
    const { source } = started;
    if (this.closed) { source.stop(); this.writer.endSource(e.key); e.rec.outcome = 'skipped'; e.rec.reason = 'its capture started after the capture had ended'; return; }
    if (started.container) e.rec.container = started.container;
    if (started.node && !e.rec.node) e.rec.node = started.node;
    e.rec.startedAt = new Date().toISOString();
    this.firstRunning();
    if (this.stopReason) source.stop(); // started after the end: no packets wanted
    const plan = this.o.plan;
    const reader = new CaptureReader(sink, { maxRecordBytes: plan.caps.snapLen + 65536 });
    let streamError: string | undefined;
    let formatError: string | undefined;
    const stopOnEnd = this.ended.then(() => source.stop());
    try {
      let first = true;
      for await (const chunk of source.stream) {
        if (this.stopReason && this.writer.capReached) break;
        try { reader.push(chunk); } catch (err) {
          if (!(err instanceof CaptureFormatError)) throw err;
          formatError = `the capture tool's output is not a valid capture at byte ${err.offset}: ${err.message}`;
          break;
        }
        if (first && this.writer.stats(e.key)!.packets > 0) {
          first = false;
          this.o.onStage?.(`${e.info.namespace}/${e.info.pod}: first packets, ${((Date.now() - Date.parse(e.rec.startedAt!)) / 1000).toFixed(1)} s after its capture tool started`);
        }
        if (this.pendingBytes > 1 << 20) await this.flush();
      }
    } catch (err) {
      streamError = err instanceof Error ? err.message : String(err);
    }
    const endedEarly = !this.stopReason;
    source.stop();
    const tool = await source.done;
    void stopOnEnd;
    const end = reader.end();
    this.writer.endSource(e.key);
    const st = this.writer.stats(e.key)!;
    Object.assign(e.rec, { packets: st.packets, bytes: st.bytes, alertedPackets: st.alertedPackets, overSharePackets: st.overSharePackets, interfaces: st.interfaces,
      endedAt: new Date().toISOString(), ...(st.firstPacketAt ? { firstPacket: nsIso(st.firstPacketAt), lastPacket: nsIso(st.lastPacketAt) } : {}) });
    const share = st.overSharePackets > 0 ? ` (${st.overSharePackets} packets beyond its share of the caps were not written)` : '';
    const gone = endedEarly ? await this.o.whyEnded?.(e.info).catch(() => undefined) : undefined;
    const problem = formatError ?? (streamError ? `connection lost: ${streamError}` : !tool.ok ? tool.detail
      : end.truncated && end.format ? `the stream ended inside a record at byte ${end.truncated.offset}` : !end.format ? (tool.detail || 'the capture tool wrote nothing') : undefined);
    // Stopped by the capture's end before its tool wrote a header (a pod that joined just before
    // the end; a tool our SIGTERM reached before it had set its handler exits 143): not a failure.
    const stoppedUnstarted = !endedEarly && st.packets === 0 && !end.format && !formatError && !streamError && (tool.ok || tool.exitCode === STOPPED_BY_TERM);
    if (stoppedUnstarted) {
      e.rec.outcome = 'skipped';
      e.rec.reason = `the capture ended ${((Date.parse(e.rec.endedAt!) - Date.parse(e.rec.startedAt!)) / 1000).toFixed(1)} s after its capture tool started, before the tool had written anything`;
    } else if (gone) {
      e.rec.outcome = 'pod-ended';
      e.rec.reason = `${gone} during the capture; its packets until then are kept${share}`;
    } else if (problem) {
      e.rec.outcome = st.packets > 0 || (end.format && !formatError) ? 'partial' : 'failed';
      e.rec.reason = `${problem}${share}`;
    } else if (endedEarly && started.bounded) {
      e.rec.outcome = 'complete';
      e.rec.reason = `${tool.detail || 'its part is complete'}${share}`;
    } else if (endedEarly) {
      e.rec.outcome = 'pod-ended';
      e.rec.reason = `the capture tool stopped before the capture ended: ${tool.detail || 'it finished'}${share}`;
    } else {
      e.rec.outcome = 'complete';
      e.rec.reason = `captured until the capture ended${share}`;
    }
  }

  private async flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      if (this.pendingBytes === 0 || !this.fh) return;
      const chunks = this.pending;
      this.pending = [];
      this.pendingBytes = 0;
      await this.fh.writev(chunks);
    });
    return this.flushing;
  }

  /** Waits for the end (duration, caps, cancel), stops every pod, writes the file and sidecar. */
  async finish(extra: { snapshot?: ClusterSnapshot; lateSnapshot?: () => ClusterSnapshot | undefined } = {}): Promise<CaptureRecord & { pods: WorkloadPodRecord[] }> {
    await this.ended;
    clearTimeout(this.timer);
    this.o.signal?.removeEventListener('abort', this.onAbort);
    // Every source stops on `ended`; give them the tools' flush time, then stop waiting.
    const grace = new Promise<void>((r) => setTimeout(r, 15_000).unref());
    await Promise.race([Promise.all(this.entries.map((e) => e.done)), grace]);
    clearInterval(this.ticker);
    this.closed = true;
    this.writer.finish();
    await this.flush();
    await this.fh!.close();
    await rename(this.part, this.file);
    const { plan } = this.o;
    const pods = this.entries.map((e) => {
      if (e.rec.reason === 'starting') { e.rec.outcome = 'failed'; e.rec.reason = 'its capture did not start before the capture ended'; }
      else if (e.rec.startedAt && !e.rec.endedAt) { e.rec.outcome = e.rec.packets > 0 ? 'partial' : 'failed'; e.rec.reason = 'its capture tool did not stop within 15 s of the end'; }
      return { ...e.rec };
    });
    const captured = pods.filter((p) => p.outcome !== 'failed' && p.outcome !== 'skipped');
    const failed = pods.filter((p) => p.outcome === 'failed');
    let { outcome, reason } = this.stopReason ?? { outcome: 'complete' as CaptureOutcome, reason: 'every pod\'s capture finished' };
    if (captured.length === 0) {
      outcome = 'failed';
      reason = pods.length === 0 ? 'no pod of the workload ran during the capture'
        : `no pod could be captured: ${failed.map((p) => `${p.namespace}/${p.pod}: ${p.reason}`).join('; ').slice(0, 2000)}`;
    } else {
      const bits = [`${captured.length} of ${pods.length} pods captured`];
      if (failed.length) bits.push(`${failed.length} failed (${failed.map((p) => p.pod).join(', ')}: reasons in the sidecar's pods)`);
      const skipped = pods.filter((p) => p.outcome === 'skipped');
      if (skipped.length) bits.push(`${skipped.length} not captured (${skipped.map((p) => p.pod).join(', ')}: reasons in the sidecar's pods)`);
      if (this.writer.lateWritten) bits.push(`${this.writer.lateWritten} packets arrived too late to be in time order`);
      reason = `${reason}; ${bits.join(', ')}`;
    }
    const w = this.writer;
    const record: CaptureRecord = {
      id: plan.id, file: this.file, sidecar: this.sidecar, outcome, reason, packets: w.packets, alertedPackets: w.alertedPackets, bytes: w.bytes,
      startedAt: this.startedAt.toISOString(), endedAt: new Date().toISOString(),
      ...(w.firstPacketAt ? { firstPacket: nsIso(w.firstPacketAt), lastPacket: nsIso(w.lastPacketAt) } : {}),
      ...(this.stopReason?.cap ? { capReached: this.stopReason.cap } : {}),
    };
    const snapshot = extra.lateSnapshot?.() ?? extra.snapshot;
    await writeSidecar(this.sidecar, sidecarOf({ record, plan, ...(this.o.alert ? { alert: this.o.alert } : {}), ...(snapshot ? { snapshot } : {}), pods }));
    await appendAudit(this.o.auditLog, { event: 'capture-end', id: plan.id, target: plan.target, outcome, reason, packets: w.packets, bytes: w.bytes, file: this.file, user: this.o.user,
      pods: pods.map((p) => ({ pod: `${p.namespace}/${p.pod}`, outcome: p.outcome, packets: p.packets })) });
    return { ...record, pods };
  }
}
