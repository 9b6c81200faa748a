// A flight-recorder capture for the before/after-the-alert tests: the real gen_lo.pcapng with a
// synthetic sidecar whose plan has method 'recorder' and a recorded window (60 s before → 30 s
// after) around an alert time in the middle of the capture, the C2 flow of the webview fixture
// (port 34043 → 7000) as the alerted flow.
import { join } from 'node:path';
import { isoTime, parseIsoTime } from '../../../src/core/flows/format.js';
import type { CaptureSidecar } from '../../../src/core/capture/captureSidecar.js';
import { testSidecar } from '../../support/sidecars.js';

export const GEN_LO = join(__dirname, '..', '..', 'fixtures', 'pcap', 'gen_lo.pcapng');
/** gen_lo.pcapng runs from 13:42:53.878 to 13:42:58.385; frames 442 and 443 are at
 *  …55.488267553 and …55.509995497: the alert falls between them. */
export const MID_ALERT = '2026-11-28T13:42:55.500000000Z';
export const MID_ALERT_EPOCH = '1795873375.5';

export function recordedSidecar(alertTime = MID_ALERT, heldFrom?: string): CaptureSidecar {
  const s = testSidecar({ id: 'rec', alert: { rule: 'Outbound Connection to C2 Servers', priority: 'Critical' } });
  const t = parseIsoTime(alertTime) as { sec: number; ns: number };
  s.plan.method = 'recorder';
  s.plan.alert = { ...(s.plan.alert as NonNullable<CaptureSidecar['plan']['alert']>), time: alertTime };
  s.plan.flow = { protocol: 'tcp', client: { ip: '127.224.71.162', port: 34043 }, server: { ip: '127.0.0.1', port: 7000 } };
  s.plan.recorded = { recorder: 'falcoshark/falcoshark-recorder-x2k4 on node lab', alertTime, beforeSeconds: 60, afterSeconds: 30,
    from: isoTime(t.sec - 60, t.ns), to: isoTime(t.sec + 30, t.ns), ...(heldFrom ? { heldFrom } : {}) };
  return s;
}
