// The alert sources a front-end asks for, from one options type, started into one queue: the
// extension's Alerts view (src/extension/alertFeed.ts), `falcoshark watch` and `falcoshark
// serve` all build their sources here, so a source option (a webhook token, Falcosidekick-UI
// credentials, a port check, the warning about an open webhook) exists once for all of them.
import { isIPv4, isIPv6 } from 'node:net';
import type { Readable } from 'node:stream';
import type { BoundedQueue } from '../boundedQueue.js';
import type { SourceEvent } from './sourceEvents.js';
import { WebhookReceiver, type WebhookOptions } from './webhookReceiver.js';
import { followFile, readLinesFrom } from './fileSource.js';
import { pollSidekickUi, type SidekickUiOptions } from './sidekickUiSource.js';
import { ClusterAlertSource, type ClusterSourceOptions } from './clusterSource.js';

export type SourceKind = 'cluster' | 'webhook' | 'sidekick-ui' | 'file';

export interface AlertSourceOptions {
  /** Follow the logs of the cluster's Falco pods. */
  cluster?: ClusterSourceOptions;
  /** Receive Falco http_output / Falcosidekick webhook POSTs. */
  webhook?: WebhookOptions;
  /** Poll Falcosidekick-UI's event search. */
  sidekickUi?: SidekickUiOptions;
  /** A JSON-lines file followed as it grows. */
  file?: string;
  /** A stream of JSON lines read to its end (`falcoshark watch --file -`). */
  stdin?: Readable;
}

/** A source that could not start (`start`) or stopped with an error (`run`). */
export type SourceFailure = (kind: SourceKind, error: unknown, when: 'start' | 'run') => void;

export interface StartedSources {
  /** The kinds asked for, in start order. */
  kinds: SourceKind[];
  /** The webhook receiver (its stats) and the address it listens on. */
  webhook?: { receiver: WebhookReceiver; url: string };
  /** Things to tell the user before alerts arrive (an open webhook). */
  warnings: string[];
  /** Settles when every source that can end has ended (stdin read to its end, a failed
   *  source); never while the webhook or the cluster source runs. */
  ended: Promise<void>;
  /** Stops listening (the webhook's port is free when it resolves). */
  close(): Promise<void>;
}

/** Whether `host` is reachable only from this machine: 127.0.0.0/8, ::1 (also IPv4-mapped), localhost. */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost') return true;
  if (isIPv4(h)) return h.startsWith('127.');
  if (!isIPv6(h)) return false; // a name, or 0.0.0.0 / :: (every interface)
  const canonical = new URL(`http://[${h}]/`).hostname; // e.g. [0:0::1] → [::1], [::ffff:127.0.0.1] → [::ffff:7f00:1]
  return canonical === '[::1]' || /^\[::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}\]$/.test(canonical);
}

/** A port from a flag or a setting (a number or its decimal text): 0 (any free port) to 65535. */
export function checkPort(v: unknown): { ok: true; value: number } | { ok: false; reason: string } {
  const n = typeof v === 'string' && /^\d{1,5}$/.test(v.trim()) ? Number(v) : v;
  if (typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 65535) return { ok: true, value: n };
  return { ok: false, reason: `a port is a whole number from 0 to 65535, not ${JSON.stringify(v)?.slice(0, 40) ?? String(v)}` };
}

/** What is worth a warning in the options (an exposed webhook without a token). */
export function sourceWarnings(o: AlertSourceOptions): string[] {
  const w = o.webhook;
  const host = w?.host ?? '127.0.0.1';
  if (w && !w.token && !isLoopbackHost(host)) return [`the webhook on ${host} accepts alerts from anyone: set a bearer token`];
  return [];
}

/** Starts every source the options name. The webhook is listening when this resolves; a
 *  source that cannot start is reported to `onFailure` and the others still start. */
export async function startAlertSources(o: AlertSourceOptions, queue: BoundedQueue<SourceEvent>, signal: AbortSignal, onFailure: SourceFailure): Promise<StartedSources> {
  const kinds: SourceKind[] = [];
  const tasks: Promise<void>[] = [];
  const run = (kind: SourceKind, p: Promise<void>): void => { tasks.push(p.catch((e: unknown) => { if (!signal.aborted) onFailure(kind, e, 'run'); })); };
  let webhook: StartedSources['webhook'];
  if (o.webhook) {
    kinds.push('webhook');
    const receiver = new WebhookReceiver(o.webhook, queue);
    try {
      webhook = { receiver, url: (await receiver.listen(signal)).url };
    } catch (e) {
      onFailure('webhook', e, 'start');
    }
  }
  if (o.file !== undefined) {
    kinds.push('file');
    run('file', followFile({ path: o.file }, queue, signal));
  }
  if (o.stdin) {
    kinds.push('file');
    run('file', readLinesFrom(o.stdin, queue, signal));
  }
  if (o.sidekickUi) {
    kinds.push('sidekick-ui');
    run('sidekick-ui', pollSidekickUi(o.sidekickUi, queue, signal));
  }
  if (o.cluster) {
    kinds.push('cluster');
    try {
      run('cluster', new ClusterAlertSource(o.cluster, queue).run(signal));
    } catch (e) {
      onFailure('cluster', e, 'start'); // no kubeconfig, no such context
    }
  }
  return {
    kinds,
    ...(webhook ? { webhook } : {}),
    warnings: sourceWarnings(o),
    ended: Promise.all(tasks).then(() => undefined),
    close: async () => { await webhook?.receiver.close(); },
  };
}
