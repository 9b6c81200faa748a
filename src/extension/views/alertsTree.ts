// The Alerts view: live, grouped (falcoshark.alerts.grouping), with counts and time since last
// seen; source errors become message nodes; a badge counts new critical alerts until the view
// is looked at. The grouping itself is alertGrouping.ts (pure, unit-tested).
import * as vscode from 'vscode';
import type { AlertStore, StoredAlert } from '../../core/alerts/alertStore.js';
import { atLeast, type Priority } from '../../core/alerts/priority.js';
import { Disposable } from '../disposable.js';
import type { AlertFeed, SourceStatus } from '../alertFeed.js';
import { describeFilter, groupAlerts, isEmptyFilter, levelsOf, timeAgo, type AlertFilter, type AlertTreeNode, type Grouping } from './alertGrouping.js';
import { alertOneLine } from './alertText.js';

export interface MessageNode { kind: 'message'; id: string; status: SourceStatus }
export type AlertsViewNode = AlertTreeNode | MessageNode;

const PROBLEM_STATES: ReadonlySet<string> = new Set(['noKubeconfig', 'noFalcoPods', 'textOutput', 'forbidden', 'noSources']);

export function priorityIcon(p: Priority | null): vscode.ThemeIcon {
  if (p !== null && atLeast(p, 'critical')) return new vscode.ThemeIcon('flame', new vscode.ThemeColor('errorForeground'));
  if (p === 'error') return new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground'));
  if (p === 'warning') return new vscode.ThemeIcon('warning', new vscode.ThemeColor('editorWarning.foreground'));
  if (p === 'notice') return new vscode.ThemeIcon('info', new vscode.ThemeColor('editorInfo.foreground'));
  return new vscode.ThemeIcon('circle-small');
}

export class AlertsTree extends Disposable implements vscode.TreeDataProvider<AlertsViewNode> {
  private readonly changed = this._register(new vscode.EventEmitter<AlertsViewNode | undefined>());
  readonly onDidChangeTreeData = this.changed.event;
  readonly view: vscode.TreeView<AlertsViewNode>;
  private filter: AlertFilter = {};
  private newCritical = 0;
  private pending: NodeJS.Timeout | undefined;

  constructor(private readonly store: AlertStore, private readonly feed: AlertFeed, private grouping: Grouping) {
    super();
    this.view = this._register(vscode.window.createTreeView('falcoshark.alerts', { treeDataProvider: this, showCollapseAll: true }));
    const onChange = (c: { type: string; entry: StoredAlert }): void => {
      if (c.type === 'added' || c.type === 'updated') {
        if (c.entry.alert.priority !== null && atLeast(c.entry.alert.priority, 'critical') && !this.view.visible) {
          this.newCritical++;
          this.updateBadge();
        }
      }
      this.scheduleRefresh();
    };
    store.on('change', onChange);
    this._register({ dispose: () => store.off('change', onChange) });
    const onStatus = (): void => this.scheduleRefresh();
    feed.on('status', onStatus);
    feed.on('state', onStatus);
    this._register({ dispose: () => { feed.off('status', onStatus); feed.off('state', onStatus); } });
    this._register(this.view.onDidChangeVisibility((e) => { if (e.visible) { this.newCritical = 0; this.updateBadge(); } }));
    const tick = setInterval(() => { if (this.view.visible) this.changed.fire(undefined); }, 30_000);
    this._register({ dispose: () => { clearInterval(tick); if (this.pending) clearTimeout(this.pending); } });
  }

  private updateBadge(): void {
    this.view.badge = this.newCritical > 0
      ? { value: this.newCritical, tooltip: `${this.newCritical} new critical alert${this.newCritical === 1 ? '' : 's'}` }
      : undefined;
  }

  private scheduleRefresh(): void {
    if (this.pending) return;
    this.pending = setTimeout(() => { this.pending = undefined; this.changed.fire(undefined); }, 200);
  }

  setGrouping(g: Grouping): void { this.grouping = g; this.changed.fire(undefined); }

  getFilter(): AlertFilter { return this.filter; }

