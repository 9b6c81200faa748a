// `falcoshark watch`: prints Falco alerts live from the cluster, a webhook, Falcosidekick-UI or a file.
import { parseArgs } from 'node:util';
import type { CliCommand } from './command.js';
import { BoundedQueue } from '../core/alerts/boundedQueue.js';
import { AlertStore } from '../core/alerts/alertStore.js';
import { SkipCounter, type SourceEvent } from '../core/alerts/sources/sourceEvents.js';
import { checkPort, startAlertSources, type AlertSourceOptions } from '../core/alerts/sources/alertSources.js';
import { DEFAULT_FALCO_SELECTOR } from '../core/alerts/sources/clusterSource.js';
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
    const port = v.webhook === undefined ? undefined : checkPort(v.webhook);
    if (port && !port.ok) return usage(`--webhook needs a port number: ${port.reason}`);
    const minPriority = v['min-priority'] === undefined ? null : parsePriority(v['min-priority']);
    if (v['min-priority'] !== undefined && minPriority === null) return usage(`--min-priority: unknown priority ${v['min-priority']}`);
    const since = v.since === undefined ? undefined : v.since === 'all' ? 'all' : Number(v.since);
    if (since !== undefined && since !== 'all' && (!Number.isInteger(since) || since < 0)) return usage('--since needs a whole number of seconds or "all"');
    const useCluster = v.cluster || v.context !== undefined || (port === undefined && v['sidekick-ui'] === undefined && v.file === undefined);
    const token = v.token ?? process.env['FALCOSHARK_WEBHOOK_TOKEN'];
    const sidekickUser = process.env['FALCOSHARK_SIDEKICK_UI_USER'];
    const sidekickPassword = process.env['FALCOSHARK_SIDEKICK_UI_PASSWORD'];
    const options: AlertSourceOptions = {
      ...(port?.ok ? { webhook: { port: port.value, host: v['webhook-host'] ?? '127.0.0.1', ...(token ? { token } : {}) } } : {}),
      ...(v.file === '-' ? { stdin: process.stdin } : v.file !== undefined ? { file: v.file } : {}),
      ...(v['sidekick-ui'] !== undefined ? { sidekickUi: { url: v['sidekick-ui'], ...(sidekickUser ? { username: sidekickUser } : {}), ...(sidekickPassword ? { password: sidekickPassword } : {}) } } : {}),
      ...(useCluster ? { cluster: {
        ...(v.context !== undefined ? { context: v.context } : {}), ...(v.selector !== undefined ? { labelSelector: v.selector } : {}),
        ...(v.namespace !== undefined ? { namespace: v.namespace } : {}), ...(v.container !== undefined ? { container: v.container } : {}),
        ...(since !== undefined ? { initialSinceSeconds: since } : {}),
      } } : {}),
    };

    const queue = new BoundedQueue<SourceEvent>(10_000);
    const store = new AlertStore({ limit: 10_000 });
    const skipped = new SkipCounter();
    const ac = new AbortController();
    const onSig = (): void => ac.abort();
    process.once('SIGINT', onSig);
    process.once('SIGTERM', onSig);
    const err = (s: string): void => { process.stderr.write(`${s}\n`); };
    let failed = false;
    ac.signal.addEventListener('abort', () => queue.close(), { once: true });
    const started = await startAlertSources(options, queue, ac.signal, (kind, e) => {
      failed = true;
      err(`falcoshark watch: ${kind === 'file' ? `reading ${v.file ?? ''}` : kind}: ${terminalSafe((e as Error).message, 500)}`);
      ac.abort();
    });
    for (const w of started.warnings) err(`falcoshark watch: warning: ${w}`);
    if (started.webhook) err(`falcoshark watch: webhook listening on ${started.webhook.url} (Falco: http_output.url; Falcosidekick: webhook.address)`);
    // Without a webhook, the output ends when the sources have (stdin read to its end).
    void started.ended.then(() => { if (!started.webhook) queue.close(); });

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
