// Automatic capture on alert: each alert goes through the policy; a 'capture' decision plans
// and runs a capture; every decision (started, or skipped and why) goes to the audit log;
// after each capture the disk budget is enforced by removing the oldest automatic captures.
import { EventEmitter } from 'node:events';
import { readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FalcoAlert } from '../alerts/types.js';
import { CapturePolicy, type CapturePolicyConfig, type PolicyState, type SkipReason } from './capturePolicy.js';
import { planFromAlert, type CapturePlan, type PlanSettings } from './capturePlan.js';
import type { CaptureRecord } from './captureSession.js';
import { appendAudit } from './auditLog.js';

export type StartCapture = (plan: CapturePlan, alert: FalcoAlert) => Promise<CaptureRecord>;

export interface AutomationOptions {
  policy: CapturePolicyConfig;
  outDir: string;
  auditLog?: string;
  planSettings?: PlanSettings;
  /** Runs one capture (normally `runCapture` bound to a kubeconfig). */
  start: StartCapture;
  now?: () => number;
  /** The guards' memory of a previous automation (settings changed while captures ran). */
  policyState?: PolicyState;
}

export interface AutomationMetrics {
  alertsReceived: number;
  capturesStarted: number;
  capturesCompleted: Record<string, number>;
  skipped: Partial<Record<SkipReason | 'plan-error' | 'capture-error', number>>;
  bytesStored: number;
  removedForBudget: number;
}

interface AutomationEvents {
  started: [CapturePlan, FalcoAlert];
  finished: [CaptureRecord, FalcoAlert];
  skipped: [string, string, FalcoAlert];
  removed: [string];
}

export class CaptureAutomation extends EventEmitter<AutomationEvents> {
  readonly policy: CapturePolicy;
  readonly metrics: AutomationMetrics = { alertsReceived: 0, capturesStarted: 0, capturesCompleted: {}, skipped: {}, bytesStored: 0, removedForBudget: 0 };
  private readonly inFlight = new Set<Promise<void>>();
  private readonly now: () => number;
  /** Serialises budget enforcement (two captures ending together must not both delete). */
  private budgetChain: Promise<void> = Promise.resolve();

  constructor(private readonly o: AutomationOptions) {
    super();
    this.policy = new CapturePolicy(o.policy, o.policyState);
    this.now = o.now ?? Date.now;
  }

  /** Decides for one alert; a capture, if started, runs in the background (see `idle()`). */
  async handle(alert: FalcoAlert): Promise<void> {
    this.metrics.alertsReceived++;
    const d = this.policy.decide(alert, this.now());
    if (d.action === 'skip') {
      this.countSkip(d.reason);
      await appendAudit(this.o.auditLog, { event: 'auto-capture-skipped', reason: d.reason, detail: d.detail, rule: alert.rule, namespace: alert.namespace, pod: alert.pod, alert: alert.fingerprint });
      this.emit('skipped', d.reason, d.detail, alert);
      return;
    }
    let plan: CapturePlan;
    try {
      plan = planFromAlert(alert, this.o.planSettings);
    } catch (e) {
      this.policy.finished();
      this.countSkip('plan-error');
      await appendAudit(this.o.auditLog, { event: 'auto-capture-skipped', reason: 'plan-error', detail: (e as Error).message, rule: alert.rule, alert: alert.fingerprint });
      return;
    }
    this.metrics.capturesStarted++;
    await appendAudit(this.o.auditLog, { event: 'auto-capture-started', id: plan.id, rule: alert.rule, pod: d.pod, filter: plan.filter.bpf, alert: alert.fingerprint });
    this.emit('started', plan, alert);
    const run = this.run(plan, alert);
    this.inFlight.add(run);
    void run.finally(() => this.inFlight.delete(run));
  }

  /** Resolves when no capture is running. */
  async idle(): Promise<void> {
    while (this.inFlight.size) await Promise.all([...this.inFlight]);
    await this.budgetChain;
  }

