// d3 timeline: traffic over time per flow, as small multiples (one step-area strip per flow)
// on a real-time (UTC) axis: all traffic, then the top flows by bytes plus the alerted ones.
// The alert's time is a marker across every strip (what came before it shaded) when it lies on
// the axis, else a note under the axis (a live capture starts after its alert: the axis is not
// stretched to it); a recorded capture's window is said there too (alertTiming.ts).
// Tooltips are SVG <title> elements; every string is set with .text().
import { area, axisBottom, curveStepAfter, max, scaleSqrt, scaleUtc, select, utcFormat } from 'd3';
import { moveFocus } from './dom.js';
import type { FlowModel, FlowView } from './flowModel.js';
import { clip, formatBytes, formatCount, formatDuration, num, parseIsoSeconds, shorten } from './format.js';
import { alertMarker, captureSplitText } from './alertTiming.js';

export interface TimelineInput {
  activity: { start: unknown; bucketSeconds: unknown; buckets: unknown } | undefined;
  model: FlowModel;
  selected: number | null;
  topN?: number;
}

export interface TimelineEvents {
  select(flowIndex: number): void;
}

const MAX_BUCKETS = 4096;
const ROW = 24;
const GAP = 4;
const LABEL_W = 230;
const MARK_TOP = 16;
const NOTE_LINE = 14;

interface Strip {
  flow: FlowView | null;
  label: string;
  title: string;
  first: number;
  bytes: number[];
  packets: number[];
}

/** The flows drawn: top `n` by bytes, plus every alerted flow (alerted ones first, at most 5). */
export function timelineFlows(m: FlowModel, n: number): FlowView[] {
  const alerted: number[] = [];
  const top: number[] = []; // the n largest by bytes, ties by index, in order
  for (let i = 0; i < m.count; i++) {
    if (m.alerted(i) && alerted.length < 5) alerted.push(i);
    const b = m.totalBytes(i);
    if (top.length === n && b <= m.totalBytes(top[n - 1])) continue;
    let k = top.length;
    while (k > 0 && b > m.totalBytes(top[k - 1])) k--;
    top.splice(k, 0, i);
    if (top.length > n) top.pop();
  }
  return [...alerted, ...top.filter((i) => !m.alerted(i))].map((i) => m.view(i));
}

/** "→ svc shop/payments :8443", "⚑ → external 198.51.100.23:4444" (the client is in the title). */
export function flowLabel(f: FlowView): string {
  const s = f.server;
  const name = s.label !== s.ip && s.kind !== 'external' ? s.label.replace(/ \(.*\)$/, '') : s.kind === 'external' ? 'external' : '';
  const where = name ? `${name} ${s.port === undefined ? '' : `:${s.port}`}` : s.addr;
  const text = `${f.alerted ? '⚑ ' : ''}${f.protocol} → ${s.kind === 'external' ? `external ${s.addr}` : where.trim()}`;
  return shorten(text, 38);
}

