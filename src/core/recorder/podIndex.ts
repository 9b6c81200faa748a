// The pods a recorder records: those on its node (a list and watch with
// fieldSelector spec.nodeName=NODE, so the API server sends no other node's pods), matching the
// label selector (evaluated by the API server), in the namespaces chosen (default: all but
// kube-system and the recorder's own), not on the host network. By IP, for the packets; kept for
// `keepSeconds` after they go, so a cut can still name a pod that was deleted a moment ago.
import { CoreV1Api, Watch, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { Backoff, sleep } from '../alerts/backoff.js';
import { describeKubeError, statusOf } from '../k8s/kubeAccess.js';
import { watchOnce } from '../k8s/watchOnce.js';

export interface RecordedPod {
  uid: string;
  namespace: string;
  name: string;
  ips: string[];
  node: string;
  /** When it was seen gone (ms since the epoch); undefined while it runs. */
  goneAt?: number;
}

export interface PodSelection {
  /** Only these namespaces (empty: every namespace not excluded). */
  namespaces: string[];
  excludeNamespaces: string[];
  /** A Kubernetes label selector, evaluated by the API server ('' = every pod). */
  labelSelector: string;
}

export interface PodIndexOptions {
  node: string;
  selection: PodSelection;
  keepSeconds: number;
  onStatus?: (level: 'info' | 'warning' | 'error', message: string) => void;
  now?: () => number;
}

export class PodIndex {
  private readonly byUid = new Map<string, RecordedPod>();
  private readonly byIp = new Map<string, string>();
  private readonly now: () => number;
  /** Bumped on every change (the recorder re-checks its interfaces then). */
  generation = 0;
  synced = false;

  constructor(private readonly o: PodIndexOptions) {
    this.now = o.now ?? Date.now;
  }

  selected(p: V1Pod): boolean {
    const ns = p.metadata?.namespace ?? '';
    const s = this.o.selection;
    if (p.spec?.hostNetwork) return false;
    if (s.namespaces.length > 0 && !s.namespaces.includes(ns)) return false;
    return !s.excludeNamespaces.includes(ns);
  }

  /** The running (or recently gone) recorded pod with this IP. */
  podOfIp(ip: string): RecordedPod | undefined {
    const uid = this.byIp.get(ip);
    return uid === undefined ? undefined : this.byUid.get(uid);
  }

  byName(namespace: string, name: string): RecordedPod[] {
    return [...this.byUid.values()].filter((p) => p.namespace === namespace && p.name === name);
  }

  get(uid: string): RecordedPod | undefined { return this.byUid.get(uid); }

  pods(): RecordedPod[] { return [...this.byUid.values()]; }

  /** Applies one pod as listed or watched (tests call it directly). */
  seen(p: V1Pod): void {
    const uid = p.metadata?.uid;
    if (!uid) return;
    const ips = (p.status?.podIPs ?? []).map((x) => x.ip).filter((x): x is string => typeof x === 'string' && x.length > 0);
    if (!this.selected(p) || p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed') { this.gone(uid); return; }
    const prev = this.byUid.get(uid);
    const pod: RecordedPod = { uid, namespace: p.metadata?.namespace ?? '', name: p.metadata?.name ?? '', ips, node: p.spec?.nodeName ?? this.o.node };
    if (prev && prev.ips.join() === ips.join() && prev.goneAt === undefined) return;
    this.byUid.set(uid, pod);
    for (const ip of ips) this.byIp.set(ip, uid);
    this.generation++;
  }

  gone(uid: string): void {
    const p = this.byUid.get(uid);
    if (!p || p.goneAt !== undefined) return;
    p.goneAt = this.now();
    this.generation++;
  }

  /** Forgets pods gone longer than keepSeconds (an IP may then belong to a new pod). */
  prune(): void {
    const limit = this.now() - this.o.keepSeconds * 1000;
    for (const [uid, p] of this.byUid) {
      if (p.goneAt === undefined || p.goneAt > limit) continue;
      this.byUid.delete(uid);
      for (const ip of p.ips) if (this.byIp.get(ip) === uid) this.byIp.delete(ip);
    }
  }

  /** Lists and watches the node's pods until `signal` aborts (re-listing after any gap). */
  async run(kc: KubeConfig, signal: AbortSignal): Promise<void> {
    const core = kc.makeApiClient(CoreV1Api);
    const watch = new Watch(kc);
    const backoff = new Backoff();
    const fieldSelector = `spec.nodeName=${this.o.node}`;
    const labelSelector = this.o.selection.labelSelector || undefined;
    const ctx = kc.getCurrentContext();
    while (!signal.aborted) {
      let rv: string | undefined;
      try {
        const list = await core.listPodForAllNamespaces({ fieldSelector, ...(labelSelector ? { labelSelector } : {}) });
        const live = new Set<string>();
        for (const p of list.items) { this.seen(p); if (p.metadata?.uid) live.add(p.metadata.uid); }
        for (const p of this.byUid.values()) if (!live.has(p.uid)) this.gone(p.uid);
        rv = list.metadata?.resourceVersion;
        if (!this.synced) this.o.onStatus?.('info', `recording ${[...this.byUid.values()].filter((p) => !p.goneAt).length} pods on node ${this.o.node}`);
        this.synced = true;
      } catch (err) {
        if (signal.aborted) break;
        const e = describeKubeError(err, 'list', 'pods', undefined, ctx);
        const delay = backoff.next();
        this.o.onStatus?.('error', `${e.message}; retrying in ${(delay / 1000).toFixed(1)} s`);
        await sleep(delay, signal);
        continue;
      }
      for (;;) {
        const err = await watchOnce(watch, '/api/v1/pods', { fieldSelector, labelSelector, allowWatchBookmarks: true, resourceVersion: rv }, signal,
          (type, obj) => {
            const o = obj as V1Pod;
            backoff.reset();
            if (type === 'DELETED') { if (o.metadata?.uid) this.gone(o.metadata.uid); } else this.seen(o);
          }, (v) => { rv = v; });
        if (signal.aborted) return;
        if (err === undefined) continue; // a clean close: watch on from rv
        if (statusOf(err) !== 410 && err !== null) await sleep(backoff.next(), signal);
        break; // re-list
      }
    }
  }
}
