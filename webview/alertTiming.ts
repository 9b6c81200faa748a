// When the alert happened against the capture: the alert's time (the one the analysis split each
// flow's counts at, else the capture context's), the recorded window of a capture cut from a
// flight recorder, and the texts the timeline, the header and the table show about them. Every
// value is read defensively from the summary (alert fields are attacker-controlled) and only
// ever reaches the DOM as text. No DOM here: unit-tested in node (test/unit/webview/).
import { clip, formatBytes, formatCount, formatDuration, num, parseIsoSeconds, str } from './format.js';
import type { FlowView } from './flowModel.js';

export interface RecordedView {
  recorder: string;
  beforeSeconds: number;
  afterSeconds: number;
  /** Epoch seconds (NaN when not a time). */
  from: number;
  to: number;
  heldFrom: number;
}

export interface AlertTiming {
  /** Epoch seconds of the alert (NaN: no alert time). */
  time: number;
  /** True when the flows carry exact counts before `time` (the summary's `alertSplit`). */
  exact: boolean;
  /** The capture's frames before the alert and their bytes (NaN when not counted). */
  packetsBefore: number;
  bytesBefore: number;
  packets: number;
  bytes: number;
  /** The capture's first and last packet, epoch seconds (NaN: none). */
  firstPacket: number;
  lastPacket: number;
  recorded: RecordedView | undefined;
}

export const NO_ALERT: AlertTiming = {
  time: NaN, exact: false, packetsBefore: NaN, bytesBefore: NaN, packets: 0, bytes: 0, firstPacket: NaN, lastPacket: NaN, recorded: undefined,
};

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function count(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : NaN;
}

/** The alert timing of a summary, however odd its fields. */
export function alertTimingOf(summary: unknown): AlertTiming {
  const s = isObj(summary) ? summary : {};
  const ctx = isObj(s.context) ? s.context : {};
  const split = isObj(s.alertSplit) ? s.alertSplit : undefined;
  const rec = isObj(ctx.recorded) ? ctx.recorded : undefined;
  const alert = isObj(ctx.alert) ? ctx.alert : undefined;
  const totals = isObj(s.totals) ? s.totals : {};
  const splitTime = parseIsoSeconds(split?.time);
  const time = [splitTime, parseIsoSeconds(rec?.alertTime), parseIsoSeconds(alert?.time)].find(Number.isFinite) ?? NaN;
  const exact = Number.isFinite(splitTime);
  return {
    time,
    exact,
    packetsBefore: exact ? count(split?.packetsBefore) : NaN,
    bytesBefore: exact ? count(split?.bytesBefore) : NaN,
    packets: num(totals.packets),
    bytes: num(totals.bytes),
    firstPacket: parseIsoSeconds(totals.firstPacket),
    lastPacket: parseIsoSeconds(totals.lastPacket),
    recorded: rec && {
      recorder: clip(str(rec.recorder, '', 1024), 200),
      beforeSeconds: num(rec.beforeSeconds),
      afterSeconds: num(rec.afterSeconds),
      from: parseIsoSeconds(rec.from),
      to: parseIsoSeconds(rec.to),
      heldFrom: parseIsoSeconds(rec.heldFrom),
    },
  };
}

/** True when some of the capture may lie before the alert: the alert's time is after the
 *  first packet (a live capture starts after its alert; a recorded one is cut around it). */
export function splitShown(t: AlertTiming): boolean {
  return Number.isFinite(t.time) && Number.isFinite(t.firstPacket) && t.time > t.firstPacket;
}

/** "08:16:05.123" (UTC, milliseconds) of epoch seconds. */
export function clockText(seconds: number): string {
  if (!Number.isFinite(seconds)) return '–';
  const d = new Date(seconds * 1000);
  return Number.isNaN(d.getTime()) ? '–' : d.toISOString().slice(11, 23);
}

/** A distance in time as people say it: "350 ms", "2.0 s", "12 s", "3 min 5 s". */
export function formatGap(seconds: number): string {
  const s = Math.abs(seconds);
  if (!Number.isFinite(s)) return '–';
  if (s < 1) return `${Math.round(s * 1000)} ms`;
  if (s < 10) return `${s.toFixed(1)} s`;
  if (s < 120) return `${Math.round(s)} s`;
  return formatDuration(s);
}

