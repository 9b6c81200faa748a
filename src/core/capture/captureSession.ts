// Runs one capture: the bytes a capture tool writes (local process stdout, a Kubernetes exec
// or attach stream) go through the reader and the CaptureWriter into `<id>.pcapng.part`,
// renamed to `<id>.pcapng` at the end. Caps (time, packets, bytes) are enforced here whatever
// the remote tool does; cancel stops the remote tool; a dropped stream keeps what arrived,
// cut at the last whole packet, and is marked partial. Start and end go to the audit log;
// the sidecar `<id>.falcoshark.json` (captureSidecar.ts) holds the plan, the alert and the timings.
import { open, rename, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { CaptureReader } from '../pcap/captureReader.js';
import { CaptureFormatError, type PacketRecord } from '../pcap/types.js';
import type { CapturePlan } from './capturePlan.js';
import { CaptureWriter, type CapReason } from './captureWriter.js';
import { appendAudit } from './auditLog.js';
import { planComment } from './planText.js';
import { makeFlowMatcher } from './flowMatcher.js';
import { sidecarOf, sidecarPathFor, writeSidecar } from './captureSidecar.js';
import type { FalcoAlert } from '../alerts/types.js';
import type { ClusterSnapshot } from '../../shared/clusterSnapshot.js';

export type CaptureOutcome = 'complete' | 'cap-reached' | 'cancelled' | 'partial' | 'failed';

export interface CaptureProgress {
  packets: number;
  bytes: number;
  elapsedMs: number;
  durationMs: number;
}

export interface CaptureRecord {
  id: string;
  file: string;
  sidecar: string;
  outcome: CaptureOutcome;
  /** Why it ended ("duration 30 s reached", "connection lost: …", the tool's error). */
  reason: string;
  packets: number;
  alertedPackets: number;
  bytes: number;
  startedAt: string;
  endedAt: string;
  firstPacket?: string;
  lastPacket?: string;
  capReached?: CapReason | 'duration';
}

/** The exit status of a tool ended by the SIGTERM of our stop before it had set its handler (128 + 15). */
export const STOPPED_BY_TERM = 143;

/** A running capture tool, as the session sees it. */
export interface CaptureSource {
  /** The tool's capture bytes. Ends when the tool exits; throws when the connection breaks. */
  stream: AsyncIterable<Uint8Array>;
  /** Ask the tool to stop (it may flush); must be safe to call more than once. */
  stop(): void;
  /** Resolves once the tool has exited, with what it said (exit code, stderr tail). */
  done: Promise<{ ok: boolean; detail: string; exitCode?: number }>;
}

export interface SessionOptions {
  plan: CapturePlan;
  outDir: string;
  source: CaptureSource;
  signal?: AbortSignal;
  onProgress?: (p: CaptureProgress) => void;
  isAlerted?: (rec: PacketRecord) => boolean;
  auditLog?: string;
  /** The alert the capture is for (kept whole in the sidecar). */
  alert?: FalcoAlert;
  /** The cluster when the capture started (kept in the sidecar). */
  snapshot?: ClusterSnapshot;
  /** The container the tool runs in (pod captures). */
  captureContainer?: string;
  user?: string;
}

const nsIso = (t: { sec: number; nsec: number } | undefined): string | undefined =>
  t === undefined ? undefined : `${new Date(t.sec * 1000).toISOString().slice(0, 19)}.${String(t.nsec).padStart(9, '0')}Z`;

export async function runCaptureSession(o: SessionOptions): Promise<CaptureRecord> {
  const { plan } = o;
  await mkdir(o.outDir, { recursive: true });
  const file = join(o.outDir, `${plan.id}.pcapng`);
  const part = `${file}.part`;
  const sidecar = sidecarPathFor(file);
  const startedAt = new Date();
  await appendAudit(o.auditLog, { event: 'capture-start', id: plan.id, target: plan.target, method: plan.method, filter: plan.filter.bpf, user: o.user, alert: plan.alert?.fingerprint });

  const fh = await open(part, 'w');
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  const flush = async (): Promise<void> => {
    if (pendingBytes === 0) return;
    const chunks = pending;
    pending = [];
    pendingBytes = 0;
    await fh.writev(chunks);
  };

  let stopReason: { outcome: CaptureOutcome; reason: string; cap?: CapReason | 'duration' } | undefined;
  const stopWith = (outcome: CaptureOutcome, reason: string, cap?: CapReason | 'duration'): void => {
    if (!stopReason) stopReason = { outcome, reason, ...(cap ? { cap } : {}) };
    o.source.stop();
  };
  const writer = new CaptureWriter({
    caps: plan.caps,
    sectionComments: planComment(plan),
    userApplication: 'falcoshark',
    describeInterface: (info) => describeInterface(plan, info?.name),
    isAlerted: o.isAlerted ?? (plan.flow ? makeFlowMatcher(plan.flow) : undefined),
    alertedComment: plan.alert ? `falcoshark: alerted flow (${plan.alert.rule})` : 'falcoshark: selected flow',
    write: (b) => { pending.push(b); pendingBytes += b.length; },
    onCapReached: (r) => stopWith('cap-reached', r === 'packets' ? `packet cap of ${plan.caps.maxPackets} reached` : `byte cap of ${plan.caps.maxBytes} reached`, r),
  });
  const reader = new CaptureReader(writer, { maxRecordBytes: plan.caps.snapLen + 65536 });
  const durationMs = plan.caps.durationSeconds * 1000;
  // tshark and dumpcap stop themselves at the duration (and flush); our timer is the backstop.
  const grace = plan.tool === 'tcpdump' ? 0 : 2000;
  const timer = setTimeout(() => stopWith('cap-reached', `duration of ${plan.caps.durationSeconds} s reached`, 'duration'), durationMs + grace);
  const onAbort = (): void => stopWith('cancelled', 'cancelled by the user');
  if (o.signal?.aborted) onAbort();
  o.signal?.addEventListener('abort', onAbort, { once: true });
  const t0 = Date.now();
  let lastProgress = 0;
  let streamError: string | undefined;
  let formatError: string | undefined;
  try {
    for await (const chunk of o.source.stream) {
      if (stopReason && writer.capReached) break; // our cap: nothing more is written
      try {
        reader.push(chunk);
      } catch (e) {
        if (!(e instanceof CaptureFormatError)) throw e;
        formatError = `the capture tool's output is not a valid capture at byte ${e.offset}: ${e.message}`;
        o.source.stop();
        break;
      }
      if (pendingBytes > 1 << 20) await flush();
      const now = Date.now();
      if (o.onProgress && now - lastProgress > 250) {
        lastProgress = now;
        o.onProgress({ packets: writer.packets, bytes: writer.bytes, elapsedMs: now - t0, durationMs });
      }
      if (stopReason?.outcome === 'cancelled') break;
    }
  } catch (e) {
    streamError = e instanceof Error ? e.message : String(e);
  } finally {
    clearTimeout(timer);
    o.signal?.removeEventListener('abort', onAbort);
  }
  o.source.stop();
  const tool = await o.source.done;
  const end = reader.end();
  writer.finish();
  await flush();
  await fh.close();

  let outcome: CaptureOutcome;
  let reason: string;
  if (stopReason) {
    ({ outcome, reason } = stopReason);
  } else if (formatError) {
    outcome = writer.packets > 0 ? 'partial' : 'failed';
    reason = formatError;
  } else if (streamError) {
    outcome = writer.packets > 0 || end.format ? 'partial' : 'failed';
    reason = `connection lost: ${streamError}`;
  } else if (!tool.ok) {
    outcome = writer.packets > 0 ? 'partial' : 'failed';
    reason = tool.detail;
  } else if (end.truncated && end.format) {
    outcome = 'partial';
    reason = `the stream ended inside a record at byte ${end.truncated.offset} (${end.truncated.reason}); kept every whole packet`;
  } else if (!end.format) {
    outcome = 'failed';
    reason = tool.detail || 'the capture tool wrote nothing';
  } else if (Date.now() - t0 >= durationMs - 250) {
    // The tool stopped itself at the duration cap.
    stopReason = { outcome: 'cap-reached', reason: `duration of ${plan.caps.durationSeconds} s reached`, cap: 'duration' };
    ({ outcome, reason } = stopReason);
  } else if (writer.packets >= plan.caps.maxPackets) {
    stopReason = { outcome: 'cap-reached', reason: `packet cap of ${plan.caps.maxPackets} reached`, cap: 'packets' };
    ({ outcome, reason } = stopReason);
  } else {
    outcome = 'complete';
    reason = tool.detail || 'the capture tool finished';
  }
  await rename(part, file);
  const endedAt = new Date();
  const record: CaptureRecord = {
    id: plan.id, file, sidecar, outcome, reason,
    packets: writer.packets, alertedPackets: writer.alertedPackets, bytes: writer.bytes,
    startedAt: startedAt.toISOString(), endedAt: endedAt.toISOString(),
    ...(writer.firstPacketAt ? { firstPacket: nsIso(writer.firstPacketAt), lastPacket: nsIso(writer.lastPacketAt) } : {}),
    ...(stopReason?.cap ? { capReached: stopReason.cap } : {}),
  };
  await writeSidecar(sidecar, sidecarOf({ record, plan, ...(o.alert ? { alert: o.alert } : {}), ...(o.snapshot ? { snapshot: o.snapshot } : {}),
    ...(o.captureContainer ? { captureContainer: o.captureContainer } : {}) }));
  await appendAudit(o.auditLog, { event: 'capture-end', id: plan.id, target: plan.target, outcome, reason, packets: writer.packets, bytes: writer.bytes, file, user: o.user });
  return record;
}

function describeInterface(plan: CapturePlan, toolName: string | undefined): { name: string; description: string } {
  const t = plan.target;
  if (t.kind === 'workload') throw new Error('a workload capture is written by runWorkloadSession');
  const ifname = toolName ?? 'any';
  if (t.kind === 'pod') {
    const recorded = plan.recorded ? `, recorded by ${plan.recorded.recorder} (the host side of the pod's interface)` : '';
    return {
      name: `${t.namespace}/${t.pod}:${ifname}`,
      description: `pod ${t.namespace}/${t.pod}${t.container ? ` (container ${t.container})` : ''}${t.node ? ` on node ${t.node}` : ''}, interface ${ifname}${recorded}`,
    };
  }
  return { name: `${t.netns ? `${t.netns}:` : ''}${ifname}`, description: `${t.netns ? `network namespace ${t.netns}` : 'host'}, interface ${ifname}` };
}
