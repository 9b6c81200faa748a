// A read-only editor for one alert: `falcoshark-alert:/<rule>.txt?<key>` rendered as text
// (fields, output, raw JSON) by a TextDocumentContentProvider. Nothing is ever rendered as HTML.
import * as vscode from 'vscode';
import type { AlertStore } from '../../core/alerts/alertStore.js';
import { Disposable } from '../disposable.js';
import { alertDocumentText } from './alertText.js';

export const ALERT_SCHEME = 'falcoshark-alert';

export function alertUri(key: string, rule: string): vscode.Uri {
  const name = rule.replace(/[^A-Za-z0-9 _.-]+/g, '_').slice(0, 60).trim() || 'alert';
  return vscode.Uri.from({ scheme: ALERT_SCHEME, path: `/${name}.txt`, query: Buffer.from(key, 'utf8').toString('base64url') });
}

export class AlertDocumentProvider extends Disposable implements vscode.TextDocumentContentProvider {
  private readonly changed = this._register(new vscode.EventEmitter<vscode.Uri>());
  readonly onDidChange = this.changed.event;

  constructor(private readonly store: AlertStore) {
    super();
    this._register(vscode.workspace.registerTextDocumentContentProvider(ALERT_SCHEME, this));
    const onChange = (c: { type: string; entry: { key: string; alert: { rule: string } } }): void => {
      if (c.type !== 'updated') return;
      const uri = alertUri(c.entry.key, c.entry.alert.rule);
      if (vscode.workspace.textDocuments.some((d) => d.uri.toString() === uri.toString())) this.changed.fire(uri);
    };
    store.on('change', onChange);
    this._register({ dispose: () => store.off('change', onChange) });
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    const key = Buffer.from(uri.query, 'base64url').toString('utf8');
    const e = this.store.get(key);
    return e ? alertDocumentText(e) : 'This alert is no longer in the Alerts view (it was cleared or evicted).\n';
  }
}