export function renderTimeline(container: HTMLElement, input: TimelineInput, events: TimelineEvents): void {
  const root = select(container);
  root.selectAll('*').remove();
  const a = input.activity;
  const start = parseIsoSeconds(a?.start);
  const bucketSeconds = num(a?.bucketSeconds);
  const buckets = Math.min(MAX_BUCKETS, Math.floor(num(a?.buckets)));
  const m = input.model;
  if (!Number.isFinite(start) || bucketSeconds <= 0 || buckets <= 0 || m.count === 0) {
    root.append('p').attr('class', 'muted').text('No activity timeline in this summary.');
    return;
  }
  const flows = timelineFlows(m, input.topN ?? 12);
  const total = new Array<number>(buckets).fill(0);
  const totalPk = new Array<number>(buckets).fill(0);
  const c = m.cols;
  for (let v = 0; v < m.count; v++) {
    const f = c.actFirst[v];
    const a0 = c.actStart[v];
    const n = c.actStart[v + 1] - a0;
    for (let i = 0; i < n && f + i < buckets; i++) {
      total[f + i] += c.actBytes[a0 + i];
      totalPk[f + i] += c.actPackets[a0 + i];
    }
  }
  const split = captureSplitText(m.alert);
  const strips: Strip[] = [
    { flow: null, label: `all ${formatCount(m.count)} flows`, title: `all traffic in the capture${split ? `\n${split}` : ''}`, first: 0, bytes: total, packets: totalPk },
    ...flows.map((f) => ({
      flow: f,
      label: flowLabel(f),
      title: `${f.protocol} ${f.client.label} ${f.client.addr} → ${f.server.label} ${f.server.addr}\n${formatBytes(f.bytesIn + f.bytesOut)}, ${formatCount(f.packetsIn + f.packetsOut)} packets, ${formatDuration(f.duration)}${f.alerted ? '\nthe alerted flow' : ''}${f.phase === 'before' || f.phase === 'across' ? '\nbegan before the alert' : ''}`,
      first: f.activity.firstBucket,
      bytes: f.activity.bytes.slice(0, Math.max(0, buckets - f.activity.firstBucket)),
      packets: f.activity.packets,
    })),
  ];

  const width = Math.max(420, container.clientWidth || 640);
  const mark = alertMarker(m.alert, start, start + buckets * bucketSeconds);
  const top = mark.place === 'inside' ? MARK_TOP : 0;
  const notes = [mark.note, ...mark.captions].filter(Boolean);
  const axisY = top + strips.length * (ROW + GAP) + 4;
  const height = axisY + 24 + notes.length * NOTE_LINE;
  const t0 = new Date(start * 1000);
  const t1 = new Date((start + buckets * bucketSeconds) * 1000);
  const x = scaleUtc().domain([t0, t1]).range([LABEL_W, width - 12]);
  const at = (b: number): number => x(new Date((start + b * bucketSeconds) * 1000));
  const flowMax = max(strips.slice(1), (s) => max(s.bytes) ?? 0) ?? 0;

  const svg = root.append('svg').attr('class', 'timeline').attr('width', width).attr('height', height)
    .attr('viewBox', `0 0 ${width} ${height}`).attr('role', 'img').attr('aria-label', 'Traffic over time per flow');
  const span = buckets * bucketSeconds;
  const long = span >= 2 * 86400;
  const fmtS = utcFormat(long ? '%b %d %H:%M' : '%H:%M:%S');
  const fmtMs = utcFormat('%H:%M:%S.%L');
  const ticks = x.ticks(Math.max(2, Math.floor((width - LABEL_W) / 120)));
  const anyMs = ticks.some((d) => d.getUTCMilliseconds() !== 0);
  svg.append('g').attr('class', 'axis').attr('transform', `translate(0,${axisY})`)
    .call(axisBottom<Date>(x).tickValues(ticks).tickFormat((d) => (anyMs ? fmtMs(d) : fmtS(d))));
  svg.append('text').attr('class', 'axis-caption').attr('x', LABEL_W - 40).attr('y', axisY + 16).attr('text-anchor', 'end').text('time (UTC)');
  notes.forEach((n, k) => {
    svg.append('text').attr('class', `alert-note${k === 0 && mark.note ? ' outside' : ''}`).attr('x', LABEL_W).attr('y', axisY + 16 + (k + 1) * NOTE_LINE).text(clip(n, 300));
  });
  const markX = mark.place === 'inside' ? x(new Date(mark.time * 1000)) : NaN;
  if (mark.place === 'inside') {
    const g = svg.append('g').attr('class', 'alert-mark');
    g.append('title').text(`the alert's time: ${new Date(mark.time * 1000).toISOString()}${split ? `\n${split}` : ''}`);
    g.append('text').attr('class', 'alert-label').attr('x', markX).attr('y', MARK_TOP - 5)
      .attr('text-anchor', markX > width - 140 ? 'end' : markX < LABEL_W + 60 ? 'start' : 'middle').text(mark.label);
  }

  strips.forEach((s, i) => {
    const y0 = top + i * (ROW + GAP);
    const g = svg.append('g').attr('class', `strip${s.flow?.alerted ? ' alerted' : ''}${s.flow === null ? ' total' : ''}${s.flow && s.flow.index === input.selected ? ' selected' : ''}`)
      .attr('transform', `translate(0,${y0})`)
      .attr('data-flow', s.flow ? String(s.flow.index) : null);
    g.append('title').text(s.title);
    g.append('rect').attr('class', 'strip-bg').attr('x', LABEL_W).attr('width', width - 12 - LABEL_W).attr('height', ROW);
    if (mark.place === 'inside') g.append('rect').attr('class', 'before-alert').attr('x', LABEL_W).attr('width', Math.max(0, markX - LABEL_W)).attr('height', ROW);
    g.append('text').attr('class', 'strip-label').attr('x', LABEL_W - 8).attr('y', ROW / 2).attr('dy', '0.35em')
      .attr('text-anchor', 'end').text(s.label);
    const m = s.flow === null ? (max(s.bytes) ?? 0) : flowMax;
    const y = scaleSqrt().domain([0, Math.max(1, m)]).range([ROW - 1, 2]);
    const pts = s.bytes.map((b, k) => [s.first + k, b] as [number, number]);
    if (pts.length) pts.push([pts[pts.length - 1][0] + 1, pts[pts.length - 1][1]]);
    g.append('path').attr('class', 'strip-area')
      .attr('d', area<[number, number]>().curve(curveStepAfter).x((d) => at(d[0])).y0(ROW).y1((d) => y(d[1]))(pts) ?? '');
    if (mark.place === 'inside') g.append('line').attr('class', 'alert-line').attr('x1', markX).attr('x2', markX).attr('y1', -GAP / 2).attr('y2', ROW + GAP / 2);
    if (buckets <= 256) {
      s.bytes.forEach((b, k) => {
        if (b <= 0) return;
        const bi = s.first + k;
        const from = new Date((start + bi * bucketSeconds) * 1000).toISOString().slice(11, 23);
        g.append('rect').attr('class', 'hit').attr('x', at(bi)).attr('width', Math.max(1, at(bi + 1) - at(bi))).attr('height', ROW)
          .append('title').text(`${from} UTC +${formatDuration(bucketSeconds)}: ${formatBytes(b)}, ${formatCount(s.packets[k] ?? 0)} packets\n${s.title}`);
      });
    }
    if (s.flow) {
      const idx = s.flow.index;
      g.attr('tabindex', i === 1 ? 0 : -1).attr('role', 'button').attr('aria-label', `select flow: ${clip(s.title.replace(/\n/g, ', '), 300)}`)
        .on('click', () => events.select(idx))
        .on('keydown', function (e: KeyboardEvent) {
          if (e.key === 'Enter' || e.key === ' ') {
            e.preventDefault();
            events.select(idx);
          } else if (moveFocus(svg.selectAll<SVGGElement, unknown>('g.strip[role=button]').nodes(), this, e.key)) {
            e.preventDefault();
          }
        });
    }
  });
}

/** Marks the strip of the selected flow (if drawn) without redrawing. */
export function markTimelineSelection(container: HTMLElement, flowIndex: number | null): void {
  select(container).selectAll<SVGGElement, unknown>('g.strip').classed('selected', function () {
    return flowIndex !== null && this.dataset.flow === String(flowIndex);
  });
}
