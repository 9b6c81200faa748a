// Reads the first Falco alert of a file (JSON, JSON lines, a Falcosidekick body; '-' = stdin),
// or says why there is none.
import { readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { parseAlertDocument } from '../core/alerts/alertParser.js';
import type { FalcoAlert } from '../core/alerts/types.js';
import { PlanError } from '../core/capture/capturePlan.js';

export async function readAlertFile(file: string): Promise<FalcoAlert> {
  const text = file === '-' ? readFileSync(0, 'utf8') : await readFile(file, 'utf8');
  const doc = parseAlertDocument(text);
  for (const r of doc.alerts) if (r.ok) return r.alert;
  const first = doc.alerts.find((r) => !r.ok);
  throw new PlanError(`no Falco alert in ${file}${first && !first.ok ? `: ${first.reason}${first.hint ? ` (${first.hint})` : ''}` : ''}`);
}
