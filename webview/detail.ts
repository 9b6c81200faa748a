// The selected flow in full: both endpoints, the pods it was captured on, counts each way, times, TCP flags, DNS questions
// and answers, TLS SNI, HTTP request line. Read defensively from the raw record; set as text.
import { append, el, field } from './dom.js';
import type { FlowView } from './flowModel.js';
import { clip, formatBytes, formatCount, formatDuration, num, str, TITLE_MAX } from './format.js';
import { beforeAlertText } from './alertTiming.js';

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Plain-text description of a flow (for "Copy flow"). */
export function flowText(f: FlowView, raw: unknown): string {
  const lines = [
    `${f.protocol} ${f.client.addr} → ${f.server.addr}${f.alerted ? ' (alerted flow)' : ''}`,
    `client: ${f.client.label}`,
    `server: ${f.server.label}`,
    ...(f.capturedOn.length ? [`captured on: ${f.capturedOn.join(', ')}`] : []),
    `packets: ${f.packetsOut} → / ${f.packetsIn} ←; bytes: ${f.bytesOut} → / ${f.bytesIn} ←`,
    `first seen: ${f.firstSeenText}; duration: ${formatDuration(f.duration)}`,
    ...(f.phase === 'none' ? [] : [`before the alert: ${beforeAlertText(f)}`]),
    ...f.names,
  ];
  if (isObj(raw) && Array.isArray(raw.dns)) {
    for (const d of raw.dns.slice(0, 16)) {
      if (!isObj(d) || !Array.isArray(d.answers)) continue;
      for (const a of d.answers.slice(0, 16)) if (isObj(a)) lines.push(`  ${str(a.name, '', 300)} ${str(a.type, '', 16)} ${str(a.value, '', 300)}`);
    }
  }
  return lines.join('\n').slice(0, 60 * 1024);
}

export function renderDetail(box: HTMLElement, f: FlowView | undefined, raw: unknown, hiddenByFilter = false): void {
  box.replaceChildren();
  if (!f) {
    append(box, el('p', 'muted', 'Select a flow to see its details.'));
    return;
  }
  const h = el('h3', f.alerted ? 'alerted' : undefined, `${f.alerted ? '⚑ alerted flow · ' : ''}${f.protocol} ${f.client.addr} → ${f.server.addr}`);
  const dl = el('dl', 'facts');
  field(dl, 'client', clip(f.client.label, 300), clip(f.client.label, TITLE_MAX));
  field(dl, 'server', clip(f.server.label, 300), clip(f.server.label, TITLE_MAX));
  if (f.capturedOn.length) field(dl, 'captured on', clip(f.capturedOn.join(', '), 600), clip(f.capturedOn.join('\n'), TITLE_MAX), 'mono');
  field(dl, 'packets', `${formatCount(f.packetsOut)} → · ${formatCount(f.packetsIn)} ←`);
  field(dl, 'bytes', `${formatBytes(f.bytesOut)} → · ${formatBytes(f.bytesIn)} ←`);
  field(dl, 'first seen', f.firstSeenText || '–');
  field(dl, 'duration', formatDuration(f.duration));
  if (f.phase !== 'none') field(dl, 'before the alert', beforeAlertText(f), undefined, f.phase === 'after' ? undefined : 'began-before');
  if (f.flags.length) field(dl, 'TCP flags', f.flags.join(' '));
  const r = isObj(raw) ? raw : {};
  const depth = num(r.tunnelDepth);
  if (depth > 0) field(dl, 'tunnelled', `${depth} IP layer${depth === 1 ? '' : 's'} deep`);
  if (typeof r.tlsSni === 'string') field(dl, 'TLS SNI', clip(r.tlsSni, 300), undefined, 'mono');
  if (isObj(r.http)) {
    const x = r.http;
    field(dl, 'HTTP', clip(`${str(x.method, '?', 32)} ${str(x.path, '', 2048)} ${str(x.version, '', 16)}`, 400), clip(str(x.path), TITLE_MAX), 'mono');
    if (typeof x.host === 'string') field(dl, 'HTTP host', clip(x.host, 300), undefined, 'mono');
  }
  if (Array.isArray(r.dns)) {
    for (const d of r.dns.slice(0, 8)) {
      if (!isObj(d)) continue;
      const answers = Array.isArray(d.answers) ? d.answers.filter(isObj).slice(0, 8).map((a) => `${str(a.type, '?', 16)} ${str(a.value, '', 300)}`) : [];
      field(dl, 'DNS', clip(`${str(d.name, '?', 1024)} ${str(d.type, '', 16)} ${str(d.rcode, '', 16)}${answers.length ? ` → ${answers.join(', ')}` : ''}`, 400), undefined, 'mono');
    }
  }
  append(box, h, hiddenByFilter ? el('p', 'muted', 'This flow is hidden by the filter.') : null, dl);
}
