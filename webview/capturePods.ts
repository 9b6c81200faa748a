// A workload capture's pods in the header: one row per pod (name, node, how its capture went,
// its packets in the file, the reason of a pod that failed, was skipped or stopped early), from
// the summary context's `pods` (podRows.ts). Untrusted: every value is set as text, cut.
import { append, el } from './dom.js';
import { clip, formatCount, TITLE_MAX } from './format.js';
import { outcomeClass, podRows, podsCaption } from './podRows.js';

/** Rows made; a capture holds at most 50 pods at once, more may have been skipped. */
const MAX_ROWS = 100;
/** More pods than this: the list starts folded (its summary line says the outcomes). */
const OPEN_ROWS = 8;

export function renderPods(pods: unknown): HTMLElement | undefined {
  const rows = podRows(pods);
  if (!rows) return undefined;
  const box = el('details', 'pods');
  box.open = rows.length <= OPEN_ROWS;
  const table = el('table', 'pods-table');
  const caption = el('summary', undefined, `Captured on ${podsCaption(rows)}`);
  const head = el('tr');
  for (const h of ['pod', 'node', 'outcome', 'packets', 'reason']) append(head, el('th', undefined, h));
  const body = el('tbody');
  for (const r of rows.slice(0, MAX_ROWS)) {
    const tr = el('tr', `pod-${outcomeClass(r.outcome)}`);
    const name = el('td', 'mono', clip(r.pod, 200));
    name.title = clip(r.pod, TITLE_MAX);
    const reason = el('td', 'reason', clip(r.reason, 300));
    if (r.reason) reason.title = clip(r.reason, TITLE_MAX);
    append(tr, name, el('td', undefined, clip(r.node, 120)), el('td', 'outcome', clip(r.outcome, 24)), el('td', 'num', formatCount(r.packets)), reason);
    append(body, tr);
  }
  const thead = el('thead');
  append(thead, head);
  append(table, thead, body);
  append(box, caption, table, rows.length > MAX_ROWS ? el('p', 'muted', `… and ${formatCount(rows.length - MAX_ROWS)} more pods`) : null);
  return box;
}
