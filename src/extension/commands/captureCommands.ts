// Capture traffic: from an alert (Alerts view) or a pod (Kubernetes extension's explorer).
// Shows the plan in a quick pick to accept or edit (unless falcoshark.askBeforeCapture is off),
// runs it with a cancellable progress notification and a status bar item, and turns errors
// into messages with the action that fixes them.
import * as vscode from 'vscode';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import type { FalcoAlert } from '../../core/alerts/types.js';
import { loadKubeConfig } from '../../core/k8s/kubeAccess.js';
import { planForWorkload, type CapturePlan, type PlanSettings, type WorkloadTarget } from '../../core/capture/capturePlan.js';
import { parseWorkloadRef, workloadOfPod } from '../../core/k8s/workloadPods.js';
import { problemCode } from '../../core/util/problem.js';
import { targetText } from '../../core/capture/planText.js';
import { fixesFor, type Fix } from './captureFixes.js';
import { runCapture } from '../../core/capture/runCapture.js';
import type { CaptureProgress, CaptureRecord } from '../../core/capture/captureSession.js';
import { runRecordedCapture } from '../../core/recorder/recordedCapture.js';
import { askRecorderOrLive, findRecorderOffer, type RecorderOffer } from './recorderOffer.js';
import { findPodFor, PodGoneError } from '../../core/k8s/podTarget.js';
import { formatBytes } from '../../shared/byteSize.js';
import type { Settings } from '../settings.js';
import type { Log } from '../log.js';
import { describeCaps, parseBpf, parseBytes, parseCount, parseDuration, parsePodRef, planFromDraft, podRefFromExplorerNode, workloadRefFromExplorerNode, type Parsed, type PlanDraft } from './planEdit.js';

export interface CaptureDeps {
  log: Log;
  settings: () => Settings;
  captureFolder: () => string;
  onCaptured: (file: string) => void;
  openSummary: (file: string) => Promise<void>;
  openInWireshark: (file: string) => Promise<void>;
}

interface PlanPick extends vscode.QuickPickItem { action: 'accept' | 'target' | 'filter' | 'duration' | 'packets' | 'bytes' | 'dontAsk' }

export class CaptureRunner implements vscode.Disposable {
  private running = 0;
  private readonly status = vscode.window.createStatusBarItem('falcoshark.captures', vscode.StatusBarAlignment.Left, 50);

  constructor(private readonly deps: CaptureDeps) {
    this.status.name = 'Falcoshark captures';
  }

  dispose(): void { this.status.dispose(); }

  private planSettings(s: Settings): PlanSettings {
    return { method: s.capture.method, tool: s.capture.tool, image: s.capture.image, caps: s.capture.caps, maxCaps: s.capture.maxCaps,
      ...(s.context ? { context: s.context } : {}) };
  }

  private kube(s: Settings): KubeConfig | undefined {
    try {
      return loadKubeConfig(s.context);
    } catch (e) {
      void this.error(`Cannot capture: ${(e as Error).message}`, fixesFor(problemCode(e)));
      return undefined;
    }
  }

