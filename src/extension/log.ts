// The one log of the extension: created in activate() and passed to whoever needs it.
import * as vscode from 'vscode';

export type Log = vscode.LogOutputChannel;

export function createLog(): Log {
  return vscode.window.createOutputChannel('Falcoshark', { log: true });
}
