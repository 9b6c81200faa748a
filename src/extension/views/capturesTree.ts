// The Captures view: the capture folder's files, each with its alert, target, time and size.
import * as vscode from 'vscode';
import { Disposable } from '../disposable.js';
import type { Log } from '../log.js';
import { captureInfos, type CaptureInfo } from './captureList.js';
import { formatBytes } from '../../shared/byteSize.js';
import { timeAgo } from './alertGrouping.js';
import { isRemoteNode, type RemoteCaptures, type RemoteNode } from './remoteCaptures.js';

export interface CaptureNode { kind: 'capture'; info: CaptureInfo }
interface ErrorNode { kind: 'error'; message: string }
type Node = CaptureNode | ErrorNode | RemoteNode;

export class CapturesTree extends Disposable implements vscode.TreeDataProvider<Node> {
  private readonly changed = this._register(new vscode.EventEmitter<Node | undefined>());
  readonly onDidChangeTreeData = this.changed.event;
  readonly view: vscode.TreeView<Node>;
  private watcher: vscode.FileSystemWatcher | undefined;
  private pending: NodeJS.Timeout | undefined;
  /** What the root listing showed last (signature()). */
  private shown = '';

  constructor(private folder: string, private readonly log: Log, private readonly remote?: RemoteCaptures) {
    super();
    if (remote) this._register(remote.onDidChange(() => this.refresh()));
    this.view = this._register(vscode.window.createTreeView('falcoshark.captures', { treeDataProvider: this }));
    this.watch();
    this._register({ dispose: () => { this.watcher?.dispose(); if (this.pending) clearTimeout(this.pending); } });
  }

  get captureFolder(): string { return this.folder; }

  setFolder(folder: string): void {
    this.folder = folder;
    this.watch();
    this.refresh();
  }

  private watch(): void {
    this.watcher?.dispose();
    this.watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(this.folder), '*'));
    // A redraw only when the listing changed: each redraw replaces the rows' commands, and a click
    // that lands meanwhile fails in VS Code ("Actual command not found"); the folder also changes
    // for files that are not listed (audit.jsonl, a .part being written).
    const later = (): void => {
      if (this.pending) return;
      this.pending = setTimeout(() => {
        this.pending = undefined;
        void captureInfos(this.folder).then((infos) => { if (signature(infos) !== this.shown) this.refresh(); }, () => this.refresh());
      }, 300);
    };
    this.watcher.onDidCreate(later);
    this.watcher.onDidDelete(later);
    this.watcher.onDidChange(later);
  }

  refresh(): void { this.changed.fire(undefined); }

  async getChildren(node?: Node): Promise<Node[]> {
    if (node) return isRemoteNode(node) && this.remote ? this.remote.children(node) : [];
    const servers = this.remote?.rootNodes() ?? [];
    try {
      const infos = await captureInfos(this.folder);
      this.shown = signature(infos);
      return [...infos.map((info): Node => ({ kind: 'capture', info })), ...servers];
    } catch (e) {
      this.log.error(`reading the capture folder ${this.folder}: ${(e as Error).message}`);
      return [{ kind: 'error', message: `cannot read ${this.folder}: ${(e as Error).message}` }, ...servers];
    }
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if (isRemoteNode(node)) return this.remote ? this.remote.treeItem(node) : new vscode.TreeItem('');
    if (node.kind === 'error') {
      const item = new vscode.TreeItem(node.message);
      item.iconPath = new vscode.ThemeIcon('error');
      return item;
    }
    const c = node.info;
    const item = new vscode.TreeItem(c.rule ?? c.name, vscode.TreeItemCollapsibleState.None);
    item.id = c.file;
    item.resourceUri = vscode.Uri.file(c.file);
    item.description = [c.automatic ? 'automatic' : '', c.target, formatBytes(c.size), timeAgo(c.time, Date.now())].filter(Boolean).join(' · ');
    item.tooltip = [c.name, c.rule ? `alert: ${c.rule}${c.priority ? ` (${c.priority})` : ''}` : 'no alert', c.target ? `target: ${c.target}` : '',
      `time: ${new Date(c.time).toISOString()}`, `size: ${formatBytes(c.size)}`, c.outcome ? `outcome: ${c.outcome}` : '',
      c.automatic ? 'started automatically by the capture policy' : '', c.sidecarProblem ? `sidecar: ${c.sidecarProblem}` : ''].filter(Boolean).join('\n');
    item.iconPath = new vscode.ThemeIcon(c.outcome === 'failed' ? 'error' : c.outcome === 'partial' ? 'warning' : c.automatic ? 'zap' : 'pulse');
    item.contextValue = 'falcoshark.capture';
    item.command = { command: 'falcoshark.openSummary', title: 'Open Flow Summary', arguments: [node] };
    return item;
  }
}

/** The capture file a command received: a tree node, a Uri, a path, or the selection. */
export function captureFileOf(arg: unknown, tree: CapturesTree): string | undefined {
  if (arg instanceof vscode.Uri) return arg.fsPath;
  if (typeof arg === 'string') return arg;
  if (typeof arg === 'object' && arg !== null && (arg as { kind?: unknown }).kind === 'capture') {
    const f = (arg as { info?: { file?: unknown } }).info?.file;
    if (typeof f === 'string') return f;
  }
  const sel = tree.view.selection[0];
  return sel?.kind === 'capture' ? sel.info.file : undefined;
}

/** What a row shows of each capture: a change of any of it is worth a redraw. */
function signature(infos: CaptureInfo[]): string {
  return JSON.stringify(infos.map((c) => [c.file, c.size, c.outcome, c.rule, c.automatic, c.sidecarProblem]));
}