export interface AlertMarker {
  /** 'inside': drawn at `time` on the axis; 'before'/'after': the alert is outside the axis
   *  (said in `note`, the axis is not stretched to it); 'none': no alert time. */
  place: 'none' | 'inside' | 'before' | 'after';
  time: number;
  /** "alert 08:16:05.123" */
  label: string;
  /** "alert 12 s before the capture started" (outside the axis), else ''. */
  note: string;
  /** Lines under the axis about a recorded capture's window. */
  captions: string[];
}

/** Where the alert goes on a timeline whose axis covers [start, end] (epoch seconds). */
export function alertMarker(t: AlertTiming, start: number, end: number): AlertMarker {
  const captions = recordedCaptions(t);
  if (!Number.isFinite(t.time)) return { place: 'none', time: NaN, label: '', note: '', captions };
  const label = `alert ${clockText(t.time)}`;
  const first = Number.isFinite(t.firstPacket) ? Math.max(start, t.firstPacket) : start;
  const last = Number.isFinite(t.lastPacket) ? Math.min(end, t.lastPacket) : end;
  if (t.time < start) return { place: 'before', time: t.time, label, note: `${label}, ${formatGap(first - t.time)} before the capture started`, captions };
  if (t.time > end) return { place: 'after', time: t.time, label, note: `${label}, ${formatGap(t.time - last)} after the capture's last packet`, captions };
  return { place: 'inside', time: t.time, label, note: '', captions };
}

/** "recorded 60 s before → 30 s after the alert" and, when the recorder had already dropped
 *  the oldest part of the window, "the recorder held packets only from 08:15:20.000 (36 s
 *  before the alert)". */
export function recordedCaptions(t: AlertTiming): string[] {
  const r = t.recorded;
  if (!r) return [];
  const out = [`recorded ${formatGap(r.beforeSeconds)} before → ${formatGap(r.afterSeconds)} after the alert`];
  if (Number.isFinite(r.heldFrom) && Number.isFinite(r.from) && r.heldFrom > r.from) {
    const rel = Number.isFinite(t.time) ? ` (${formatGap(t.time - r.heldFrom)} ${r.heldFrom <= t.time ? 'before' : 'after'} the alert)` : '';
    out.push(`the recorder held packets only from ${clockText(r.heldFrom)}${rel}`);
  }
  return out;
}

/** How much of the capture came before the alert: "412 packets (52 KB) before the alert,
 *  424 (60 KB) after", or '' when it was not counted. */
export function captureSplitText(t: AlertTiming): string {
  if (!t.exact || !Number.isFinite(t.packetsBefore) || !Number.isFinite(t.bytesBefore)) return '';
  const pa = Math.max(0, t.packets - t.packetsBefore);
  const ba = Math.max(0, t.bytes - t.bytesBefore);
  return `${formatCount(t.packetsBefore)} packets (${formatBytes(t.bytesBefore)}) before the alert, ${formatCount(pa)} (${formatBytes(ba)}) after`;
}

/** The flow against the alert's time (what "before the alert:" is followed by): "5 of 12
 *  packets (1.2 KiB of 3 KiB); first packet 3.2 s before the alert", '' without an alert time. */
export function beforeAlertText(f: FlowView): string {
  if (f.phase === 'none') return '';
  const gap = Number.isFinite(f.startVsAlert) ? `first packet ${formatGap(f.startVsAlert)} ${f.startVsAlert < 0 ? 'before' : 'after'} the alert` : '';
  const total = f.packetsOut + f.packetsIn;
  if (f.phase === 'after') return `none${gap ? `; ${gap}` : ''}`;
  const counts = Number.isFinite(f.beforePackets)
    ? `${formatCount(f.beforePackets)} of ${formatCount(total)} packets (${formatBytes(f.beforeBytes)} of ${formatBytes(f.bytesOut + f.bytesIn)})`
    : 'some (the summary has no counts: it began before the alert and went on after it)';
  return `${counts}${gap ? `; ${gap}` : ''}`;
}
