// Automatic capture on alert: each alert goes through the policy; a 'capture' decision plans
// and runs a capture; every decision (started, or skipped and why) goes to the audit log;
// after each capture the disk budget is enforced by removing the oldest automatic captures.
import { EventEmitter } from 'node:events';
import { rm } from 'node:fs/promises';
import type { FalcoAlert } from '../alerts/types.js';
import { CapturePolicy, type CapturePolicyConfig, type PolicyState, type SkipReason } from './capturePolicy.js';
import { planFromAlert, type CapturePlan, type PlanSettings } from './capturePlan.js';
import type { CaptureRecord } from './captureSession.js';
import { appendAudit } from './auditLog.js';
import { listCaptures } from './captureSidecar.js';

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
  /** The policy said no: its reason and the detail. */
  skipped: [SkipReason, string, FalcoAlert];
  /** The policy said yes, but no plan can be made for the alert (a bad name, method, tool…). */
  planFailed: [Error, FalcoAlert];
  /** A capture that started could not run (the pod refused it, the connection failed, …). */
  failed: [CapturePlan, Error, FalcoAlert];
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
      const error = e instanceof Error ? e : new Error(String(e));
      await appendAudit(this.o.auditLog, { event: 'auto-capture-skipped', reason: 'plan-error', detail: error.message, rule: alert.rule, alert: alert.fingerprint });
      this.emit('planFailed', error, alert);
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
      // Known before it starts: the sidecar is written once, at the end, already marked.
      const rec = await this.o.start({ ...plan, automatic: true, notes: [...plan.notes, 'started automatically by the capture policy'] }, alert);
      this.metrics.capturesCompleted[rec.outcome] = (this.metrics.capturesCompleted[rec.outcome] ?? 0) + 1;
      this.emit('finished', rec, alert);
    } catch (e) {
      this.countSkip('capture-error');
      await appendAudit(this.o.auditLog, { event: 'auto-capture-failed', id: plan.id, detail: (e as Error).message });
      this.emit('failed', plan, e instanceof Error ? e : new Error(String(e)), alert);
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
    // Only captures with a readable sidecar are ours; a pcap a person put here is not removed.
    const list = (await listCaptures(this.o.outDir)).filter((c) => c.sidecar);
    let total = list.reduce((n, c) => n + c.bytes, 0);
    for (const c of list.filter((x) => x.sidecar?.automatic).sort((a, b) => a.time - b.time)) {
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