  setFilter(f: AlertFilter): void {
    this.filter = f;
    const empty = isEmptyFilter(f);
    this.view.message = empty ? undefined : `Filtered: ${describeFilter(f)}`;
    void vscode.commands.executeCommand('setContext', 'falcoshark.alertsFiltered', !empty);
    this.changed.fire(undefined);
  }

  getChildren(node?: AlertsViewNode): AlertsViewNode[] {
    if (node) return node.kind === 'group' ? node.children : [];
    const entries = this.store.query({ ...(this.filter.minPriority ? { minPriority: this.filter.minPriority } : {}),
      ...(this.filter.rule ? { rule: this.filter.rule } : {}), ...(this.filter.namespace ? { namespace: this.filter.namespace } : {}),
      ...(this.filter.text ? { text: this.filter.text } : {}) });
    const messages: MessageNode[] = this.feed.statusList.filter((s) => s.level !== 'info').map((status) => ({ kind: 'message', id: `m:${status.source}`, status }));
    // With no alerts at all: a problem the welcome content explains shows that content; any
    // other source errors show as message nodes; else the "waiting" welcome.
    if (this.store.size === 0 && (PROBLEM_STATES.has(this.feed.state) || messages.length === 0)) return [];
    return [...messages, ...groupAlerts(entries, levelsOf(this.grouping))];
  }

  getParent(): undefined { return undefined; }

  getTreeItem(node: AlertsViewNode): vscode.TreeItem {
    const now = Date.now();
    if (node.kind === 'message') {
      const item = new vscode.TreeItem(node.status.message.slice(0, 300), vscode.TreeItemCollapsibleState.None);
      item.id = node.id;
      item.description = node.status.source;
      item.tooltip = `${node.status.source}: ${node.status.message}`;
      item.iconPath = new vscode.ThemeIcon(node.status.level === 'error' ? 'error' : 'warning');
      item.contextValue = 'falcoshark.message';
      item.command = { command: 'falcoshark.showLog', title: 'Show Log' };
      return item;
    }
    if (node.kind === 'group') {
      const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.Expanded);
      item.id = node.id;
      item.description = `${node.count}${node.distinct !== node.count ? ` (${node.distinct} distinct)` : ''} · ${timeAgo(node.lastSeen, now)}`;
      item.tooltip = `${node.level}: ${node.label}\n${node.count} alerts, ${node.distinct} distinct, last seen ${new Date(node.lastSeen).toISOString()}`;
      item.iconPath = node.level === 'priority' ? priorityIcon(node.priority) : new vscode.ThemeIcon(node.level === 'rule' ? 'shield' : node.level === 'namespace' ? 'symbol-namespace' : 'server-process');
      item.contextValue = `falcoshark.group.${node.level}`;
      return item;
    }
    const e = node.entry;
    const a = e.alert;
    const item = new vscode.TreeItem(alertOneLine(a, levelsOf(this.grouping)), vscode.TreeItemCollapsibleState.None);
    item.id = node.id;
    item.description = `${e.count > 1 ? `×${e.count} · ` : ''}${timeAgo(e.lastSeen, now)}`;
    // A plain string tooltip: alert text is never rendered as Markdown or HTML.
    item.tooltip = `${a.rule}\n${a.output.slice(0, 1000)}`;
    item.iconPath = priorityIcon(a.priority);
    item.contextValue = 'falcoshark.alert';
    item.command = { command: 'falcoshark.showAlert', title: 'Show Alert', arguments: [node] };
    return item;
  }

  /** The stored alert of a node a command received (tree node or its key). */
  entryOf(arg: unknown): StoredAlert | undefined {
    if (typeof arg === 'object' && arg !== null && (arg as { kind?: unknown }).kind === 'alert') {
      const key = (arg as { entry?: { key?: unknown } }).entry?.key;
      if (typeof key === 'string') return this.store.get(key);
    }
    if (typeof arg === 'string') return this.store.get(arg);
    const sel = this.view.selection[0];
    return sel?.kind === 'alert' ? this.store.get(sel.entry.key) : undefined;
  }
}
