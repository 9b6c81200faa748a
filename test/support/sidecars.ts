// Complete, valid capture sidecars for tests, made with the core's own type and writer
// (src/core/capture/captureSidecar.ts), so a fixture cannot drift from what a capture writes.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { planForPod, planForWorkload, planLocal, type CaptureTarget } from '../../src/core/capture/capturePlan.js';
import { sidecarOf, SIDECAR_SUFFIX, type CaptureSidecar } from '../../src/core/capture/captureSidecar.js';
import type { CaptureOutcome } from '../../src/core/capture/captureSession.js';

export interface SidecarSpec {
  id: string;
  createdAt?: string;
  target?: CaptureTarget;
  alert?: { rule: string; priority: string | null; output?: string };
  automatic?: boolean;
  outcome?: CaptureOutcome;
  reason?: string;
  packets?: number;
}

export function testSidecar(s: SidecarSpec): CaptureSidecar {
  const t = s.target ?? { kind: 'pod', namespace: 'shop', pod: 'api-1' };
  const base = t.kind === 'pod' ? planForPod({ namespace: t.namespace, pod: t.pod }, { method: 'exec' })
    : t.kind === 'workload' ? planForWorkload({ namespace: t.namespace, selector: t.selector }, { method: 'exec' })
      : planLocal({ iface: t.iface, ...(t.netns ? { netns: t.netns } : {}) });
  const createdAt = s.createdAt ?? '2026-11-28T14:26:39.000Z';
  const plan = {
    ...base, id: s.id, createdAt, target: t,
    ...(s.alert ? { alert: { rule: s.alert.rule, priority: s.alert.priority, time: createdAt, output: s.alert.output ?? s.alert.rule, uuid: null, fingerprint: s.id, source: 'syscall', node: null } } : {}),
    ...(s.automatic ? { automatic: true } : {}),
  };
  return sidecarOf({ plan, record: { id: s.id, file: `${s.id}.pcapng`, sidecar: `${s.id}${SIDECAR_SUFFIX}`, outcome: s.outcome ?? 'complete',
    reason: s.reason ?? 'test', packets: s.packets ?? 0, alertedPackets: 0, bytes: 0, startedAt: createdAt, endedAt: createdAt } });
}

/** Writes `<dir>/<id>.falcoshark.json`; the path. */
export function writeTestSidecar(dir: string, s: SidecarSpec): string {
  const path = join(dir, `${s.id}${SIDECAR_SUFFIX}`);
  writeFileSync(path, JSON.stringify(testSidecar(s)));
  return path;
}
