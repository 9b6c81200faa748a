// `falcoshark watch`: prints Falco alerts live from the cluster, a webhook, Falcosidekick-UI or a file.
import { parseArgs } from 'node:util';
import type { CliCommand } from './command.js';
import { BoundedQueue } from '../core/alerts/boundedQueue.js';
import { AlertStore } from '../core/alerts/alertStore.js';
import { SkipCounter, type SourceEvent } from '../core/alerts/sources/sourceEvents.js';
import { WebhookReceiver } from '../core/alerts/sources/webhookReceiver.js';
import { followFile, readLinesFrom } from '../core/alerts/sources/fileSource.js';
import { pollSidekickUi } from '../core/alerts/sources/sidekickUiSource.js';
import { ClusterAlertSource, DEFAULT_FALCO_SELECTOR } from '../core/alerts/sources/clusterSource.js';
import { alertJsonLine, alertTableRow, tableHeader } from '../core/alerts/alertFormat.js';
import { atLeast, parsePriority } from '../core/alerts/priority.js';
import { terminalSafe } from '../core/util/terminalSafe.js';

const HELP = `usage: falcoshark watch [--context C] [--webhook PORT] [--sidekick-ui URL] [--file F|-] [--json]

  Prints Falco alerts live. With no source option it follows the Falco pods of the current
  kubeconfig context; name sources to use those instead (several may be combined).

  --context C          follow Falco pod logs in kubeconfig context C ($KUBECONFIG, ~/.kube/config)
  --cluster            follow the current context as well as the other sources
  --selector S         Falco pod label selector (default ${DEFAULT_FALCO_SELECTOR})
  --namespace N        only this namespace (default: all)
  --container C        Falco container name (default falco)
  --since SECONDS|all  history to read from pods already running (default 600; 0 = new only)
  --webhook PORT       receive Falco http_output / Falcosidekick webhook POSTs on 127.0.0.1:PORT
  --webhook-host H     bind address (default 127.0.0.1; set a token before exposing it)
  --token T            require "Authorization: Bearer T" (or $FALCOSHARK_WEBHOOK_TOKEN)
  --sidekick-ui URL    poll falcosidekick-ui (http://USER:PASS@host:2802, or
                       $FALCOSHARK_SIDEKICK_UI_USER / $FALCOSHARK_SIDEKICK_UI_PASSWORD)
  --file F|-           a JSON-lines file followed as it grows, or - for stdin
  --min-priority P     hide alerts below P (e.g. warning)
  --json               one JSON object per line instead of the table
`;

