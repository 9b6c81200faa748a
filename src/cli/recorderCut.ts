// `falcoshark recorder cut --url URL --alert FILE`: a capture cut from a running recorder around
// an alert's time — the alerted pod's window from a node's recorder, or (--local) a host's from a
// recorder in host mode — kept as a falcoshark capture with its summary, as `capture` does.
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from './command.js';
import { readAlertFile } from './alertFile.js';
import { checkMethodAndTool, planForPod, planFromAlert, planLocal, PlanError, type CapturePlan } from '../core/capture/capturePlan.js';
import { runRecordedCapture, DEFAULT_AFTER_SECONDS, DEFAULT_BEFORE_SECONDS } from '../core/recorder/recordedCapture.js';
import { directTransport } from '../core/recorder/recorderTransport.js';
import { MAX_AFTER_SECONDS, MAX_BEFORE_SECONDS } from '../core/recorder/cut.js';
import { loadKubeConfig } from '../core/k8s/kubeAccess.js';
import { analyzeFile } from '../core/flows/analyzeFile.js';
import { alertTimeOf, annotateSummary } from '../core/annotate/annotateSummary.js';
import { readSidecar } from '../core/capture/captureSidecar.js';
import { renderSummary } from './summaryTable.js';
import { formatBytes } from '../shared/byteSize.js';
import { terminalSafe } from '../core/util/terminalSafe.js';

export const CUT_HELP = `usage: falcoshark recorder cut --url URL --alert FILE [options]

  --url URL           the recorder (http://HOST:2803/; in a cluster: kubectl port-forward to its pod)
  --alert FILE        the Falco alert (JSON; - for stdin): its time, pod and connection
  --pod NS/NAME       the pod (default: the alert's)
  --local             the recorder runs in host mode (--host-mode): the host's window, no pod
  --before S --after S  the window around the alert (default 60 and 30 seconds)
  --filter BPF        capture filter (default: built from the alert, as a live capture's)
  --token-file F      the recorder's token (or env FALCOSHARK_RECORDER_TOKEN)
  --context C         kubeconfig context for the cluster snapshot (pods; optional)
  --out DIR           where the capture and its sidecar go (default ./captures)
  --json              print the annotated summary as JSON instead of the table
`;

function seconds(v: string | undefined, flag: string, d: number, max: number): number {
  if (v === undefined) return d;
  if (!/^\d+$/.test(v) || Number(v) > max) throw new UsageError(`--${flag} takes a whole number of seconds up to ${max}, not ${JSON.stringify(v.slice(0, 40))}`);
  return Number(v);
}

export async function runRecorderCut(argv: string[]): Promise<number> {
  let v;
  try {
    v = parseArgs({ args: argv, options: {
      url: { type: 'string' }, alert: { type: 'string' }, pod: { type: 'string' }, local: { type: 'boolean', default: false },
      before: { type: 'string' }, after: { type: 'string' }, filter: { type: 'string' }, 'token-file': { type: 'string' }, context: { type: 'string' },
      out: { type: 'string', default: 'captures' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false },
    } }).values;
  } catch (e) {
    process.stderr.write(`falcoshark recorder cut: ${(e as Error).message}\n${CUT_HELP}`);
    return 2;
  }
  if (v.help) { process.stdout.write(CUT_HELP); return 0; }
  let window;
  let url: URL;
  try {
    if (!v.url || !v.alert) throw new UsageError('--url and --alert are required');
    url = new URL(v.url);
    if (url.protocol !== 'http:') throw new UsageError(`--url must be http://HOST:PORT/, not ${JSON.stringify(v.url.slice(0, 80))}`);
    window = { beforeSeconds: seconds(v.before, 'before', DEFAULT_BEFORE_SECONDS, MAX_BEFORE_SECONDS), afterSeconds: seconds(v.after, 'after', DEFAULT_AFTER_SECONDS, MAX_AFTER_SECONDS) };
  } catch (e) {
    if (!(e instanceof UsageError) && !(e instanceof TypeError)) throw e;
    process.stderr.write(`falcoshark recorder cut: ${(e as Error).message}\n${CUT_HELP}`);
    return 2;
  }
  try {
    const token = v['token-file'] ? readFileSync(v['token-file'], 'utf8').trim() : process.env.FALCOSHARK_RECORDER_TOKEN?.trim();
    if (!token) throw new Error('the recorder\'s token is required (--token-file or FALCOSHARK_RECORDER_TOKEN)');
    const alert = await readAlertFile(v.alert);
    const { method, tool } = checkMethodAndTool(v.local ? 'local' : 'pod', v.local ? 'local' : 'ephemeral', 'tshark');
    const settings = { method, tool, caps: {}, ...(v.filter !== undefined ? { filterOverride: v.filter } : {}) };
    let plan: CapturePlan;
    if (v.local) plan = planLocal({ iface: 'any' }, settings, alert);
    else if (v.pod) {
      const m = /^([^/]+)\/([^/]+)$/.exec(v.pod);
      if (!m) throw new PlanError(`--pod takes NAMESPACE/NAME, not ${JSON.stringify(v.pod.slice(0, 80))}`);
      plan = planForPod({ namespace: m[1], pod: m[2] }, settings, alert);
    } else plan = planFromAlert(alert, settings);
    const kc = v.local || v.context === undefined ? undefined : loadKubeConfig(v.context);
    const endpoint = { name: url.host, transport: directTransport(url.toString(), token) };
    const ac = new AbortController();
    const onSig = (): void => ac.abort();
    process.once('SIGINT', onSig);
    const rec = await runRecordedCapture({ plan, alert, endpoint, window, outDir: v.out, auditLog: join(v.out, 'audit.jsonl'), signal: ac.signal,
      ...(kc ? { kubeConfig: kc } : {}), onStage: (s) => process.stderr.write(`${terminalSafe(s, 300)}\n`) }).finally(() => process.off('SIGINT', onSig));
    process.stderr.write(`${rec.outcome}: ${terminalSafe(rec.reason, 400)} (${rec.packets} packets, ${formatBytes(rec.bytes)}, ${rec.alertedPackets} of the alerted flow)\n`);
    process.stdout.write(`${rec.file}\n`);
    if (rec.outcome === 'failed') return 1;
    const sidecar = await readSidecar(rec.file);
    const alertTime = alertTimeOf(sidecar);
    const summary = annotateSummary(await analyzeFile(rec.file, alertTime ? { alertTime } : {}), sidecar);
    process.stdout.write(v.json ? `${JSON.stringify(summary)}\n` : renderSummary(summary, rec.file, 30));
    return rec.outcome === 'partial' ? 3 : 0;
  } catch (e) {
    process.stderr.write(`falcoshark recorder cut: ${terminalSafe((e as Error).message, 1000)}\n`);
    return 1;
  }
}
