// Reads the falcoshark.* settings (typed, see settings.ts) and tells when they change.
import * as vscode from 'vscode';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { readSettings, resolveCaptureFolder, type Settings } from './settings.js';

export function getSettings(): Settings {
  const c = vscode.workspace.getConfiguration('falcoshark');
  return readSettings((key) => c.get(key));
}

export function captureFolder(settings: Settings, globalStorage: vscode.Uri): string {
  const ws = vscode.workspace.workspaceFolders?.[0];
  return resolveCaptureFolder(settings.captureFolder, ws?.uri.scheme === 'file' ? ws.uri.fsPath : undefined,
    join(globalStorage.fsPath, 'captures'), homedir());
}

export function onSettingsChanged(sections: string[], fn: () => void): vscode.Disposable {
  return vscode.workspace.onDidChangeConfiguration((e) => {
    if (sections.some((s) => e.affectsConfiguration(`falcoshark.${s}`))) fn();
  });
}

export async function updateSetting(key: string, value: unknown): Promise<void> {
  await vscode.workspace.getConfiguration('falcoshark').update(key, value, vscode.ConfigurationTarget.Global);
}
