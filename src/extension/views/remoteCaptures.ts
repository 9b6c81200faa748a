// The `falcoshark serve` part of the Captures view: one group node per server (its captures,
// or a message node saying why there are none: no token, 401, unreachable). Rendered by
// CapturesTree, which asks this part for its root nodes, children and tree items.
import * as vscode from 'vscode';
import { Disposable } from '../disposable.js';
import { formatBytes } from '../../shared/byteSize.js';
import { timeAgo } from './alertGrouping.js';
import { loadRemoteCaptures, remoteFolderFor, type RemoteItem, type RemoteListing } from './remoteCaptureList.js';

export interface ServerNode { kind: 'server'; url: string }
export interface RemoteCaptureNode { kind: 'remoteCapture'; url: string; item: RemoteItem }
interface RemoteMessageNode { kind: 'remoteMessage'; url: string; level: 'error' | 'warning' | 'info'; message: string; detail?: string; fix?: 'token' | 'retry' }
export type RemoteNode = ServerNode | RemoteCaptureNode | RemoteMessageNode;

export function isRemoteNode(n: { kind: string }): n is RemoteNode {
  return n.kind === 'server' || n.kind === 'remoteCapture' || n.kind === 'remoteMessage';
}

export interface RemoteCapturesDeps {
  /** The configured servers (normalised URLs). */
  servers: () => string[];
  /** Why the configured server setting is not usable, if it is not. */
  settingProblem?: () => string | undefined;
  token: (url: string) => Thenable<string | undefined>;
  captureFolder: () => string;
}

/** How long a listing is reused before the server is asked again (refreshes come in bursts). */
const FRESH_MS = 3000;
const POLL_MS = 30_000;

export class RemoteCaptures extends Disposable {
  private readonly changed = this._register(new vscode.EventEmitter<void>());
  readonly onDidChange = this.changed.event;
  private readonly cache = new Map<string, { at: number; listing: Promise<RemoteListing> }>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly deps: RemoteCapturesDeps) {
    super();
    // The poll redraws only when a server's listing changed (a redraw replaces the rows' commands,
    // and a click landing meanwhile fails in VS Code: "Actual command not found").
    this.timer = setInterval(() => { if (deps.servers().length) void this.pollChanged(); }, POLL_MS);
    this._register({ dispose: () => clearInterval(this.timer) });
  }

  /** Forgets the listings and asks the view to redraw (servers asked again). */
  refresh(): void {
    this.cache.clear();
    this.changed.fire();
  }

  private async pollChanged(): Promise<void> {
    const before = await this.listingSignature();
    this.cache.clear();
    if (await this.listingSignature() !== before) this.changed.fire();
  }

  private async listingSignature(): Promise<string> {
    const parts: string[] = [];
    for (const url of this.deps.servers()) parts.push(JSON.stringify(await this.children({ kind: 'server', url }).catch((e: unknown) => String(e))));
    return parts.join('\n');
  }

  rootNodes(): RemoteNode[] {
    const problem = this.deps.settingProblem?.();
    if (problem) return [{ kind: 'remoteMessage', url: '', level: 'warning', message: `falcoshark.serve.url: ${problem}`, fix: 'token' }];
    return this.deps.servers().map((url) => ({ kind: 'server', url }));
  }

  async children(node: RemoteNode): Promise<RemoteNode[]> {
    if (node.kind !== 'server') return [];
    const { url } = node;
    let c = this.cache.get(url);
    if (!c || Date.now() - c.at > FRESH_MS) {
      const listing = (async (): Promise<RemoteListing> => loadRemoteCaptures(url, await this.deps.token(url), remoteFolderFor(this.deps.captureFolder(), url), AbortSignal.timeout(15_000)))();
      c = { at: Date.now(), listing };
      this.cache.set(url, c);
    }
    const l = await c.listing;
    if (l.kind === 'message') return [{ kind: 'remoteMessage', url, level: l.level, message: l.message, ...(l.detail ? { detail: l.detail } : {}), ...(l.fix ? { fix: l.fix } : {}) }];
    return l.items.map((item) => ({ kind: 'remoteCapture', url, item }));
  }

  treeItem(node: RemoteNode): vscode.TreeItem {
    if (node.kind === 'server') {
      const item = new vscode.TreeItem(new URL(node.url).host, vscode.TreeItemCollapsibleState.Expanded);
      item.id = `serve:${node.url}`;
      item.description = 'falcoshark serve';
      item.tooltip = `Captures made by falcoshark serve at ${node.url}\nOpening one downloads it into ${remoteFolderFor(this.deps.captureFolder(), node.url)}`;
      item.iconPath = new vscode.ThemeIcon('cloud');
      item.contextValue = 'falcoshark.serveSource';
      return item;
    }
    if (node.kind === 'remoteMessage') {
      const item = new vscode.TreeItem(node.message);
      item.tooltip = node.detail ?? node.message;
      item.iconPath = new vscode.ThemeIcon(node.level === 'info' ? 'info' : node.level);
      if (node.fix === 'token') item.command = { command: 'falcoshark.addServeSource', title: 'Add falcoshark serve Source', arguments: node.url ? [node.url] : [] };
      else if (node.fix === 'retry') item.command = { command: 'falcoshark.refreshCaptures', title: 'Refresh Captures' };
      return item;
    }
    const c = node.item;
    const item = new vscode.TreeItem(c.rule ?? c.id, vscode.TreeItemCollapsibleState.None);
    item.id = `serve:${node.url}#${c.id}`;
    const created = Date.parse(c.createdAt);
    item.description = [c.automatic ? 'automatic' : '', c.target, formatBytes(c.bytes), Number.isFinite(created) ? timeAgo(created, Date.now()) : '',
      c.downloaded ? 'downloaded' : ''].filter(Boolean).join(' · ');
    item.tooltip = [c.id, c.rule ? `alert: ${c.rule}${c.priority ? ` (${c.priority})` : ''}` : 'no alert', c.target ? `target: ${c.target}` : '',
      c.createdAt ? `time: ${c.createdAt}` : '', `size: ${formatBytes(c.bytes)}`, c.outcome ? `outcome: ${c.outcome}${c.reason ? ` (${c.reason})` : ''}` : '',
      c.automatic ? 'started automatically by the capture policy' : '', `on falcoshark serve at ${node.url}`].filter(Boolean).join('\n');
    item.iconPath = new vscode.ThemeIcon(c.outcome === 'failed' ? 'error' : c.downloaded ? 'cloud' : 'cloud-download');
    item.contextValue = 'falcoshark.remoteCapture';
    item.command = { command: 'falcoshark.openRemoteCapture', title: 'Download and Open Flow Summary', arguments: [node] };
    return item;
  }
}
