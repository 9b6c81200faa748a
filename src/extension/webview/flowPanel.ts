// Hosts the flow summary webview (webview/ bundle) for one capture: strict CSP, resources only
// from dist/webview, messages queued until the webview says `ready`, every message from it
// guarded by isWebviewMessage and handled by an exhaustive switch.
import * as vscode from 'vscode';
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { Disposable } from '../disposable.js';
import type { Log } from '../log.js';
import { isWebviewMessage, type HostMessage, type WebviewMessage } from '../../shared/webviewProtocol.js';
import type { AnnotatedSummary } from '../../shared/annotatedSummary.js';
import { makeNonce, webviewHtml } from './webviewHtml.js';

export interface FlowPanelActions {
  openInWireshark(file: string, summary: AnnotatedSummary | undefined, flowIndex: number | undefined): Promise<void>;
  revealFile(file: string): Promise<void>;
}

export class FlowPanel extends Disposable {
  static readonly viewType = 'falcoshark.flowSummary';
  private static readonly open = new Map<string, FlowPanel>();
  private ready = false;
  private queue: HostMessage[] = [];
  private summary: AnnotatedSummary | undefined;
  private lastSummary: HostMessage | undefined;
  readonly panel: vscode.WebviewPanel;

  /** The panel of `file`, revealed if it exists, else a new one. */
  static show(extensionUri: vscode.Uri, file: string, log: Log, actions: FlowPanelActions): { panel: FlowPanel; created: boolean } {
    const existing = FlowPanel.open.get(file);
    if (existing) { existing.panel.reveal(); return { panel: existing, created: false }; }
    const p = new FlowPanel(extensionUri, file, log, actions);
    FlowPanel.open.set(file, p);
    return { panel: p, created: true };
  }

  static disposeAll(): void {
    for (const p of [...FlowPanel.open.values()]) p.dispose();
  }

  private constructor(extensionUri: vscode.Uri, readonly file: string, private readonly log: Log, private readonly actions: FlowPanelActions) {
    super();
    const root = vscode.Uri.joinPath(extensionUri, 'dist', 'webview');
    this.panel = this._register(vscode.window.createWebviewPanel(FlowPanel.viewType, `Flows: ${basename(file)}`, vscode.ViewColumn.Active, {
      enableScripts: true,
      localResourceRoots: [root],
      retainContextWhenHidden: true,
      enableFindWidget: true,
    }));
    this.panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'falcoshark.svg');
    const w = this.panel.webview;
    const css = vscode.Uri.joinPath(root, 'main.css');
    w.html = webviewHtml({
      cspSource: w.cspSource,
      scriptUri: w.asWebviewUri(vscode.Uri.joinPath(root, 'main.js')).toString(),
      ...(existsSync(css.fsPath) ? { styleUri: w.asWebviewUri(css).toString() } : {}),
      nonce: makeNonce(),
      title: `Flows: ${basename(file)}`,
    });
    this._register(w.onDidReceiveMessage((m: unknown) => this.receive(m)));
    this._register(this.panel.onDidDispose(() => { FlowPanel.open.delete(this.file); this.dispose(); }));
  }

  post(m: HostMessage): void {
    if (m.type === 'summary') { this.summary = m.summary; this.lastSummary = m; }
    if (!this.ready) {
      // Progress is only worth its latest value.
      if (m.type === 'progress') this.queue = this.queue.filter((q) => q.type !== 'progress');
      this.queue.push(m);
      return;
    }
    void this.panel.webview.postMessage(m);
  }

  private receive(raw: unknown): void {
    if (!isWebviewMessage(raw)) {
      this.log.warn(`flow summary webview sent a message that is not in the protocol; ignored`);
      return;
    }
    const m: WebviewMessage = raw;
    switch (m.type) {
      case 'ready': {
        // A second `ready` is a reloaded webview: it gets the summary again.
        const again = this.ready;
        this.ready = true;
        const q = this.queue;
        this.queue = [];
        if (again && this.lastSummary) q.unshift(this.lastSummary);
        for (const x of q) void this.panel.webview.postMessage(x);
        break;
      }
      case 'openInWireshark':
        void this.actions.openInWireshark(this.file, this.summary, m.flowIndex);
        break;
      case 'revealFile':
        void this.actions.revealFile(this.file);
        break;
      case 'copyText':
        void vscode.env.clipboard.writeText(m.text);
        break;
      default: {
        const never: never = m;
        void never;
      }
    }
  }

  override dispose(): void {
    FlowPanel.open.delete(this.file);
    super.dispose();
  }
}
