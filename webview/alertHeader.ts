// The top of the page: the Falco alert the capture was made for (rule, priority coloured by
// severity, time, output, pod, node) and the capture (target, filters, outcome, snapshot gaps,
// a recorded window, the traffic before and after the alert, a workload capture's pods); without context, a plain capture
// header. All values are untrusted and set as text.
import type { AnnotatedSummary } from '../src/shared/annotatedSummary.js';
import { alertTimingOf, captureSplitText, recordedCaptions, type AlertTiming } from './alertTiming.js';
import { append, el, field } from './dom.js';
import { renderPods } from './capturePods.js';
import { clip, formatBytes, formatCount, formatDuration, formatTime, num, str, TITLE_MAX } from './format.js';

const SEVERITY: Record<string, string> = {
  emergency: 'sev-critical', alert: 'sev-critical', critical: 'sev-critical',
  error: 'sev-error', warning: 'sev-warning', notice: 'sev-notice',
  informational: 'sev-info', info: 'sev-info', debug: 'sev-info',
};

export function severityClass(priority: string): string {
  return SEVERITY[priority.toLowerCase()] ?? 'sev-info';
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function basename(p: string): string {
  const i = Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\'));
  return i >= 0 ? p.slice(i + 1) : p;
}

export function renderHeader(summary: AnnotatedSummary, file: string, flowCount?: number, timing: AlertTiming = alertTimingOf(summary)): HTMLElement {
  const root = el('header', 'alert-header');
  const ctx = isObj(summary.context) ? summary.context : undefined;
  const alert = ctx && isObj(ctx.alert) ? ctx.alert : undefined;

  if (alert) {
    const priority = str(alert.priority, 'Unknown', 64);
    const title = el('div', 'title-row');
    const badge = el('span', `priority ${severityClass(priority)}`, clip(priority, 24));
    badge.setAttribute('aria-label', `priority ${clip(priority, 24)}`);
    const rule = el('h1', 'rule', clip(str(alert.rule, '(no rule)'), 200));
    rule.title = clip(str(alert.rule), TITLE_MAX);
    append(title, badge, rule, el('span', 'time', formatTime(alert.time)));
    const output = el('p', 'output', clip(str(alert.output), 4000));
    output.title = 'Falco output';
    root.classList.add(severityClass(priority));
    append(root, title, output);
  } else {
    const title = el('div', 'title-row');
    append(title, el('span', 'priority sev-info', 'capture'), el('h1', 'rule', clip(basename(file) || 'capture', 200)));
    append(root, title);
  }

  const dl = el('dl', 'facts');
  if (alert) {
    const ns = str(alert.namespace, '', 256);
    const pod = str(alert.pod, '', 512);
    if (ns || pod) field(dl, 'pod', clip(ns && pod ? `${ns}/${pod}` : pod || ns, 200));
    const node = str(alert.node, '', 256);
    if (node) field(dl, 'node', clip(node, 120));
  }
  if (ctx) {
    field(dl, 'target', clip(str(ctx.target, '?'), 200));
    field(dl, 'capture filter', clip(str(ctx.filter) || '(none)', 300), clip(str(ctx.filter), TITLE_MAX), 'mono');
    field(dl, 'display filter', clip(str(ctx.displayFilter) || '(none)', 300), clip(str(ctx.displayFilter), TITLE_MAX), 'mono');
    const outcome = str(ctx.outcome, '', 64);
    if (outcome) {
      const reason = str(ctx.reason, '', 1024);
      field(dl, 'outcome', clip(reason ? `${outcome}: ${reason}` : outcome, 200), undefined, `outcome-${outcome === 'complete' ? 'ok' : 'warn'}`);
    }
  }
  field(dl, 'file', clip(basename(file) || '(unnamed)', 200), clip(file, TITLE_MAX), 'mono');
  const t = isObj(summary.totals) ? summary.totals : undefined;
  const nFlows = flowCount ?? (Array.isArray(summary.flows) ? summary.flows.length : 0);
  field(dl, 'traffic', `${formatCount(nFlows)} flows · ${formatCount(num(t?.packets))} packets · ${formatBytes(num(t?.bytes))} · ${formatDuration(num(t?.durationSeconds))}`);
  if (t?.firstPacket) field(dl, 'first packet', formatTime(t.firstPacket), clip(str(t.firstPacket), 64));
  const recorded = recordedCaptions(timing);
  if (recorded.length) {
    field(dl, 'recorded', `${recorded.join('; ')}${recorded.length > 1 ? ', older ones had been dropped' : ''}`, undefined, recorded.length > 1 ? 'outcome-warn' : undefined);
    if (timing.recorded?.recorder) field(dl, 'recorder', timing.recorded.recorder);
  }
  const split = captureSplitText(timing);
  if (split && timing.packetsBefore > 0) field(dl, 'alert split', split);
  append(root, dl, ctx ? renderPods(ctx.pods) : undefined);

  const warnings: string[] = [];
  const gaps = ctx && Array.isArray(ctx.snapshotGaps) ? ctx.snapshotGaps.filter((g): g is string => typeof g === 'string') : [];
  for (const g of gaps.slice(0, 20)) warnings.push(`cluster snapshot incomplete: ${clip(g, 300)}`);
  if (gaps.length > 20) warnings.push(`… and ${gaps.length - 20} more snapshot gaps`);
  if (ctx && !ctx.snapshotTakenAt) warnings.push('no cluster snapshot: endpoints are not named');
  if (isObj(summary.truncated)) warnings.push(`capture truncated at byte ${formatCount(num(summary.truncated.offset))}: ${clip(str(summary.truncated.reason), 300)}`);
  const overflow = t && isObj(t.overflow) ? t.overflow : undefined;
  if (overflow && num(overflow.flowsRefused) > 0) warnings.push(`${formatCount(num(overflow.flowsRefused))} flows not tracked (limit ${formatCount(num(overflow.maxFlows))})`);
  if (warnings.length) {
    const ul = el('ul', 'warnings');
    ul.setAttribute('aria-label', 'warnings');
    for (const w of warnings) append(ul, el('li', undefined, w));
    append(root, ul);
  }
  return root;
}
