// Finds the Falco pods (label selector, any namespace, container "falco" by default), follows the
// log of each, and watches pods so new and restarted ones are picked up. Reconnects with backoff.
import { CoreV1Api, Watch, type KubeConfig, type V1Pod, type V1PodList } from '@kubernetes/client-node';
import type { BoundedQueue } from '../boundedQueue.js';
import type { SourceEvent } from './sourceEvents.js';
import { PodLogFollower } from './podLogFollower.js';
import { describeKubeError, loadKubeConfig, statusOf } from '../../k8s/kubeAccess.js';
import { Backoff, sleep } from '../backoff.js';
import { problemCode, type ProblemCode } from '../../util/problem.js';

export interface ClusterSourceOptions {
  /** A kubeconfig context; default: the current one. Ignored when `kubeConfig` is given. */
  context?: string;
  kubeConfig?: KubeConfig;
  /** Default `app.kubernetes.io/name=falco`. */
  labelSelector?: string;
  /** Default: all namespaces. */
  namespace?: string;
  /** Default `falco`. */
  container?: string;
  /**
   * History read from pods found at start-up: seconds back (default 600; 0 = only new lines) or
   * 'all'. Pods that appear later are always read from their start, so a restart loses nothing.
   */
  initialSinceSeconds?: number | 'all';
  backoff?: { initialMs?: number; maxMs?: number };
  idleReconnectMs?: number;
  maxLineBytes?: number;
}

export const DEFAULT_FALCO_SELECTOR = 'app.kubernetes.io/name=falco';

export class ClusterAlertSource {
  private readonly kc: KubeConfig;
  private readonly followers = new Map<string, PodLogFollower>();
  private readonly running = new Set<Promise<void>>();
  private readonly selector: string;
  private readonly container: string;
  private readonly context: string;
  private warnedNoContainer = new Set<string>();
  private finished = { delivered: 0, duplicatesDropped: 0 };

  constructor(private readonly opts: ClusterSourceOptions, private readonly queue: BoundedQueue<SourceEvent>) {
    this.kc = opts.kubeConfig ?? loadKubeConfig(opts.context);
    this.selector = opts.labelSelector ?? DEFAULT_FALCO_SELECTOR;
    this.container = opts.container ?? 'falco';
    this.context = this.kc.getCurrentContext() || '(default)';
  }

  /** Pods being followed, as `namespace/name`. */
  get followed(): string[] { return [...this.followers.keys()].map((k) => k.split('/').slice(0, 2).join('/')); }
  get stats(): { delivered: number; duplicatesDropped: number } {
    let { delivered, duplicatesDropped } = this.finished;
    for (const f of this.followers.values()) { delivered += f.linesDelivered; duplicatesDropped += f.duplicatesDropped; }
    return { delivered, duplicatesDropped };
  }

  private status(level: 'info' | 'warning' | 'error', message: string, code?: ProblemCode): void {
    this.queue.offer({ type: 'status', source: `cluster:${this.context}`, level, message, ...(code ? { code } : {}) });
  }

