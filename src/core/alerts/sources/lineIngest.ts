// Turns lines into SourceEvents and pushes them with back-pressure (shared by file and log sources).
import type { BoundedQueue } from '../boundedQueue.js';
import type { SourceEvent } from './sourceEvents.js';
import type { SplitLine } from '../lineSplitter.js';
import { parseAlert } from '../alertParser.js';

export async function ingestLines(lines: SplitLine[], source: string, queue: BoundedQueue<SourceEvent>, maxLineBytes: number): Promise<void> {
  for (const l of lines) {
    let ev: SourceEvent;
    if (!l.ok) {
      ev = { type: 'skipped', source, kind: 'too-large', reason: `a line of ${l.bytes} bytes exceeds the ${maxLineBytes}-byte limit` };
    } else {
      const r = parseAlert(l.line, { maxBytes: maxLineBytes });
      if (r.ok) ev = { type: 'alert', source, alert: r.alert };
      else if (r.kind === 'empty') continue;
      else ev = { type: 'skipped', source, kind: r.kind, reason: r.reason, ...(r.hint !== undefined ? { hint: r.hint } : {}) };
    }
    if (!queue.offer(ev)) await queue.push(ev);
  }
}
