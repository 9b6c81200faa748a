// The summary the extension host hands around (to the flow panel, to Open in Wireshark) for
// an analysis that came back as columns: its `flows` is a read-only array view that makes a
// flow's record when it is asked for (summary.flows[i], .find, .length), and `columns` is
// what the webview draws from. JSON.stringify (how VS Code posts a webview message) writes
// the view as an empty list and the columns' typed arrays as binary buffers: the message of a
// 600,000-flow summary is a few MB of JSON plus the buffers, not ~400 MB of text, and the
// host never holds 600,000 record objects. No `vscode` import.
import type { AnnotatedFlow, AnnotatedSummary } from '../shared/annotatedSummary.js';
import type { FlowColumns } from '../../webview/flowColumns.js';
import { recordAt } from '../../webview/flowColumnsRead.js';

function index(prop: string | symbol): number {
  if (typeof prop !== 'string' || prop === '' || prop.length > 10) return -1;
  for (let i = 0; i < prop.length; i++) {
    const c = prop.charCodeAt(i);
    if (c < 0x30 || c > 0x39 || (i === 0 && c === 0x30 && prop.length > 1)) return -1;
  }
  return Number(prop);
}

/** An array-like view of the columns' flows, made record by record. */
export function flowsView(columns: FlowColumns): AnnotatedFlow[] {
  const decoder = new TextDecoder();
  return new Proxy<AnnotatedFlow[]>([], {
    get(target, prop, receiver) {
      if (prop === 'length') return columns.count;
      if (prop === 'toJSON') return () => [];
      const i = index(prop);
      if (i >= 0) return i < columns.count ? recordAt(columns, i, decoder) : undefined;
      return Reflect.get(target, prop, receiver) as unknown;
    },
    has(target, prop) {
      const i = index(prop);
      return i >= 0 ? i < columns.count : Reflect.has(target, prop);
    },
    set() {
      return false;
    },
  });
}

/** `head` (a summary without flows) with the columns' flows. */
export function summaryOfColumns(head: AnnotatedSummary, columns: FlowColumns): AnnotatedSummary {
  return Object.assign({ ...head, flows: flowsView(columns) }, { columns });
}
