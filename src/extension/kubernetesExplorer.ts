// The Kubernetes extension's Clusters explorer passes its own tree node to our command. Its
// published API (`get('clusterexplorer', 'v1').api.resolveCommandTarget`) turns that node into a
// documented shape; without the API, the node's fields are read defensively (planEdit.ts).
import * as vscode from 'vscode';

export const KUBERNETES_EXTENSION = 'ms-kubernetes-tools.vscode-kubernetes-tools';

interface ExtensionExports { get?: (component: string, version: string) => { available?: boolean; api?: { resolveCommandTarget?: (t: unknown) => unknown } } }

/** The explorer's documented view of `node` when its API is there; `node` itself otherwise. */
export async function resolveExplorerNode(node: unknown): Promise<unknown> {
  const ext = vscode.extensions.getExtension<ExtensionExports>(KUBERNETES_EXTENSION);
  if (!ext) return node;
  try {
    const exports = ext.isActive ? ext.exports : await ext.activate();
    const r = typeof exports?.get === 'function' ? exports.get('clusterexplorer', 'v1') : undefined;
    const resolved = r?.available && typeof r.api?.resolveCommandTarget === 'function' ? r.api.resolveCommandTarget(node) : undefined;
    return resolved ?? node;
  } catch {
    return node;
  }
}
