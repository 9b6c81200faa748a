// Capture file actions: open the flow summary (analysed in a worker), open in Wireshark with
// the alerted or a selected flow's display filter, reveal, delete.
import * as vscode from 'vscode';
import { rm, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { AnnotatedSummary } from '../../shared/annotatedSummary.js';
import { readSidecar, sidecarPathFor } from '../../core/capture/captureSidecar.js';
import { findWireshark } from '../../core/wireshark/findWireshark.js';
import { launchWireshark } from '../../core/wireshark/launchWireshark.js';
import { alertedDisplayFilter, displayFilterForFlow } from '../../core/wireshark/flowDisplayFilter.js';
import { analyzeInWorker, AnalysisCancelledError } from '../analysis.js';
import { FlowPanel } from '../webview/flowPanel.js';
import type { Log } from '../log.js';
import type { Settings } from '../settings.js';

export interface FileDeps {
  log: Log;
  extensionUri: vscode.Uri;
  settings: () => Settings;
  refreshCaptures: () => void;
}

export class CaptureFiles {
  constructor(private readonly deps: FileDeps) {}

  async openSummary(file: string): Promise<void> {
    const { log, extensionUri } = this.deps;
    const { panel, created } = FlowPanel.show(extensionUri, file, log, {
      openInWireshark: (f, summary, idx) => this.openInWireshark(f, summary, idx),
      revealFile: (f) => this.reveal(f),
    });
    if (!created) return;
    const ac = new AbortController();
    panel.panel.onDidDispose(() => ac.abort());
    const started = Date.now();
    try {
      const { summary, sidecarProblem } = await analyzeInWorker(vscode.Uri.joinPath(extensionUri, 'dist', 'analyzeWorker.js').fsPath, file, {
        signal: ac.signal,
        onProgress: (bytesRead, totalBytes) => panel.post({ type: 'progress', file, bytesRead, totalBytes }),
      });
      if (sidecarProblem) log.warn(`${sidecarProblem} (shown without Kubernetes context)`);
      log.info(`analysed ${file}: ${summary.flows.length} flows in ${Date.now() - started} ms`);
      panel.post({ type: 'summary', summary, file, wiresharkAvailable: findWireshark({ configured: this.deps.settings().wiresharkPath }).found });
    } catch (e) {
      if (e instanceof AnalysisCancelledError) return;
      log.error(`analysing ${file}: ${(e as Error).message}`);
      panel.post({ type: 'error', message: `Cannot read ${basename(file)}: ${(e as Error).message}` });
    }
  }

  /** The display filter: the selected flow's, else the alerted flow's (rebuilt from the
   *  sidecar's plan, the same as the summary's header shows). Undefined: no filter. */
  async displayFilter(file: string, summary: AnnotatedSummary | undefined, flowIndex: number | undefined): Promise<string | undefined> {
    if (summary && flowIndex !== undefined) {
      const f = summary.flows[flowIndex];
      if (!f) throw new Error(`there is no flow ${flowIndex} in the summary`);
      const r = displayFilterForFlow(f);
      if (!r.ok) throw new Error(`no display filter for that flow: ${r.reason}`);
      return r.filter;
    }
    const sidecar = await readSidecar(file).catch(() => undefined);
    return sidecar ? alertedDisplayFilter(sidecar.plan) : undefined;
  }

  async openInWireshark(file: string, summary?: AnnotatedSummary, flowIndex?: number): Promise<void> {
    const { log } = this.deps;
    if (!vscode.workspace.isTrusted) { void vscode.window.showWarningMessage('Starting Wireshark is disabled in an untrusted workspace.'); return; }
    const where = findWireshark({ configured: this.deps.settings().wiresharkPath });
    if (!where.found) {
      log.warn(`Wireshark: ${where.reason}; looked in ${where.looked.join(', ')}`);
      const pick = await vscode.window.showWarningMessage(`${where.reason}. Install Wireshark or set falcoshark.wiresharkPath; the capture is ${file}.`, 'Reveal File', 'Set Wireshark Path');
      if (pick === 'Reveal File') await this.reveal(file);
      else if (pick === 'Set Wireshark Path') await vscode.commands.executeCommand('workbench.action.openSettings', 'falcoshark.wiresharkPath');
      return;
    }
    let filter: string | undefined;
    try {
      filter = await this.displayFilter(file, summary, flowIndex);
    } catch (e) {
      void vscode.window.showErrorMessage(`Cannot open in Wireshark: ${(e as Error).message}`);
      return;
    }
    try {
      const r = await launchWireshark(where.path, file, filter);
      log.info(`started Wireshark (pid ${r.pid ?? '?'}): ${[where.path, ...r.argv].map((a) => JSON.stringify(a)).join(' ')}`);
      vscode.window.setStatusBarMessage(`Wireshark started${filter ? ` with ${filter}` : ''}`, 5000);
    } catch (e) {
      log.error(`Wireshark: ${(e as Error).message}`);
      const pick = await vscode.window.showErrorMessage(`Cannot start Wireshark: ${(e as Error).message}`, 'Reveal File');
      if (pick) await this.reveal(file);
    }
  }

  async reveal(file: string): Promise<void> {
    const uri = vscode.Uri.file(file);
    if (vscode.workspace.getWorkspaceFolder(uri)) await vscode.commands.executeCommand('revealInExplorer', uri);
    else await vscode.commands.executeCommand('revealFileInOS', uri);
  }

  async delete(file: string): Promise<void> {
    let size = '';
    try { size = ` (${(await stat(file)).size.toLocaleString('en-US')} bytes)`; } catch { /* gone already */ }
    const ok = await vscode.window.showWarningMessage(`Delete the capture ${basename(file)}${size} and its sidecar?`, { modal: true }, 'Delete');
    if (ok !== 'Delete') return;
    await rm(file, { force: true });
    await rm(sidecarPathFor(file), { force: true });
    this.deps.log.info(`deleted ${file}`);
    this.deps.refreshCaptures();
  }

  async pickAndOpen(): Promise<void> {
    const uris = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'Captures': ['pcapng', 'pcap', 'cap'] }, title: 'Open a capture' });
    if (uris?.[0]) await this.openSummary(uris[0].fsPath);
  }
}
