// Alert commands: show, copy as JSON, filter, clear, reconnect, capture.
import * as vscode from 'vscode';
import type { AlertStore } from '../../core/alerts/alertStore.js';
import { alertUri } from '../views/alertDocument.js';
import type { AlertsTree } from '../views/alertsTree.js';
import { describeFilter, parseAlertFilter } from '../views/alertGrouping.js';
import type { CaptureRunner } from './captureCommands.js';

export function registerAlertCommands(store: AlertStore, tree: AlertsTree, captures: CaptureRunner, restart: () => void): vscode.Disposable[] {
  const need = (arg: unknown) => {
    const e = tree.entryOf(arg);
    if (!e) void vscode.window.showInformationMessage('Select an alert in the Falcoshark Alerts view first.');
    return e;
  };
  return [
    vscode.commands.registerCommand('falcoshark.showAlert', async (arg: unknown) => {
      const e = need(arg);
      if (!e) return;
      const doc = await vscode.workspace.openTextDocument(alertUri(e.key, e.alert.rule));
      await vscode.window.showTextDocument(doc, { preview: true });
    }),
    vscode.commands.registerCommand('falcoshark.copyAlertJson', async (arg: unknown) => {
      const e = need(arg);
      if (!e) return;
      await vscode.env.clipboard.writeText(JSON.stringify(e.alert, null, 2));
      vscode.window.setStatusBarMessage('Alert copied as JSON', 3000);
    }),
    vscode.commands.registerCommand('falcoshark.captureTraffic', async (arg: unknown) => {
      let e = tree.entryOf(arg);
      if (!e) {
        const recent = store.query({ limit: 200 });
        if (recent.length === 0) { void vscode.window.showInformationMessage('No alerts yet: capture on a pod from the Kubernetes explorer, or wait for an alert.'); return; }
        const pick = await vscode.window.showQuickPick(recent.map((x) => ({ label: x.alert.rule, description: x.alert.pod ? `${x.alert.namespace ?? ''}/${x.alert.pod}` : x.alert.node ?? '', detail: x.alert.output.slice(0, 200), key: x.key })),
          { title: 'Capture traffic for which alert?', matchOnDescription: true, matchOnDetail: true });
        if (!pick) return;
        e = store.get(pick.key);
        if (!e) return;
      }
      await captures.captureAlert(e.alert);
    }),
    vscode.commands.registerCommand('falcoshark.captureWorkload', async (arg: unknown) => {
      const e = tree.entryOf(arg);
      if (!e) { void vscode.window.showInformationMessage('Pick an alert in the Falcoshark Alerts view: its pod\'s workload is captured.'); return; }
      await captures.captureAlertWorkload(e.alert);
    }),
    vscode.commands.registerCommand('falcoshark.filterAlerts', async () => {
      const current = tree.getFilter();
      const value = [current.minPriority ? `priority:${current.minPriority}` : '', current.rule ? `rule:"${current.rule}"` : '',
        current.namespace ? `ns:${current.namespace}` : '', current.text ?? ''].filter(Boolean).join(' ');
      const input = await vscode.window.showInputBox({ title: 'Filter alerts', value,
        prompt: 'priority:warning (at least), rule:"Rule name", ns:namespace, and any text (rule, output, pod, node, command line, image)',
        validateInput: (v) => { const r = parseAlertFilter(v); return r.ok ? undefined : r.reason; } });
      if (input === undefined) return;
      const r = parseAlertFilter(input);
      if (r.ok) tree.setFilter(r.filter);
      if (r.ok && describeFilter(r.filter)) vscode.window.setStatusBarMessage(`Alerts: ${describeFilter(r.filter)}`, 3000);
    }),
    vscode.commands.registerCommand('falcoshark.clearAlertFilter', () => tree.setFilter({})),
    vscode.commands.registerCommand('falcoshark.clearAlerts', () => store.clear()),
    vscode.commands.registerCommand('falcoshark.restartSources', () => restart()),
  ];
}
