// Kubeconfig loading (as kubectl: $KUBECONFIG list, else ~/.kube/config; current context unless
// one is named) and Kubernetes API errors turned into messages that name what was refused.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig, ApiException } from '@kubernetes/client-node';
import { CodedError, codeOfStatus, type ProblemCode } from '../util/problem.js';

export class KubeAccessError extends CodedError {
  override readonly name = 'KubeAccessError';
  readonly code: ProblemCode;
  constructor(message: string, readonly status: number | undefined, readonly verb: string, readonly resource: string, readonly namespace: string | undefined) {
    super(message);
    this.code = codeOfStatus(status);
  }
}

/** No kubeconfig, no such context, or one that cannot be loaded. */
export class KubeConfigError extends CodedError {
  override readonly name = 'KubeConfigError';
  readonly code = 'no-kubeconfig';
}

/** Loads the kubeconfig the way kubectl does and selects `context` (default: current-context). */
export function loadKubeConfig(context?: string): KubeConfig {
  const kc = new KubeConfig();
  const where = process.env['KUBECONFIG'] ? `$KUBECONFIG (${process.env['KUBECONFIG']})` : '~/.kube/config';
  if (!process.env['KUBECONFIG'] && !existsSync(join(homedir(), '.kube', 'config')) && !process.env['KUBERNETES_SERVICE_HOST']) {
    throw new KubeConfigError('no kubeconfig: $KUBECONFIG is unset, ~/.kube/config does not exist, and this is not a pod in a cluster');
  }
  try {
    kc.loadFromDefault();
  } catch (err) {
    throw new KubeConfigError(`cannot load the kubeconfig from ${where}: ${(err as Error).message.split('\n')[0]}`);
  }
  const names = kc.getContexts().map((c) => c.name);
  if (context !== undefined) {
    if (!names.includes(context)) {
      throw new KubeConfigError(`no context "${context}" in ${where}; available: ${names.length ? names.join(', ') : '(none)'}`);
    }
    kc.setCurrentContext(context);
  } else if (!kc.getCurrentContext() || !names.includes(kc.getCurrentContext())) {
    if (names.length === 0 && kc.getCurrentCluster()?.server) return kc; // in-cluster or localhost default
    throw new KubeConfigError(`no current context in ${where}; pick one with --context (available: ${names.length ? names.join(', ') : '(none)'})`);
  }
  if (!kc.getCurrentCluster()) throw new KubeConfigError(`context "${kc.getCurrentContext()}" in ${where} names no cluster`);
  return kc;
}

/** The HTTP status of a client-node error (ApiException.code, Watch's statusCode), if any. */
export function statusOf(err: unknown): number | undefined {
  if (err instanceof ApiException) return err.code;
  if (typeof err === 'object' && err !== null) {
    const e = err as { statusCode?: unknown; code?: unknown };
    if (typeof e.statusCode === 'number') return e.statusCode;
    if (typeof e.code === 'number') return e.code;
  }
  return undefined;
}

/** "403: cannot get pods/log in namespace falco", "401: …", or the network error. */
export function describeKubeError(err: unknown, verb: string, resource: string, namespace: string | undefined, context: string): KubeAccessError {
  const status = statusOf(err);
  const scope = namespace === undefined ? 'at the cluster scope (all namespaces)' : `in namespace ${namespace}`;
  let msg: string;
  if (status === 403) {
    msg = `403: cannot ${verb} ${resource} ${scope} (context "${context}"); the RBAC role needs "${verb}" on "${resource}"`;
  } else if (status === 401) {
    msg = `401: the API server rejected the credentials of context "${context}" when trying to ${verb} ${resource} (expired token? try kubectl get pods to refresh)`;
  } else if (status === 404) {
    msg = `404: ${resource} not found ${scope}`;
  } else if (status !== undefined) {
    const detail = err instanceof ApiException && typeof err.body === 'string' ? `: ${err.body.slice(0, 200)}` : '';
    msg = `${status}: ${verb} ${resource} ${scope} failed${detail}`;
  } else {
    const e = err as { code?: unknown; message?: unknown; cause?: { code?: unknown } };
    const code = typeof e?.code === 'string' ? e.code : typeof e?.cause?.code === 'string' ? e.cause.code : undefined;
    msg = `cannot ${verb} ${resource} ${scope}: ${code ?? (typeof e?.message === 'string' ? e.message.split('\n')[0] : String(err))} (context "${context}")`;
  }
  return new KubeAccessError(msg, status, verb, resource, namespace);
}