export const watchCommand: CliCommand = {
  name: 'watch',
  usage: 'watch [--context C] [--webhook PORT] [--sidekick-ui URL] [--file F|-] [--json]',
  summary: 'print Falco alerts live (cluster, webhook, falcosidekick-ui, file)',
  async run(argv) {
    let parsed;
    try {
      parsed = parseArgs({ args: argv, allowPositionals: false, options: {
        context: { type: 'string' }, cluster: { type: 'boolean', default: false },
        selector: { type: 'string' }, namespace: { type: 'string' }, container: { type: 'string' }, since: { type: 'string' },
        webhook: { type: 'string' }, 'webhook-host': { type: 'string' }, token: { type: 'string' },
        'sidekick-ui': { type: 'string' }, file: { type: 'string' },
        'min-priority': { type: 'string' }, json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      } });
    } catch (e) {
      process.stderr.write(`falcoshark watch: ${(e as Error).message}\n${HELP}`);
      return 2;
    }
    const v = parsed.values;
    if (v.help) { process.stdout.write(HELP); return 0; }
    const port = v.webhook === undefined ? undefined : Number(v.webhook);
    if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) return usage(`--webhook needs a port number 0-65535, got ${v.webhook}`);
    const minPriority = v['min-priority'] === undefined ? null : parsePriority(v['min-priority']);
    if (v['min-priority'] !== undefined && minPriority === null) return usage(`--min-priority: unknown priority ${v['min-priority']}`);
    const since = v.since === undefined ? undefined : v.since === 'all' ? 'all' : Number(v.since);
    if (since !== undefined && since !== 'all' && (!Number.isInteger(since) || since < 0)) return usage('--since needs a whole number of seconds or "all"');
    const useCluster = v.cluster || v.context !== undefined || (port === undefined && v['sidekick-ui'] === undefined && v.file === undefined);

    const queue = new BoundedQueue<SourceEvent>(10_000);
    const store = new AlertStore({ limit: 10_000 });
    const skipped = new SkipCounter();
    const ac = new AbortController();
    const onSig = (): void => ac.abort();
    process.once('SIGINT', onSig);
    process.once('SIGTERM', onSig);
    const tasks: Promise<void>[] = [];
    const err = (s: string): void => { process.stderr.write(`${s}\n`); };
    let failed = false;
    const fail = (what: string) => (e: unknown): void => { failed = true; err(`falcoshark watch: ${what}: ${terminalSafe((e as Error).message, 500)}`); ac.abort(); };

    try {
      if (port !== undefined) {
        const token = v.token ?? process.env['FALCOSHARK_WEBHOOK_TOKEN'];
        const host = v['webhook-host'] ?? '127.0.0.1';
        if (!token && host !== '127.0.0.1' && host !== '::1' && host !== 'localhost') err(`falcoshark watch: warning: the webhook on ${host} accepts alerts from anyone; set --token`);
        const rx = new WebhookReceiver({ port, host, ...(token ? { token } : {}) }, queue);
        const addr = await rx.listen(ac.signal);
        err(`falcoshark watch: webhook listening on ${addr.url} (Falco: http_output.url; Falcosidekick: webhook.address)`);
      }
      if (v.file !== undefined) {
        tasks.push(v.file === '-'
          ? readLinesFrom(process.stdin, queue, ac.signal).then(() => { if (tasks.length === 1 && port === undefined) ac.abort(); })
          : followFile({ path: v.file }, queue, ac.signal).catch(fail(`reading ${v.file}`)));
      }
      if (v['sidekick-ui'] !== undefined) {
        const user = process.env['FALCOSHARK_SIDEKICK_UI_USER'];
        const password = process.env['FALCOSHARK_SIDEKICK_UI_PASSWORD'];
        tasks.push(pollSidekickUi({ url: v['sidekick-ui'], ...(user ? { username: user } : {}), ...(password ? { password } : {}) }, queue, ac.signal).catch(fail('falcosidekick-ui')));
      }
      if (useCluster) {
        const src = new ClusterAlertSource({
          ...(v.context !== undefined ? { context: v.context } : {}), ...(v.selector !== undefined ? { labelSelector: v.selector } : {}),
          ...(v.namespace !== undefined ? { namespace: v.namespace } : {}), ...(v.container !== undefined ? { container: v.container } : {}),
          ...(since !== undefined ? { initialSinceSeconds: since } : {}),
        }, queue);
        tasks.push(src.run(ac.signal).catch(fail('cluster')));
      }
    } catch (e) {
      fail('start')(e);
    }
    void Promise.allSettled(tasks).then(() => { if (port === undefined) queue.close(); });
    ac.signal.addEventListener('abort', () => queue.close(), { once: true });

    let lastSkipLine = '';
    const printSkips = (): void => {
      const line = skipped.summary();
      if (skipped.total > 0 && line !== lastSkipLine) { err(`falcoshark watch: ${line}`); lastSkipLine = line; }
    };
    const timer = setInterval(printSkips, 10_000);
    timer.unref();
    let hinted = false;
    if (!v.json && !failed) process.stdout.write(`${tableHeader()}\n`);
    for await (const ev of queue) {
      if (ev.type === 'status') { err(`[${terminalSafe(ev.source, 80)}] ${ev.level === 'info' ? '' : `${ev.level}: `}${terminalSafe(ev.message, 500)}`); continue; }
      if (ev.type === 'skipped') {
        skipped.add(ev.kind, ev.hint);
        if (ev.hint && !hinted) { hinted = true; err(`falcoshark watch: ${ev.hint}`); }
        continue;
      }
      const entry = store.add(ev.alert);
      if (minPriority !== null && !atLeast(ev.alert.priority, minPriority)) continue;
      const ok = process.stdout.write(`${v.json ? alertJsonLine(ev.alert, { source: ev.source, count: entry.count }) : alertTableRow(ev.alert, entry.count)}\n`);
      if (!ok) await new Promise((r) => process.stdout.once('drain', r));
    }
    clearInterval(timer);
    process.off('SIGINT', onSig);
    process.off('SIGTERM', onSig);
    err(`falcoshark watch: ${store.total} alert${store.total === 1 ? '' : 's'} (${store.size} distinct); ${skipped.summary()}`);
    return failed ? 1 : 0;
  },
};

function usage(msg: string): number {
  process.stderr.write(`falcoshark watch: ${msg}\n${HELP}`);
  return 2;
}
