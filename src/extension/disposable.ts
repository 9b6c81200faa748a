// One Disposable base (as vscode-pull-request-github's): children registered with _register()
// are disposed with their owner, last registered first.
import type * as vscode from 'vscode';

export abstract class Disposable implements vscode.Disposable {
  private _disposables: vscode.Disposable[] = [];
  private _isDisposed = false;

  protected get isDisposed(): boolean { return this._isDisposed; }

  protected _register<T extends vscode.Disposable>(d: T): T {
    if (this._isDisposed) d.dispose();
    else this._disposables.push(d);
    return d;
  }

  dispose(): void {
    if (this._isDisposed) return;
    this._isDisposed = true;
    const all = this._disposables.reverse();
    this._disposables = [];
    for (const d of all) {
      try { d.dispose(); } catch { /* keep disposing the rest */ }
    }
  }
}
