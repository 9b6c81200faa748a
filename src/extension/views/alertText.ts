// Text of an alert for the tree and the read-only alert document. Pure, no `vscode`.
import type { FalcoAlert } from '../../core/alerts/types.js';
import type { StoredAlert } from '../../core/alerts/alertStore.js';
import { formatConnection } from '../../core/alerts/alertFormat.js';
import { terminalSafe } from '../../core/util/terminalSafe.js';
import type { GroupLevel } from './alertGrouping.js';

/** Control characters (incl. bidi overrides) shown as escapes, so text cannot fake lines. */
export function plain(s: string, max = 2000): string {
  return terminalSafe(s, max);
}

/** The leaf label: what the grouping does not already say. */
export function alertOneLine(a: FalcoAlert, levels: readonly GroupLevel[]): string {
  const parts: string[] = [];
  if (!levels.includes('rule')) parts.push(a.rule);
  if (!levels.includes('pod')) parts.push(a.pod ? `${a.namespace ?? '?'}/${a.pod}` : a.node ? `host ${a.node}` : '');
  const conn = formatConnection(a);
  if (conn) parts.push(conn);
  else if (a.process.name) parts.push(a.process.cmdline ?? a.process.name);
  const s = parts.filter(Boolean).join(' · ') || a.output;
  return plain(s.replace(/\s+/g, ' '), 200);
}

function field(k: string, v: unknown): string {
  const shown = v === null || v === undefined ? '—' : typeof v === 'string' ? v : JSON.stringify(v);
  return `  ${k.padEnd(22)} ${plain(shown, 4000).replace(/\n/g, '\\n')}`;
}

/** The read-only document shown for an alert: summary, fields, output, raw JSON. */
export function alertDocumentText(e: StoredAlert): string {
  const a = e.alert;
  const lines = [
    `${a.priority ?? '(no priority)'}: ${plain(a.rule, 500)}`,
    '',
    `Seen ${e.count} time${e.count === 1 ? '' : 's'}; first ${new Date(e.firstSeen).toISOString()}, last ${new Date(e.lastSeen).toISOString()}`,
    '',
    'Summary',
    field('time', a.time),
    field('node', a.node),
    field('namespace/pod', a.pod ? `${a.namespace ?? ''}/${a.pod}` : null),
    field('container', a.container.name ?? a.container.id),
    field('image', a.container.image),
    field('process', a.process.cmdline ?? a.process.name),
    field('user', a.process.user),
    field('connection', formatConnection(a) || null),
    field('source', a.source),
    field('tags', a.tags.join(', ')),
    field('uuid', a.uuid),
    '',
    'Output',
    `  ${plain(a.output, 8000).replace(/\n/g, '\n  ')}`,
    '',
    'Fields',
    ...Object.keys(a.outputFields).sort().map((k) => field(k, a.outputFields[k])),
  ];
  if (a.problems.length) {
    lines.push('', 'Values refused by validation', ...a.problems.map((p) => field(p.field, `${p.raw}: ${p.reason}`)));
  }
  if (a.raw !== undefined) lines.push('', 'Raw JSON (as received)', a.raw);
  const { raw: _raw, ...parsed } = a;
  lines.push('', 'JSON (the alert as parsed; output_fields and unknown keys exactly as received)', JSON.stringify(parsed, null, 2));
  return `${lines.join('\n')}\n`;
}
