// `falcoshark recorder`: the flight recorder. Keeps a rolling capture of the pods on its node
// (a DaemonSet pod on the host network, deploy/recorder.yaml) or of a plain Linux host or network
// namespace (--host-mode, --netns), within a time window and a byte budget, and cuts it on
// request: serve asks it for [alert − before, alert + after] of the alerted pod.
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { UsageError, type CliCommand } from './command.js';
import { checkPort } from '../core/alerts/sources/alertSources.js';
import { loadKubeConfig } from '../core/k8s/kubeAccess.js';
import { checkK8sName } from '../core/capture/capturePlan.js';
import { FlightRecorder } from '../core/recorder/flightRecorder.js';
import { netnsInterfaces, startNodeCapture, sysfsInterfaces } from '../core/recorder/nodeCapture.js';
import { PodIndex } from '../core/recorder/podIndex.js';
import { RecorderServer } from '../core/recorder/recorderServer.js';
import { formatBytes } from '../shared/byteSize.js';
import { terminalSafe } from '../core/util/terminalSafe.js';
import { CUT_HELP, runRecorderCut } from './recorderCut.js';
import { runRecorderAlerts } from './recorderAlerts.js';
import { MAX_AFTER_SECONDS, MAX_BEFORE_SECONDS } from '../core/recorder/cut.js';

const HELP = `usage: falcoshark recorder [options]          (the recorder)
       falcoshark recorder cut --url URL --alert FILE   (a capture cut from one: see below)

Keeps the last --window seconds of the node's pod traffic (at most --budget bytes, the oldest
dropped first, the biggest holder first) and cuts it on request (POST /api/v1/cut, bearer token).

  --node NAME           the node whose pods are recorded (default: env NODE_NAME)
  --namespaces A,B      only pods of these namespaces (default: all but the excluded)
  --exclude-namespaces A,B  (default: kube-system and the recorder's own, env POD_NAMESPACE)
  --selector SEL        only pods matching this label selector
  --host-mode           no pods: record every interface of this host (a plain Linux host)
  --netns NS            capture in a named network namespace (ip netns): the node's, or a host's
  --window S            seconds kept (default 120)
  --budget BYTES        memory for packets, e.g. 256Mi (default 256Mi)
  --snaplen N           bytes kept of each packet (default 262144)
  --port N              API port (default 2803)  --host H  (default 127.0.0.1; 0.0.0.0 in a pod)
  --token-file F        the bearer token (or env FALCOSHARK_RECORDER_TOKEN); required
  --context C           kubeconfig context (default: current, or the in-cluster service account)
  --webhook-port N      its own alerts in (Falcosidekick webhook / Falco http_output, the same token):
                        alerts for pods on its node are cut (--before S, default 60; --after S, 30)
                        into --captures DIR under the capture policy (--policy FILE, as serve's),
                        served on --api-port N (GET /api/v1/captures, the token). Cluster mode only.
`;

const UNITS: Record<string, number> = { '': 1, k: 1e3, Ki: 1024, M: 1e6, Mi: 1024 ** 2, G: 1e9, Gi: 1024 ** 3 };

export function parseBytes(text: string, flag: string): number {
  const m = /^(\d+)(|k|Ki|M|Mi|G|Gi)$/.exec(text);
  if (!m) throw new UsageError(`--${flag} takes bytes, e.g. 268435456 or 256Mi, not ${JSON.stringify(text.slice(0, 40))}`);
  return Number(m[1]) * UNITS[m[2]];
}

function whole(text: string, flag: string, min: number, max: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max) throw new UsageError(`--${flag} takes a whole number from ${min} to ${max}, not ${JSON.stringify(text.slice(0, 40))}`);
  return n;
}

const list = (s: string | undefined): string[] => (s ? s.split(',').map((x) => x.trim()).filter(Boolean) : []);