  async captureAlert(alert: FalcoAlert): Promise<void> {
    if (!vscode.workspace.isTrusted) { void vscode.window.showWarningMessage('Captures are disabled in an untrusted workspace.'); return; }
    const s = this.deps.settings();
    const kc = this.kube(s);
    if (!kc) return;
    let pod: PlanDraft['pod'] | undefined = alert.namespace && alert.pod
      ? { namespace: alert.namespace, pod: alert.pod, ...(alert.container.name ? { container: alert.container.name } : {}) } : undefined;
    if (!pod) {
      try {
        const found = await findPodFor(kc, { containerId: alert.container.id, node: alert.node,
          ips: [alert.network?.client.ip, alert.network?.local.ip].filter((x): x is string => !!x) });
        if (found) pod = { namespace: found.namespace, pod: found.pod, ...(found.container ? { container: found.container } : {}) };
      } catch (e) { this.deps.log.warn(`finding the alert's pod: ${(e as Error).message}`); }
    }
    if (!pod) {
      const typed = await vscode.window.showInputBox({ title: 'The alert names no pod', prompt: 'Capture on which pod? NAMESPACE/POD[:CONTAINER]',
        validateInput: (v) => { const r = parsePodRef(v); return r.ok ? undefined : r.reason; } });
      const r = typed === undefined ? undefined : parsePodRef(typed);
      if (!r?.ok) return;
      pod = r.value;
    }
    // A flight recorder holding the pod is offered first: it has the packets from before the alert.
    const where = pod;
    const offer = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Falcoshark: looking for a flight recorder' },
      () => findRecorderOffer(kc, s, alert, where, this.deps.log));
    if (offer) {
      const choice = await askRecorderOrLive(offer, alert);
      if (!choice) return;
      if (choice === 'recorder') {
        let plan: CapturePlan;
        try { plan = planFromDraft({ pod, caps: {} }, this.planSettings(s), alert); } catch (e) {
          void this.error(`Cannot plan the capture: ${(e as Error).message}`, []);
          return;
        }
        await this.run(plan, kc, alert, offer);
        return;
      }
    }
    await this.planAndRun({ pod, caps: {} }, s, kc, alert);
  }

  async capturePod(node: unknown): Promise<void> {
    if (!vscode.workspace.isTrusted) { void vscode.window.showWarningMessage('Captures are disabled in an untrusted workspace.'); return; }
    const ref = podRefFromExplorerNode(node);
    const s = this.deps.settings();
    let pod: PlanDraft['pod'] | undefined;
    if (ref) {
      pod = { namespace: ref.namespace ?? 'default', pod: ref.pod };
    } else {
      const typed = await vscode.window.showInputBox({ title: 'Capture traffic', prompt: 'Pod to capture on: NAMESPACE/POD[:CONTAINER]',
        validateInput: (v) => { const r = parsePodRef(v); return r.ok ? undefined : r.reason; } });
      const r = typed === undefined ? undefined : parsePodRef(typed);
      if (!r?.ok) return;
      pod = r.value;
    }
    const kc = this.kube(s);
    if (!kc) return;
    await this.planAndRun({ pod, caps: {} }, s, kc, undefined);
  }

  /** *Capture the workload* on an alert: every pod of the alerted pod's workload, one file. */
  async captureAlertWorkload(alert: FalcoAlert): Promise<void> {
    if (!vscode.workspace.isTrusted) { void vscode.window.showWarningMessage('Captures are disabled in an untrusted workspace.'); return; }
    if (!alert.namespace || !alert.pod) { void vscode.window.showErrorMessage('The alert names no pod, so no workload: use Capture Traffic to pick a pod.'); return; }
    await this.workload(() => ({ namespace: alert.namespace!, pod: alert.pod! }), alert);
  }

  /** *Capture the workload (falcoshark)* on the Kubernetes explorer's workload (or pod) nodes. */
  async captureExplorerWorkload(node: unknown): Promise<void> {
    if (!vscode.workspace.isTrusted) { void vscode.window.showWarningMessage('Captures are disabled in an untrusted workspace.'); return; }
    const ref = workloadRefFromExplorerNode(node);
    if (!ref) { void vscode.window.showErrorMessage('Pick a Deployment, StatefulSet, DaemonSet, ReplicaSet, Job or pod in the Kubernetes explorer.'); return; }
    const namespace = ref.namespace ?? 'default';
    if (/^pods?$/i.test(ref.kind)) { await this.workload(() => ({ namespace, pod: ref.name }), undefined); return; }
    await this.workload(() => ({ target: { namespace, selector: '', owner: parseWorkloadRef(`${ref.kind}/${ref.name}`) } }), undefined);
  }

  private async workload(what: () => { namespace: string; pod: string } | { target: Omit<WorkloadTarget, 'kind' | 'context'> }, alert: FalcoAlert | undefined): Promise<void> {
    const s = this.deps.settings();
    const kc = this.kube(s);
    if (!kc) return;
    let plan: CapturePlan;
    try {
      const w = what();
      const target = 'target' in w ? w.target : await workloadOfPod(kc, w.namespace, w.pod);
      plan = planForWorkload(target, this.planSettings(s), alert);
    } catch (e) {
      void this.error(`Cannot plan the workload capture: ${(e as Error).message}`, fixesFor(problemCode(e)));
      return;
    }
    if (s.askBeforeCapture) {
      const ok = await vscode.window.showQuickPick([
        { label: '$(layers) Capture every pod', description: `${targetText(plan.target)}: ${plan.filter.description}, ${describeCaps(plan.caps)}`, accept: true },
        ...plan.notes.map((n) => ({ label: `$(info) ${n}`, accept: true })),
        { label: '$(close) Cancel', accept: false },
      ], { title: `Capture the workload${plan.alert ? `: ${plan.alert.rule}` : ''}`, placeHolder: 'one pcapng, one interface per pod; pods that start during the capture are added', ignoreFocusOut: true });
      if (!ok?.accept) return;
    }
    await this.run(plan, kc, alert);
  }

  private async planAndRun(draft: PlanDraft, s: Settings, kc: KubeConfig, alert: FalcoAlert | undefined): Promise<void> {
    let plan: CapturePlan;
    try {
      plan = planFromDraft(draft, this.planSettings(s), alert);
    } catch (e) {
      void this.error(`Cannot plan the capture: ${(e as Error).message}`, []);
      return;
    }
    if (s.askBeforeCapture) {
      const accepted = await this.confirmPlan(draft, s, alert);
      if (!accepted) return;
      plan = accepted;
    }
    await this.run(plan, kc, alert);
  }

  /** The plan quick pick: accept, or edit target / filter / duration / caps (re-validated). */
  private async confirmPlan(draft: PlanDraft, s: Settings, alert: FalcoAlert | undefined): Promise<CapturePlan | undefined> {
    for (;;) {
      let plan: CapturePlan;
      try { plan = planFromDraft(draft, this.planSettings(s), alert); } catch (e) {
        void vscode.window.showErrorMessage(`The plan is not valid: ${(e as Error).message}`);
        draft = { ...draft, filterOverride: undefined };
        continue;
      }
      const t = targetText(plan.target);
      const items: PlanPick[] = [
        { label: '$(record) Capture', description: `${plan.filter.description} on ${t}, ${describeCaps(plan.caps)}`, action: 'accept', alwaysShow: true },
        { label: '', kind: vscode.QuickPickItemKind.Separator, action: 'accept' },
        { label: '$(server-process) Target', description: t, detail: plan.method === 'ephemeral' ? `ephemeral container, image ${plan.image ?? ''}, ${plan.tool}` : `exec ${plan.tool} in the container`, action: 'target' },
        { label: '$(filter) Filter', description: plan.filter.bpf || '(none: all traffic)', detail: plan.filter.description, action: 'filter' },
        { label: '$(watch) Duration', description: `${plan.caps.durationSeconds} s`, action: 'duration' },
        { label: '$(package) Max packets', description: plan.caps.maxPackets.toLocaleString('en-US'), action: 'packets' },
        { label: '$(database) Max bytes', description: formatBytes(plan.caps.maxBytes), action: 'bytes' },
        { label: '$(check-all) Capture and don\'t ask again', description: 'turns off falcoshark.askBeforeCapture', action: 'dontAsk' },
      ];
      for (const n of plan.notes) items.push({ label: `$(info) ${n}`, action: 'accept' });
      const pick = await vscode.window.showQuickPick(items, { title: `Capture plan${plan.alert ? `: ${plan.alert.rule}` : ''}`, placeHolder: 'Enter to capture, or pick a line to edit it', ignoreFocusOut: true });
      if (!pick) return undefined;
      const ask = async <T>(prompt: string, value: string, parse: (v: string) => Parsed<T>): Promise<Parsed<T> | undefined> => {
        const v = await vscode.window.showInputBox({ prompt, value, validateInput: (x) => { const r = parse(x); return r.ok ? undefined : r.reason; } });
        return v === undefined ? undefined : parse(v);
      };
      switch (pick.action) {
        case 'accept': return plan;
        case 'dontAsk':
          await vscode.workspace.getConfiguration('falcoshark').update('askBeforeCapture', false, vscode.ConfigurationTarget.Global);
          return plan;
        case 'target': { const r = await ask('NAMESPACE/POD[:CONTAINER]', `${draft.pod.namespace}/${draft.pod.pod}${draft.pod.container ? `:${draft.pod.container}` : ''}`, parsePodRef); if (r?.ok) draft = { ...draft, pod: r.value }; break; }
        case 'filter': { const r = await ask('Capture (BPF) filter; empty = the filter built from the alert', plan.filter.bpf, parseBpf); if (r?.ok) draft = { ...draft, filterOverride: r.value }; break; }
        case 'duration': { const r = await ask('Duration (30, 2m, …)', String(plan.caps.durationSeconds), parseDuration); if (r?.ok) draft = { ...draft, caps: { ...draft.caps, durationSeconds: r.value } }; break; }
        case 'packets': { const r = await ask('Most packets (200k, …)', String(plan.caps.maxPackets), parseCount); if (r?.ok) draft = { ...draft, caps: { ...draft.caps, maxPackets: r.value } }; break; }
        case 'bytes': { const r = await ask('Most bytes (100MB, …)', formatBytes(plan.caps.maxBytes).replace(' ', ''), parseBytes); if (r?.ok) draft = { ...draft, caps: { ...draft.caps, maxBytes: r.value } }; break; }
        default: { const never: never = pick.action; void never; }
      }
    }
  }

  private updateStatus(): void {
    if (this.running === 0) { this.status.hide(); return; }
    this.status.text = `$(record) ${this.running} capture${this.running === 1 ? '' : 's'} running`;
    this.status.tooltip = 'Falcoshark is capturing traffic';
    this.status.command = 'falcoshark.showLog';
    this.status.show();
  }

  /** Runs a plan under the progress notification and the status bar count (manual and automatic
   *  captures alike, no questions asked); the record, or throws. */
  async captureWithProgress(plan: CapturePlan, kc: KubeConfig | undefined, alert: FalcoAlert | undefined, title = 'Capturing', recorder?: RecorderOffer): Promise<CaptureRecord> {
    const outDir = this.deps.captureFolder();
    const log = this.deps.log;
    this.running++;
    this.updateStatus();
    try {
      await mkdir(outDir, { recursive: true });
      log.info(`capture ${plan.id}: ${plan.filter.description}; filter ${JSON.stringify(plan.filter.bpf)}; ${describeCaps(plan.caps)}`);
      const rec = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
        const ac = new AbortController();
        const sub = token.onCancellationRequested(() => ac.abort());
        let lastPct = 0;
        const common = { plan, outDir, auditLog: join(outDir, 'audit.jsonl'), kubeConfig: kc, signal: ac.signal,
          onStage: (st: string) => { log.info(`capture ${plan.id}: ${st}`); progress.report({ message: st }); },
          onProgress: (p: CaptureProgress) => {
            const pct = p.durationMs > 0 ? Math.min(100, (p.elapsedMs / p.durationMs) * 100) : 0;
            const left = Math.max(0, Math.ceil((p.durationMs - p.elapsedMs) / 1000));
            progress.report({ increment: Math.max(0, pct - lastPct), message: `${p.packets.toLocaleString('en-US')} packets, ${formatBytes(p.bytes)}, ${left} s left` });
            lastPct = pct;
          } };
        try {
          if (recorder && alert) return await runRecordedCapture({ ...common, alert, endpoint: recorder.endpoint, window: recorder.window });
          return await runCapture({ ...common, alert });
        } finally { sub.dispose(); }
      });
      log.info(`capture ${plan.id}: ${rec.outcome}: ${rec.reason} (${rec.packets} packets, ${rec.bytes} bytes) → ${rec.file}`);
      this.deps.onCaptured(rec.file);
      return rec;
    } finally {
      this.running--;
      this.updateStatus();
    }
  }

  async run(plan: CapturePlan, kc: KubeConfig | undefined, alert: FalcoAlert | undefined, recorder?: RecorderOffer): Promise<void> {
    const log = this.deps.log;
    try {
      const rec = await this.captureWithProgress(plan, kc, alert, recorder ? 'Capturing from the flight recorder' : 'Capturing', recorder);
      if (rec.outcome === 'failed') {
        void this.error(`The capture failed: ${rec.reason}`, [['Show Log', 'falcoshark.showLog']]);
        return;
      }
      const pick = await vscode.window.showInformationMessage(`Captured ${rec.packets.toLocaleString('en-US')} packets (${formatBytes(rec.bytes)}${rec.alertedPackets ? `, ${rec.alertedPackets} of the alerted flow` : ''}): ${rec.reason}`,
        'Open Summary', 'Open in Wireshark');
      if (pick === 'Open Summary') await this.deps.openSummary(rec.file);
      else if (pick === 'Open in Wireshark') await this.deps.openInWireshark(rec.file);
    } catch (e) {
      const msg = (e as Error).message;
      log.error(`capture ${plan.id}: ${msg}`);
      if (e instanceof PodGoneError) {
        const choice = e.replacements.length ? await vscode.window.showQuickPick(e.replacements, { title: `${msg} — capture on a replacement?` }) : undefined;
        if (!choice) { void vscode.window.showErrorMessage(msg); return; }
        const r = parsePodRef(choice);
        if (r.ok && plan.target.kind === 'pod') await this.planAndRun({ pod: r.value, caps: plan.caps }, this.deps.settings(), kc as KubeConfig, alert);
        return;
      }
      void this.error(`The capture did not start: ${msg}`, fixesFor(problemCode(e)));
    }
  }

  private async error(message: string, fixes: Fix[]): Promise<void> {
    const pick = await vscode.window.showErrorMessage(message, ...fixes.map(([t]) => t));
    const fix = fixes.find(([t]) => t === pick);
    if (!fix) return;
    const [cmd, arg] = fix[1].split('?');
    await vscode.commands.executeCommand(cmd, ...(arg ? [arg] : []));
  }
}
