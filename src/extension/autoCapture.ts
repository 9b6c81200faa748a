// Automatic capture in VS Code (falcoshark.autoCapture.*): the glue between the settings, the
// alert store, the capture runner (same progress notification, status bar, caps and folder as
// a manual capture) and the notifications. The wiring itself is autoCaptureController.ts.
import * as vscode from 'vscode';
import type { KubeConfig } from '@kubernetes/client-node';
import type { AlertStore } from '../core/alerts/alertStore.js';
import { loadKubeConfig } from '../core/k8s/kubeAccess.js';
import type { CaptureRecord } from '../core/capture/captureSession.js';
import type { FalcoAlert } from '../core/alerts/types.js';
import type { CaptureRunner } from './commands/captureCommands.js';
import { AutoCaptureController } from './autoCaptureController.js';
import { planSettingsOf, readAutoCaptureConfig } from './autoCaptureSettings.js';
import { Disposable } from './disposable.js';
import type { Log } from './log.js';
import type { Settings } from './settings.js';
import { formatBytes } from '../shared/byteSize.js';

export interface AutoCaptureDeps {
  store: AlertStore;
  log: Log;
  settings: () => Settings;
  captureFolder: () => string;
  runner: CaptureRunner;
  openSummary: (file: string) => Promise<void>;
  refreshCaptures: () => void;
}

export class AutoCapture extends Disposable {
  private readonly controller: AutoCaptureController;

  constructor(private readonly deps: AutoCaptureDeps) {
    super();
    const { log } = deps;
    this.controller = new AutoCaptureController(deps.store, {
      log: (level, msg) => log[level](msg),
      start: (plan, alert) => deps.runner.captureWithProgress(plan, this.kubeConfig(), alert, `Capturing automatically (${alert.rule.slice(0, 60)})`),
      onFinished: (rec, alert) => { deps.refreshCaptures(); void this.announce(rec, alert); },
      onRemoved: () => deps.refreshCaptures(),
      onStartError: (message) => this.startFailed(message),
    });
    this._register({ dispose: () => this.controller.dispose() });
    this._register(vscode.workspace.onDidChangeConfiguration((e) => {
      if (['autoCapture', 'captureFolder', 'capture', 'context'].some((s) => e.affectsConfiguration(`falcoshark.${s}`))) this.configure();
    }));
    this._register(vscode.workspace.onDidGrantWorkspaceTrust(() => this.configure()));
    this.configure();
  }

  /** Re-reads the settings; a changed policy starts a fresh automation. */
  configure(): void {
    const c = vscode.workspace.getConfiguration('falcoshark');
    const config = readAutoCaptureConfig((k) => c.get(k));
    const changed = this.controller.configure({ config, outDir: this.deps.captureFolder(), planSettings: planSettingsOf(this.deps.settings()), trusted: vscode.workspace.isTrusted });
    if (changed && config.state === 'invalid') {
      void vscode.window.showWarningMessage(`Automatic capture is off: ${config.setting} ${config.reason}.`, 'Open Settings').then((pick) => {
        if (pick) void vscode.commands.executeCommand('workbench.action.openSettings', config.setting);
      });
    }
  }

  private lastError = { message: '', at: 0 };

  /** Says it once per reason (every failure is in the log): an alert storm must not become a toast storm. */
  private startFailed(message: string): void {
    const now = Date.now();
    if (message === this.lastError.message && now - this.lastError.at < 10 * 60_000) return;
    this.lastError = { message, at: now };
    void vscode.window.showWarningMessage(`An automatic capture did not start: ${message}`, 'Show Log').then((pick) => { if (pick) this.deps.log.show(); });
  }

  private kubeConfig(): KubeConfig {
    // Throws with the reason (no kubeconfig, unknown context): the controller logs it.
    return loadKubeConfig(this.deps.settings().context);
  }

  private async announce(rec: CaptureRecord, alert: FalcoAlert): Promise<void> {
    const where = `${alert.namespace ?? '?'}/${alert.pod ?? '?'}`;
    if (rec.outcome === 'failed') {
      const pick = await vscode.window.showWarningMessage(`The automatic capture on ${where} failed: ${rec.reason}`, 'Show Log');
      if (pick) this.deps.log.show();
      return;
    }
    const pick = await vscode.window.showInformationMessage(
      `Automatic capture on ${where} ("${alert.rule}"): ${rec.packets.toLocaleString('en-US')} packets (${formatBytes(rec.bytes)}${rec.alertedPackets ? `, ${rec.alertedPackets} of the alerted flow` : ''}): ${rec.reason}`,
      'Open Summary');
    if (pick === 'Open Summary') await this.deps.openSummary(rec.file);
  }
}