export const recorderCommand: CliCommand = {
  name: 'recorder',
  usage: 'recorder [--node N] [--window S] [--budget B] [--host-mode|--netns NS] …',
  summary: 'the flight recorder: a bounded rolling capture of the node\'s pods, cut on alert',
  async run(argv) {
    if (argv[0] === 'cut') return runRecorderCut(argv.slice(1));
    let v;
    try {
      v = parseArgs({ args: argv, options: {
        node: { type: 'string' }, namespaces: { type: 'string' }, 'exclude-namespaces': { type: 'string' }, selector: { type: 'string' },
        'host-mode': { type: 'boolean', default: false }, netns: { type: 'string' }, window: { type: 'string', default: '120' },
        budget: { type: 'string', default: '256Mi' }, snaplen: { type: 'string', default: '262144' }, port: { type: 'string', default: '2803' },
        host: { type: 'string', default: '127.0.0.1' }, 'token-file': { type: 'string' }, context: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false },
        'webhook-port': { type: 'string' }, 'api-port': { type: 'string', default: '2804' }, captures: { type: 'string' }, policy: { type: 'string' },
        before: { type: 'string', default: '60' }, after: { type: 'string', default: '30' },
      } }).values;
    } catch (e) {
      process.stderr.write(`falcoshark recorder: ${(e as Error).message}\n${HELP}`);
      return 2;
    }
    if (v.help) { process.stdout.write(`${HELP}\n${CUT_HELP}`); return 0; }
    let cfg;
    try {
      const port = checkPort(v.port);
      if (!port.ok) throw new UsageError(`--port: ${port.reason}`);
      const hostMode = v['host-mode'];
      const node = v.node ?? process.env.NODE_NAME ?? (hostMode ? hostname() : undefined);
      if (!node) throw new UsageError('--node (or env NODE_NAME) is required: the recorder records the pods of one node');
      const own = process.env.POD_NAMESPACE;
      const namespaces = list(v.namespaces);
      const exclude = v['exclude-namespaces'] !== undefined ? list(v['exclude-namespaces']) : ['kube-system', ...(own ? [own] : [])];
      for (const ns of [...namespaces, ...exclude]) checkK8sName('namespace', ns);
      if (v.selector !== undefined && (v.selector.length > 1024 || /[\0\n\r]/.test(v.selector))) throw new UsageError('--selector is not a label selector');
      let alerts: { webhookPort: number; apiPort: number; captures: string; window: { beforeSeconds: number; afterSeconds: number } } | undefined;
      if (v['webhook-port'] !== undefined) {
        const hook = checkPort(v['webhook-port']);
        const api = checkPort(v['api-port']);
        if (!hook.ok) throw new UsageError(`--webhook-port: ${hook.reason}`);
        if (!api.ok) throw new UsageError(`--api-port: ${api.reason}`);
        if (hostMode) throw new UsageError('--webhook-port is for a node\'s recorder (alerts name pods); in host mode, cut with `falcoshark recorder cut`');
        if (!v.captures) throw new UsageError('--webhook-port needs --captures DIR (where its captures are kept)');
        alerts = { webhookPort: hook.value, apiPort: api.value, captures: v.captures,
          window: { beforeSeconds: whole(v.before, 'before', 0, MAX_BEFORE_SECONDS), afterSeconds: whole(v.after, 'after', 0, MAX_AFTER_SECONDS) } };
      }
      cfg = { alerts, port: port.value, hostMode, node, namespaces, exclude, window: whole(v.window, 'window', 1, 3600), budget: parseBytes(v.budget, 'budget'),
        snapLen: whole(v.snaplen, 'snaplen', 64, 262144) };
      if (cfg.budget < 1024 * 1024) throw new UsageError('--budget must be at least 1Mi');
    } catch (e) {
      if (!(e instanceof UsageError) && !(e instanceof Error && e.name === 'PlanError')) throw e;
      process.stderr.write(`falcoshark recorder: ${e.message}\n${HELP}`);
      return 2;
    }
    try {
      const token = v['token-file'] ? readFileSync(v['token-file'], 'utf8').trim() : process.env.FALCOSHARK_RECORDER_TOKEN?.trim();
      if (!token) throw new Error('a token is required (--token-file or FALCOSHARK_RECORDER_TOKEN): the recorder answers only authenticated requests');
      const ac = new AbortController();
      const pods = cfg.hostMode ? undefined : new PodIndex({ node: cfg.node, keepSeconds: cfg.window,
        selection: { namespaces: cfg.namespaces, excludeNamespaces: cfg.exclude, labelSelector: v.selector ?? '' }, onStatus: log });
      const recorder = new FlightRecorder({
        limits: { windowSeconds: cfg.window, budgetBytes: cfg.budget }, pods, log,
        startCapture: () => startNodeCapture({ snapLen: cfg.snapLen, bufferMiB: 32, ...(v.netns ? { netns: v.netns } : {}) }),
        interfaces: () => (v.netns ? netnsInterfaces(v.netns) : sysfsInterfaces()),
      });
      const server = new RecorderServer({ port: cfg.port, host: v.host, token, node: cfg.node, recorder, log });
      const addr = await server.listen();
      const what = cfg.hostMode ? `every interface of ${v.netns ? `network namespace ${v.netns}` : 'this host'}`
        : `the pods of node ${cfg.node}${cfg.namespaces.length ? ` in ${cfg.namespaces.join(', ')}` : ''} (not in ${cfg.exclude.join(', ') || '–'})${v.selector ? ` matching ${v.selector}` : ''}`;
      log('info', `recording ${what}: the last ${cfg.window} s, at most ${formatBytes(cfg.budget)}`);
      log('info', `cuts: POST ${addr.url}api/v1/cut (bearer token), pods ${addr.url}api/v1/pods, metrics ${addr.url}metrics`);
      const stop = (): void => ac.abort();
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
      const kc = pods ? loadKubeConfig(v.context) : undefined;
      const runs = [recorder.run(ac.signal), ...(pods && kc ? [pods.run(kc, ac.signal)] : []),
        ...(cfg.alerts ? [runRecorderAlerts({ ...cfg.alerts, recorder, node: cfg.node, kc, host: v.host, token, ...(v.policy ? { policyFile: v.policy } : {}), log, signal: ac.signal })
          .catch((e: unknown) => { log('error', `the recorder's webhook stopped: ${(e as Error).message}`); ac.abort(); throw e; })] : [])];
      await Promise.all(runs);
      await server.close();
      return 0;
    } catch (e) {
      process.stderr.write(`falcoshark recorder: ${(e as Error).message}\n`);
      return 1;
    }
  },
};

function log(level: 'info' | 'warning' | 'error', s: string): void {
  process.stdout.write(`${new Date().toISOString()} ${level === 'info' ? '' : `${level}: `}${terminalSafe(s, 2000)}\n`);
}
