// `falcoshark serve` as a capture source: the setting falcoshark.serve.url names the server,
// its API token lives in the secret storage (never in settings), and the commands add the
// source and open one of its captures (downloaded into <captures>/remote/<host>/).
import * as vscode from 'vscode';
import type { Log } from './log.js';
import { RemoteCaptures, type RemoteCaptureNode } from './views/remoteCaptures.js';
import { downloadRemoteCapture, normalizeServeUrl, remoteFolderFor, serveTokenKey } from './views/remoteCaptureList.js';

export interface ServeSourceDeps {
  secrets: vscode.SecretStorage;
  log: Log;
  captureFolder: () => string;
  openSummary: (file: string) => Promise<void>;
}

/** The configured server, normalised (none when the setting is empty or not a URL). */
export function configuredServers(): string[] {
  const raw = vscode.workspace.getConfiguration('falcoshark').get<unknown>('serve.url');
  if (typeof raw !== 'string' || !raw.trim()) return [];
  const r = normalizeServeUrl(raw);
  return r.ok ? [r.value] : [];
}

function settingProblem(): string | undefined {
  const raw = vscode.workspace.getConfiguration('falcoshark').get<unknown>('serve.url');
  if (typeof raw !== 'string' || !raw.trim()) return undefined;
  const r = normalizeServeUrl(raw);
  return r.ok ? undefined : r.reason;
}

export function createRemoteCaptures(secrets: vscode.SecretStorage, captureFolder: () => string): RemoteCaptures {
  return new RemoteCaptures({ servers: configuredServers, settingProblem, token: (url) => secrets.get(serveTokenKey(url)), captureFolder });
}

export function registerServeSourceCommands(deps: ServeSourceDeps, remote: RemoteCaptures): vscode.Disposable[] {
  const addSource = async (urlArg?: unknown): Promise<void> => {
    const current = typeof urlArg === 'string' ? urlArg : configuredServers()[0] ?? '';
    const typed = await vscode.window.showInputBox({ title: 'Add a falcoshark serve source (1/2)', prompt: 'Address of falcoshark serve\'s API',
      placeHolder: 'http://127.0.0.1:2802/', value: current, ignoreFocusOut: true,
      validateInput: (v) => { const r = normalizeServeUrl(v); return r.ok ? undefined : r.reason; } });
    if (typed === undefined) return;
    const url = normalizeServeUrl(typed);
    if (!url.ok) return;
    const token = await vscode.window.showInputBox({ title: 'Add a falcoshark serve source (2/2)', prompt: `API token of ${url.value} (kept in VS Code's secret storage)`,
      password: true, ignoreFocusOut: true, validateInput: (v) => (v.trim().length >= 16 ? undefined : 'the API token has at least 16 characters') });
    if (token === undefined) return;
    await deps.secrets.store(serveTokenKey(url.value), token.trim());
    await vscode.workspace.getConfiguration('falcoshark').update('serve.url', url.value, vscode.ConfigurationTarget.Global);
    deps.log.info(`falcoshark serve source: ${url.value} (token in the secret storage)`);
    remote.refresh();
  };

  const openRemote = async (arg: unknown): Promise<void> => {
    if (typeof arg !== 'object' || arg === null || (arg as { kind?: unknown }).kind !== 'remoteCapture') {
      void vscode.window.showInformationMessage('Pick a capture under a falcoshark serve server in the Falcoshark Captures view.');
      return;
    }
    const node = arg as RemoteCaptureNode;
    const token = await deps.secrets.get(serveTokenKey(node.url));
    if (!token) { void vscode.window.showWarningMessage(`No API token is stored for ${node.url}.`, 'Add falcoshark serve Source').then((p) => { if (p) void addSource(node.url); }); return; }
    const folder = remoteFolderFor(deps.captureFolder(), node.url);
    try {
      const file = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Downloading ${node.item.id}`, cancellable: true }, async (_p, ct) => {
        const ac = new AbortController();
        const sub = ct.onCancellationRequested(() => ac.abort());
        try { return await downloadRemoteCapture({ url: node.url, token }, node.item.id, folder, ac.signal); } finally { sub.dispose(); }
      });
      deps.log.info(`capture ${node.item.id} from ${node.url} → ${file}`);
      remote.refresh();
      await deps.openSummary(file);
    } catch (e) {
      deps.log.error(`downloading ${node.item.id} from ${node.url}: ${(e as Error).message}`);
      void vscode.window.showErrorMessage(`Cannot download ${node.item.id}: ${(e as Error).message}`);
    }
  };

  return [
    vscode.commands.registerCommand('falcoshark.addServeSource', addSource),
    vscode.commands.registerCommand('falcoshark.openRemoteCapture', openRemote),
    vscode.workspace.onDidChangeConfiguration((e) => { if (e.affectsConfiguration('falcoshark.serve') || e.affectsConfiguration('falcoshark.captureFolder')) remote.refresh(); }),
    deps.secrets.onDidChange((e) => { if (e.key.startsWith('falcoshark.serve.token:')) remote.refresh(); }),
  ];
}