  private async run(plan: CapturePlan, alert: FalcoAlert): Promise<void> {
    try {
      const rec = await this.o.start({ ...plan, notes: [...plan.notes, 'started automatically by the capture policy'] }, alert);
      this.metrics.capturesCompleted[rec.outcome] = (this.metrics.capturesCompleted[rec.outcome] ?? 0) + 1;
      await markAutomatic(rec.sidecar);
      this.emit('finished', rec, alert);
    } catch (e) {
      this.countSkip('capture-error');
      await appendAudit(this.o.auditLog, { event: 'auto-capture-failed', id: plan.id, detail: (e as Error).message });
    } finally {
      this.policy.finished();
      this.budgetChain = this.budgetChain.then(() => this.enforceBudget()).catch(() => undefined);
      await this.budgetChain;
    }
  }

  private countSkip(reason: SkipReason | 'plan-error' | 'capture-error'): void {
    this.metrics.skipped[reason] = (this.metrics.skipped[reason] ?? 0) + 1;
  }

  /** Removes the oldest automatic captures until the folder is within the budget. */
  async enforceBudget(): Promise<void> {
    const list = await listCaptures(this.o.outDir);
    let total = list.reduce((n, c) => n + c.bytes, 0);
    for (const c of list.filter((x) => x.automatic).sort((a, b) => a.createdAt.localeCompare(b.createdAt))) {
      if (total <= this.o.policy.diskBudgetBytes) break;
      await Promise.all(c.files.map((f) => rm(f, { force: true })));
      total -= c.bytes;
      this.metrics.removedForBudget++;
      await appendAudit(this.o.auditLog, { event: 'auto-capture-removed', id: c.id, bytes: c.bytes, reason: `disk budget of ${this.o.policy.diskBudgetBytes} bytes` });
      this.emit('removed', c.id);
    }
    this.metrics.bytesStored = Math.max(0, total);
  }
}

/** The parts of a sidecar a listing shows. */
export interface SidecarFacts {
  record?: { outcome?: string; reason?: string; packets?: number };
  plan?: { createdAt?: string; target?: { kind: string; namespace?: string; pod?: string; iface?: string }; alert?: { rule?: string; priority?: string | null } };
  automatic?: boolean;
}

export interface StoredCapture {
  id: string;
  createdAt: string;
  automatic: boolean;
  bytes: number;
  files: string[];
  sidecar: string;
  /** The sidecar as read for this listing (so that callers need not read it again). */
  facts: SidecarFacts;
}

/** Captures in a folder, from their sidecars (a pcapng without a sidecar is not ours). */
export async function listCaptures(dir: string): Promise<StoredCapture[]> {
  let names: string[];
  try { names = await readdir(dir); } catch { return []; }
  const out: StoredCapture[] = [];
  for (const n of names.filter((x) => x.endsWith('.falcoshark.json'))) {
    const sidecar = join(dir, n);
    const id = n.slice(0, -'.falcoshark.json'.length);
    try {
      const side = JSON.parse(await readFile(sidecar, 'utf8')) as SidecarFacts;
      const files = [sidecar, join(dir, `${id}.pcapng`)];
      let bytes = 0;
      for (const f of files) bytes += await stat(f).then((s) => s.size, () => 0);
      out.push({ id, createdAt: side.plan?.createdAt ?? '', automatic: side.automatic === true, bytes, files, sidecar, facts: side });
    } catch { /* unreadable sidecar: not counted as ours */ }
  }
  return out;
}

async function markAutomatic(sidecar: string): Promise<void> {
  try {
    const v = JSON.parse(await readFile(sidecar, 'utf8')) as Record<string, unknown>;
    v.automatic = true;
    await writeFile(sidecar, JSON.stringify(v, null, 2));
  } catch { /* a capture that left no sidecar has nothing to mark */ }
}
