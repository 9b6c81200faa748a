// The captures of the capture folder as the Captures view shows them: what their sidecar says
// (alert, target, outcome, automatic), from the core's listing (captureSidecar.ts). Pure node,
// no `vscode` (capturesTree.ts renders it).
import { basename } from 'node:path';
import { listCaptures, readStoredCapture, type StoredCapture } from '../../core/capture/captureSidecar.js';
import { shortTarget } from '../../core/capture/planText.js';

export interface CaptureInfo {
  file: string;
  name: string;
  size: number;
  /** Epoch ms: the plan's creation time, else the file's modification time. */
  time: number;
  rule?: string;
  priority?: string | null;
  target?: string;
  outcome?: string;
  /** Started by the capture policy (falcoshark.autoCapture, falcoshark serve). */
  automatic?: boolean;
  /** The sidecar could not be read (broken JSON, a wrong field, too large). */
  sidecarProblem?: string;
}

function infoOf(c: StoredCapture & { file: string }): CaptureInfo {
  const info: CaptureInfo = { file: c.file, name: basename(c.file), size: c.size, time: c.time };
  const side = c.sidecar;
  if (side) {
    if (side.plan.alert) { info.rule = side.plan.alert.rule; info.priority = side.plan.alert.priority; }
    info.target = shortTarget(side.plan.target);
    info.outcome = side.record.outcome;
    if (side.automatic) info.automatic = true;
  }
  if (c.sidecarProblem) info.sidecarProblem = c.sidecarProblem;
  return info;
}

/** One capture file with its sidecar's facts; undefined when the file is gone. */
export async function captureInfo(file: string): Promise<CaptureInfo | undefined> {
  const c = await readStoredCapture(file);
  return c?.file ? infoOf({ ...c, file: c.file }) : undefined;
}

/** The capture files of `dir` as the view shows them (the core's listing, without the sidecars
 *  whose capture file is gone), newest first; [] when the folder does not exist. */
export async function captureInfos(dir: string): Promise<CaptureInfo[]> {
  return (await listCaptures(dir)).flatMap((c) => (c.file ? [infoOf({ ...c, file: c.file })] : []));
}
