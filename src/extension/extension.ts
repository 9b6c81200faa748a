// The composition root: creates the log, the alert store and feed, the views and the
// commands, and wires settings changes to them. No command bodies here.
import * as vscode from 'vscode';
import { AlertStore } from '../core/alerts/alertStore.js';
import { createLog } from './log.js';
import { captureFolder, getSettings, onSettingsChanged } from './config.js';
import { AlertFeed } from './alertFeed.js';
import { AlertsTree } from './views/alertsTree.js';
import { CapturesTree, captureFileOf } from './views/capturesTree.js';
import { AlertDocumentProvider } from './views/alertDocument.js';
import { CaptureRunner } from './commands/captureCommands.js';
import { CaptureFiles } from './commands/fileCommands.js';
import { registerAlertCommands } from './commands/alertCommands.js';
import { registerSetupCommands } from './commands/setupCommands.js';
import { FlowPanel } from './webview/flowPanel.js';
import { resolveExplorerNode } from './kubernetesExplorer.js';
import { AutoCapture } from './autoCapture.js';
import { createRemoteCaptures, registerServeSourceCommands } from './serveSources.js';
import { readSourceSecrets, SOURCE_SECRET_KEYS } from './sourceSecrets.js';

export function activate(context: vscode.ExtensionContext): void {
  const log = createLog();
  const sub = <T extends vscode.Disposable>(d: T): T => { context.subscriptions.push(d); return d; };
  sub(log);
  const store = new AlertStore({ limit: 10_000 });
  const feed = new AlertFeed(store, (level, msg) => log[level](msg));
  const setState = (): void => { void vscode.commands.executeCommand('setContext', 'falcoshark.alertsState', feed.state); };
  feed.on('state', setState);
  setState();
  // Secrets first (the webhook token, Falcosidekick-UI's credentials), then the sources.
  const restart = (): void => { void readSourceSecrets(context.secrets).then((secrets) => feed.start(getSettings(), secrets)); };
  sub({ dispose: () => feed.stop() });

  const alerts = sub(new AlertsTree(store, feed, getSettings().grouping));
  sub(new AlertDocumentProvider(store));
  const folder = (): string => captureFolder(getSettings(), context.globalStorageUri);
  const remote = sub(createRemoteCaptures(context.secrets, folder));
  const captures = sub(new CapturesTree(folder(), log, remote));
  const files = new CaptureFiles({ log, extensionUri: context.extensionUri, settings: getSettings, refreshCaptures: () => captures.refresh() });
  const runner = sub(new CaptureRunner({
    log, settings: getSettings, captureFolder: folder, onCaptured: () => captures.refresh(),
    openSummary: (f) => files.openSummary(f), openInWireshark: (f) => files.openInWireshark(f),
  }));
  sub(new AutoCapture({ store, log, settings: getSettings, captureFolder: folder, runner, openSummary: (f) => files.openSummary(f), refreshCaptures: () => captures.refresh() }));

  const withFile = (fn: (file: string) => Promise<void>) => async (arg: unknown): Promise<void> => {
    const file = captureFileOf(arg, captures);
    if (file) await fn(file);
    else void vscode.window.showInformationMessage('Select a capture in the Falcoshark Captures view first.');
  };
  for (const d of [
    ...registerAlertCommands(store, alerts, runner, restart),
    ...registerSetupCommands(getSettings, () => feed.webhookAddress, context.secrets),
    ...registerServeSourceCommands({ secrets: context.secrets, log, captureFolder: folder, openSummary: (f) => files.openSummary(f) }, remote),
    vscode.commands.registerCommand('falcoshark.capturePod', async (node: unknown) => runner.capturePod(await resolveExplorerNode(node))),
    vscode.commands.registerCommand('falcoshark.captureExplorerWorkload', async (node: unknown) => runner.captureExplorerWorkload(await resolveExplorerNode(node))),
    vscode.commands.registerCommand('falcoshark.openSummary', withFile((f) => files.openSummary(f))),
    vscode.commands.registerCommand('falcoshark.openInWireshark', withFile((f) => files.openInWireshark(f))),
    vscode.commands.registerCommand('falcoshark.revealCapture', withFile((f) => files.reveal(f))),
    vscode.commands.registerCommand('falcoshark.deleteCapture', withFile((f) => files.delete(f))),
    vscode.commands.registerCommand('falcoshark.openCaptureFile', () => files.pickAndOpen()),
    vscode.commands.registerCommand('falcoshark.refreshCaptures', () => { remote.refresh(); captures.refresh(); }),
    vscode.commands.registerCommand('falcoshark.showLog', () => log.show()),
    onSettingsChanged(['context', 'cluster', 'falco', 'webhook', 'sidekickUi', 'alertFile'], restart),
    onSettingsChanged(['alerts.grouping'], () => alerts.setGrouping(getSettings().grouping)),
    onSettingsChanged(['captureFolder'], () => captures.setFolder(folder())),
    vscode.workspace.onDidGrantWorkspaceTrust(restart),
    context.secrets.onDidChange((e) => { if (SOURCE_SECRET_KEYS.includes(e.key)) restart(); }),
    { dispose: () => FlowPanel.disposeAll() },
  ]) sub(d);

  log.info(`falcoshark ${String(context.extension.packageJSON.version)} activated; captures in ${folder()}`);
  restart();
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
