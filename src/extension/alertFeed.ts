// Runs the alert sources the settings name (cluster pod logs, webhook, Falcosidekick-UI, a
// file), folds what they produce into the AlertStore, and keeps a per-source status that the
// Alerts view shows (as message nodes or welcome content). No `vscode` import.
import { EventEmitter } from 'node:events';
import { AlertStore } from '../core/alerts/alertStore.js';
import { BoundedQueue } from '../core/alerts/boundedQueue.js';
import type { SourceEvent } from '../core/alerts/sources/sourceEvents.js';
import { startAlertSources, type SourceKind, type StartedSources } from '../core/alerts/sources/alertSources.js';
import { alertSourceOptions, type Settings, type SourceSecrets } from './settings.js';
import { problemCode, type ProblemCode } from '../core/util/problem.js';

/** What the Alerts view's welcome content is chosen by (context key falcoshark.alertsState). */
export type FeedState = 'starting' | 'waiting' | 'ok' | 'noKubeconfig' | 'noFalcoPods' | 'textOutput' | 'forbidden' | 'noSources';

export interface SourceStatus { source: string; level: 'info' | 'warning' | 'error'; message: string }

export type LogFn = (level: 'info' | 'warn' | 'error', message: string) => void;

/** The problem a status or skipped line reveals, if it is one the welcome content explains
 *  (by the event's code, never by its message). */
export function problemOf(ev: SourceEvent): 'noFalcoPods' | 'textOutput' | 'forbidden' | undefined {
  switch (ev.type) {
    case 'alert': return undefined;
    case 'skipped': return ev.kind === 'text-alert' ? 'textOutput' : undefined;
    case 'status': return ev.level === 'info' ? undefined : stateOfCode(ev.code);
    default: { const never: never = ev; return never; }
  }
}

function stateOfCode(code: ProblemCode | undefined): 'noFalcoPods' | 'forbidden' | undefined {
  switch (code) {
    case 'no-falco-pods': return 'noFalcoPods';
    case 'forbidden': case 'unauthorized': return 'forbidden';
    default: return undefined;
  }
}

interface FeedEvents { state: [FeedState]; status: [SourceStatus[]] }

export class AlertFeed extends EventEmitter<FeedEvents> {
  private ac: AbortController | undefined;
  private statuses = new Map<string, SourceStatus>();
  private _state: FeedState = 'starting';
  private webhookUrl: string | undefined;

  constructor(readonly store: AlertStore, private readonly log: LogFn) {
    super();
    store.on('change', (c) => { if (c.type === 'added' && this._state !== 'ok') this.setState('ok'); });
  }

  get state(): FeedState { return this._state; }
  get statusList(): SourceStatus[] { return [...this.statuses.values()]; }
  get webhookAddress(): string | undefined { return this.webhookUrl; }

  private setState(s: FeedState): void {
    if (s === this._state) return;
    this._state = s;
    this.emit('state', s);
  }

  private setStatus(st: SourceStatus): void {
    this.statuses.set(st.source, st);
    this.emit('status', this.statusList);
  }

  private sources: StartedSources | undefined;
  private starting: Promise<void> = Promise.resolve();

  /** (Re)starts every configured source; restarts are serialised (settings can change in bursts). */
  start(settings: Settings, secrets: SourceSecrets = {}): Promise<void> {
    this.starting = this.starting.then(() => this.restart(settings, secrets), () => this.restart(settings, secrets));
    return this.starting;
  }

  private async restart(settings: Settings, secrets: SourceSecrets): Promise<void> {
    this.stop();
    // The old webhook must have released its port before a new one binds it.
    await this.sources?.close();
    this.sources = undefined;
    const ac = new AbortController();
    this.ac = ac;
    this.statuses.clear();
    this.webhookUrl = undefined;
    this.setState('starting');
    const queue = new BoundedQueue<SourceEvent>(10_000);
    ac.signal.addEventListener('abort', () => queue.close(), { once: true });
    const name: Record<SourceKind, string> = { webhook: 'webhook', cluster: 'cluster', 'sidekick-ui': 'falcosidekick-ui', file: `file ${settings.alertFile ?? ''}` };
    let kubeMissing = false;
    const options = alertSourceOptions(settings, secrets);
    const started = await startAlertSources(options, queue, ac.signal, (kind, e, when) => {
      if (ac.signal.aborted) return;
      if (kind === 'cluster' && when === 'start' && problemCode(e) === 'no-kubeconfig') kubeMissing = true;
      const message = e instanceof Error ? e.message : String(e);
      this.log('error', `[${name[kind]}] ${message}`);
      this.setStatus({ source: name[kind], level: 'error', message });
    });
    this.sources = started;
    for (const w of started.warnings) this.log('warn', w);
    if (started.webhook) {
      this.webhookUrl = started.webhook.url;
      this.log('info', `webhook listening on ${started.webhook.url}${options.webhook?.token ? ' (bearer token required)' : ''}`);
      this.setStatus({ source: 'webhook', level: 'info', message: `listening on ${started.webhook.url}` });
    }
    this.log('info', `sources: ${started.kinds.map((k) => (k === 'cluster' && settings.context ? `cluster (${settings.context})` : k)).join(', ') || 'none'}`);
    // The sources' condition, whatever alerts are already listed (the welcome content shows it
    // once the view is empty); an alert arriving later sets 'ok'.
    const count = started.kinds.length;
    this.setState(count === 0 ? 'noSources' : kubeMissing && count === 1 ? 'noKubeconfig' : 'waiting');
    void this.consume(queue, ac.signal);
  }

  private async consume(queue: BoundedQueue<SourceEvent>, signal: AbortSignal): Promise<void> {
    let hinted = false;
    for await (const ev of queue) {
      if (signal.aborted) break;
      if (ev.type === 'alert') { this.store.add(ev.alert); continue; }
      const problem = problemOf(ev);
      if (problem && this._state !== 'ok') this.setState(problem);
      if (ev.type === 'skipped') {
        if (ev.hint && !hinted) { hinted = true; this.log('warn', `[${ev.source}] ${ev.hint}`); this.setStatus({ source: ev.source, level: 'warning', message: ev.hint }); }
        continue;
      }
      this.log(ev.level === 'info' ? 'info' : ev.level === 'warning' ? 'warn' : 'error', `[${ev.source}] ${ev.message}`);
      this.setStatus({ source: ev.source, level: ev.level, message: ev.message });
    }
  }

  stop(): void {
    this.ac?.abort();
    this.ac = undefined;
  }
}
