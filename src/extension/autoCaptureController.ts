// The alert → automatic capture wiring of the extension, without `vscode`: every alert the
// Alerts view receives (a new entry of the store, or an entry whose count grew) goes to a
// CaptureAutomation built from the settings' policy; every decision is logged. autoCapture.ts
// supplies the capture runner (progress, status bar) and the notifications.
import { join } from 'node:path';
import type { AlertStore, StoreChange } from '../core/alerts/alertStore.js';
import type { FalcoAlert } from '../core/alerts/types.js';
import { CaptureAutomation, type StartCapture } from '../core/capture/captureAutomation.js';
import type { PlanSettings } from '../core/capture/capturePlan.js';
import type { PolicyState } from '../core/capture/capturePolicy.js';
import type { CaptureRecord } from '../core/capture/captureSession.js';
import { describePolicy, type AutoCaptureConfig } from './autoCaptureSettings.js';

export type AutoLog = (level: 'info' | 'warn' | 'error', message: string) => void;

export interface AutoCaptureHost {
  log: AutoLog;
  /** Runs one capture the way a manual one runs; resolves with its record or throws. */
  start: StartCapture;
  onFinished?: (rec: CaptureRecord, alert: FalcoAlert) => void;
  onRemoved?: (id: string) => void;
  /** A capture the policy chose could not start (no kubeconfig, RBAC, image pull…). */
  onStartError?: (message: string, alert: FalcoAlert) => void;
}

export interface AutoCaptureSetup {
  config: AutoCaptureConfig;
  outDir: string;
  planSettings: PlanSettings;
  /** False in an untrusted workspace: no capture starts by itself there. */
  trusted: boolean;
}

const where = (a: FalcoAlert): string => `${a.namespace ?? '?'}/${a.pod ?? '?'}`;

export class AutoCaptureController {
  private automation: CaptureAutomation | undefined;
  /** The guards' state of the last automation, kept while automatic capture is off so that
   *  captures it started still count when it is turned on again. */
  private retiredState: PolicyState | undefined;
  /** Last count seen per store entry: an 'updated' entry is a new alert only if it grew. */
  private readonly counts = new Map<string, number>();
  private readonly listener = (c: StoreChange): void => this.onChange(c);
  private readonly pending = new Set<Promise<void>>();
  private lastSetup = '';
  private lastState: AutoCaptureConfig['state'] = 'off';

  constructor(private readonly store: AlertStore, private readonly host: AutoCaptureHost, private readonly now: () => number = Date.now) {
    store.on('change', this.listener);
  }

  /** The automation in use (undefined while automatic capture is off). */
  get active(): CaptureAutomation | undefined { return this.automation; }

  /** Applies the settings: a new automation (fresh policy state) whenever they changed.
   *  False when nothing changed. */
  configure(setup: AutoCaptureSetup): boolean {
    const key = JSON.stringify(setup);
    if (key === this.lastSetup) return false;
    this.lastSetup = key;
    const { config } = setup;
    const wasOff = this.lastState === 'off';
    this.lastState = config.state;
    // A previous automation's running captures end and are announced as usual; they still
    // count against the new limits (the policy state is handed over).
    const previousState = this.automation?.policy.state ?? this.retiredState;
    this.retiredState = previousState;
    this.automation = undefined;
    if (config.state === 'off') { if (!wasOff) this.host.log('info', 'automatic capture: off'); return true; }
    if (config.state === 'invalid') {
      this.host.log('error', `automatic capture: off, ${config.setting} ${config.reason}`);
      return true;
    }
    if (!setup.trusted) { this.host.log('warn', 'automatic capture: off in an untrusted workspace'); return true; }
    const log = this.host.log;
    const a = new CaptureAutomation({
      policy: config.policy, outDir: setup.outDir, auditLog: join(setup.outDir, 'audit.jsonl'), planSettings: setup.planSettings, now: this.now,
      ...(previousState ? { policyState: previousState } : {}),
      start: async (plan, alert) => {
        try {
          return await this.host.start(plan, alert);
        } catch (e) {
          log('error', `automatic capture ${plan.id} did not start: ${(e as Error).message}`);
          this.host.onStartError?.((e as Error).message, alert);
          throw e;
        }
      },
    });
    a.on('started', (p, al) => log('info', `automatic capture ${p.id} started for "${al.rule}" on ${where(al)}: ${p.filter.description}`));
    a.on('skipped', (reason, detail, al) => log('info', `automatic capture skipped for "${al.rule}" on ${where(al)}: ${reason}: ${detail}`));
    a.on('planFailed', (e, al) => log('warn', `automatic capture skipped for "${al.rule}" on ${where(al)}: the capture could not be planned: ${e.message}`));
    a.on('finished', (r, al) => {
      log(r.outcome === 'failed' ? 'warn' : 'info', `automatic capture ${r.id} ${r.outcome}: ${r.reason} (${r.packets} packets, ${r.bytes} bytes) → ${r.file}`);
      this.host.onFinished?.(r, al);
    });
    a.on('failed', (p, e, al) => log('warn', `automatic capture ${p.id} for "${al.rule}" on ${where(al)} failed: ${e.message}`));
    a.on('removed', (id) => { log('info', `automatic capture ${id} removed (disk budget of ${config.policy.diskBudgetBytes} bytes)`); this.host.onRemoved?.(id); });
    this.automation = a;
    log('info', `automatic capture: on (${describePolicy(config.policy)}); captures in ${setup.outDir}`);
    return true;
  }

  private onChange(c: StoreChange): void {
    if (c.type === 'evicted') { this.counts.delete(c.entry.key); return; }
    const before = this.counts.get(c.entry.key) ?? 0;
    this.counts.set(c.entry.key, c.entry.count);
    if (c.type === 'updated' && c.entry.count <= before) return;
    const a = this.automation;
    if (!a) return;
    const p = a.handle(c.entry.alert).catch((e: unknown) => this.host.log('error', `automatic capture: ${(e as Error).message}`));
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  /** Resolves once every alert received so far is decided and every capture it started ended. */
  async idle(): Promise<void> {
    while (this.pending.size) await Promise.all([...this.pending]);
    await this.automation?.idle();
  }

  dispose(): void {
    this.store.off('change', this.listener);
    this.automation?.removeAllListeners();
    this.automation = undefined;
  }
}