  /** Runs until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const core = this.kc.makeApiClient(CoreV1Api);
    const watch = new Watch(this.kc);
    const backoff = new Backoff(this.opts.backoff);
    const ns = this.opts.namespace;
    const path = ns === undefined ? '/api/v1/pods' : `/api/v1/namespaces/${encodeURIComponent(ns)}/pods`;
    let initial = true;
    try {
      while (!signal.aborted) {
        let list: V1PodList;
        try {
          list = ns === undefined
            ? await core.listPodForAllNamespaces({ labelSelector: this.selector })
            : await core.listNamespacedPod({ namespace: ns, labelSelector: this.selector });
        } catch (err) {
          if (signal.aborted) break;
          const e = describeKubeError(err, 'list', 'pods', ns, this.context);
          const delay = backoff.next();
          this.status('error', `${e.message}; retrying in ${(delay / 1000).toFixed(1)} s`, e.code);
          await sleep(delay, signal);
          continue;
        }
        if (list.items.length === 0 && initial) {
          this.status('warning', `no pods match ${this.selector} ${ns === undefined ? 'in any namespace' : `in namespace ${ns}`}; waiting for Falco pods to appear (set the Falco pod selector)`, 'no-falco-pods');
        }
        this.reconcile(list.items, initial, signal);
        initial = false;
        let rv = list.metadata?.resourceVersion;
        // Watch from the list's resourceVersion until it expires (410) or fails.
        while (!signal.aborted) {
          let relist = false;
          const err = await new Promise<unknown>((resolve) => {
            let ctl: AbortController | undefined;
            const onAbort = () => { ctl?.abort(); resolve(null); };
            signal.addEventListener('abort', onAbort, { once: true });
            watch.watch(path, { labelSelector: this.selector, allowWatchBookmarks: true, ...(rv ? { resourceVersion: rv } : {}) },
              (type: string, obj: unknown) => {
                const o = obj as V1Pod & { code?: number };
                if (type === 'ERROR') { relist = true; return; }
                if (o.metadata?.resourceVersion) rv = o.metadata.resourceVersion;
                if (type === 'BOOKMARK') return;
                backoff.reset();
                if (type === 'DELETED') this.podDeleted(o);
                else this.podSeen(o, false, signal);
              },
              (e: unknown) => { signal.removeEventListener('abort', onAbort); resolve(e); })
              .then((c) => { ctl = c; if (signal.aborted) c.abort(); }, (e: unknown) => { signal.removeEventListener('abort', onAbort); resolve(e); });
          });
          if (signal.aborted) break;
          if (relist || statusOf(err) === 410) break;
          if (err !== null && err !== undefined) {
            const e = describeKubeError(err, 'watch', 'pods', ns, this.context);
            const delay = backoff.next();
            this.status('error', `${e.message}; retrying in ${(delay / 1000).toFixed(1)} s`, e.code);
            await sleep(delay, signal);
            break; // re-list: events may have been missed
          }
          // A clean close: watch again from the last resourceVersion.
        }
      }
    } finally {
      for (const f of this.followers.values()) f.abort();
      await Promise.allSettled([...this.running]);
    }
  }

  private key(p: V1Pod): string {
    return `${p.metadata?.namespace ?? ''}/${p.metadata?.name ?? ''}/${p.metadata?.uid ?? ''}`;
  }

  private reconcile(pods: V1Pod[], initial: boolean, signal: AbortSignal): void {
    const present = new Set(pods.map((p) => this.key(p)));
    for (const [k, f] of this.followers) if (!present.has(k) && !f.podGone) f.markGone();
    for (const p of pods) this.podSeen(p, initial, signal);
  }

  private podSeen(p: V1Pod, initial: boolean, signal: AbortSignal): void {
    const k = this.key(p);
    const name = p.metadata?.name, namespace = p.metadata?.namespace;
    if (!name || !namespace || this.followers.has(k) || p.metadata?.deletionTimestamp) return;
    const containers = p.spec?.containers?.map((c) => c.name) ?? [];
    if (!containers.includes(this.container)) {
      if (!this.warnedNoContainer.has(k)) {
        this.warnedNoContainer.add(k);
        this.status('warning', `pod ${namespace}/${name} has no container "${this.container}" (it has: ${containers.join(', ') || 'none'}); set --container`);
      }
      return;
    }
    const cs = p.status?.containerStatuses?.find((c) => c.name === this.container);
    if (!cs?.state?.running && !cs?.state?.terminated && !(cs?.restartCount && cs.restartCount > 0)) return; // not started yet: a later MODIFIED event brings it
    const f = new PodLogFollower(this.kc, {
      namespace, pod: name, container: this.container, context: this.context,
      ...(initial && this.opts.initialSinceSeconds !== 'all' ? { sinceSeconds: Math.max(1, this.opts.initialSinceSeconds ?? 600) } : {}),
      ...(this.opts.backoff ? { backoff: this.opts.backoff } : {}),
      ...(this.opts.idleReconnectMs !== undefined ? { idleReconnectMs: this.opts.idleReconnectMs } : {}),
      ...(this.opts.maxLineBytes !== undefined ? { maxLineBytes: this.opts.maxLineBytes } : {}),
    }, this.queue);
    this.followers.set(k, f);
    const run = f.run(signal).catch((err: unknown) => this.status('error', `following ${namespace}/${name} failed: ${(err as Error).message}`, problemCode(err)));
    this.running.add(run);
    void run.finally(() => {
      this.running.delete(run);
      if (this.followers.get(k) === f && (f.podGone || signal.aborted)) {
        this.followers.delete(k);
        this.finished.delivered += f.linesDelivered;
        this.finished.duplicatesDropped += f.duplicatesDropped;
      }
    });
  }

  private podDeleted(p: V1Pod): void {
    this.followers.get(this.key(p))?.markGone();
  }
}
