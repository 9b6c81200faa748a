// `falcoshark serve`: the headless response engine. Receives Falco alerts (Falcosidekick's
// webhook output or Falco's http_output), applies the capture policy, captures with the
// in-cluster service account (or a kubeconfig), keeps the captures and serves them.
import { parseArgs } from 'node:util';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError, type CliCommand } from './command.js';
import { BoundedQueue } from '../core/alerts/boundedQueue.js';
import { checkPort, isLoopbackHost, startAlertSources } from '../core/alerts/sources/alertSources.js';
import type { SourceEvent } from '../core/alerts/sources/sourceEvents.js';
import { loadKubeConfig } from '../core/k8s/kubeAccess.js';
import { CaptureAutomation } from '../core/capture/captureAutomation.js';
import { checkPolicy } from '../core/capture/capturePolicy.js';
import { runCapture } from '../core/capture/runCapture.js';
import { CaptureApi, promText } from '../core/serve/captureApi.js';
import { checkK8sName, checkMethodAndTool, PlanError, type CapturePlan, type PlanSettings } from '../core/capture/capturePlan.js';
import { direct, RecorderError, recorderForPod, runRecordedCapture, type RecorderEndpoint } from '../core/recorder/recordedCapture.js';
import { MAX_AFTER_SECONDS, MAX_BEFORE_SECONDS } from '../core/recorder/cut.js';
import { terminalSafe } from '../core/util/terminalSafe.js';

const HELP = `usage: falcoshark serve [options]

  --webhook-port N      alerts in: Falcosidekick webhook / Falco http_output (default 2801)
  --port N              API: /healthz, /metrics, /api/v1/captures (default 2802)
  --host H              address to bind both (default 127.0.0.1; 0.0.0.0 in a pod)
  --api-token-file F    bearer token for /api/… (or env FALCOSHARK_API_TOKEN); required
  --webhook-token-file F  bearer token the webhook requires (or env FALCOSHARK_WEBHOOK_TOKEN);
                        required when --host is not a loopback address
  --captures DIR        where captures are kept (default ./captures)
  --policy FILE         capture policy JSON (minPriority, rules, tags, namespaces, maxConcurrent,
                        perPod {max, windowSeconds}, dedupWindowSeconds, diskBudgetBytes, requireNetworkContext,
                        maxAlertAgeSeconds: alerts older than this start no capture, default 120)
  --context C           kubeconfig context (default: current, or the in-cluster service account)
  --method M --tool T --image I --duration S   how captures run (see falcoshark capture)
  --recorders NS        flight recorders run in namespace NS (deploy/recorder.yaml): an alerted pod
                        whose node has one is cut from it (--before S, default 60; --after S, default
                        30), the packets from before the alert included; otherwise captured live
  --recorder-token-file F  the recorders' bearer token (or env FALCOSHARK_RECORDER_TOKEN)
`;

function readPolicyFile(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch (e) {
    throw new Error(`cannot read the policy ${file}: ${(e as Error).message}`);
  }
}

function secret(file: string | undefined, env: string): string | undefined {
  if (file) return readFileSync(file, 'utf8').trim();
  return process.env[env]?.trim() || undefined;
}

export const serveCommand: CliCommand = {
  name: 'serve',
  usage: 'serve [--webhook-port N] [--port N] [--policy FILE] …',
  summary: 'capture automatically on alerts and serve the captures',
  async run(argv) {
    let v;
    try {
      v = parseArgs({ args: argv, options: {
        'webhook-port': { type: 'string', default: '2801' }, port: { type: 'string', default: '2802' }, host: { type: 'string', default: '127.0.0.1' },
        'api-token-file': { type: 'string' }, 'webhook-token-file': { type: 'string' }, captures: { type: 'string', default: 'captures' },
        policy: { type: 'string' }, context: { type: 'string' }, method: { type: 'string', default: 'ephemeral' }, tool: { type: 'string', default: 'tshark' },
        image: { type: 'string' }, duration: { type: 'string', default: '30' }, help: { type: 'boolean', short: 'h', default: false },
        recorders: { type: 'string' }, 'recorder-token-file': { type: 'string' }, before: { type: 'string', default: '60' }, after: { type: 'string', default: '30' },
      } }).values;
    } catch (e) {
      process.stderr.write(`falcoshark serve: ${(e as Error).message}\n${HELP}`);
      return 2;
    }
    if (v.help) { process.stdout.write(HELP); return 0; }
    // Flags are checked before anything listens or captures (exit 2, as every usage error).
    let planSettings: PlanSettings;
    let recordedWindow: { beforeSeconds: number; afterSeconds: number };
    let webhookPort: number;
    let apiPort: number;
    try {
      const port = (flag: string, text: string): number => {
        const p = checkPort(text);
        if (!p.ok) throw new UsageError(`--${flag}: ${p.reason}`);
        return p.value;
      };
      webhookPort = port('webhook-port', v['webhook-port']);
      apiPort = port('port', v.port);
      const duration = Number(v.duration);
      if (!/^\d+$/.test(v.duration) || !Number.isInteger(duration) || duration < 1) throw new UsageError(`--duration takes a whole number of seconds, not ${JSON.stringify(v.duration)}`);
      const secs = (flag: 'before' | 'after', max: number): number => {
        const n = Number(v[flag]);
        if (!/^\d+$/.test(v[flag]) || n > max) throw new UsageError(`--${flag} takes a whole number of seconds up to ${max}, not ${JSON.stringify(v[flag])}`);
        return n;
      };
      recordedWindow = { beforeSeconds: secs('before', MAX_BEFORE_SECONDS), afterSeconds: secs('after', MAX_AFTER_SECONDS) };
      if (v.recorders !== undefined) checkK8sName('namespace', v.recorders);
      planSettings = { ...checkMethodAndTool('pod', v.method, v.tool), caps: { durationSeconds: duration }, ...(v.image ? { image: v.image } : {}) };
    } catch (e) {
      if (!(e instanceof UsageError || e instanceof PlanError)) throw e;
      process.stderr.write(`falcoshark serve: ${e.message}\n${HELP}`);
      return 2;
    }
    try {
      const apiToken = secret(v['api-token-file'], 'FALCOSHARK_API_TOKEN');
      if (!apiToken) throw new Error('an API token is required (--api-token-file or FALCOSHARK_API_TOKEN)');
      const webhookToken = secret(v['webhook-token-file'], 'FALCOSHARK_WEBHOOK_TOKEN');
      if (!webhookToken && !isLoopbackHost(v.host)) {
        // An open webhook beyond loopback would let anyone who reaches it start captures.
        throw new Error(`--host ${v.host} listens beyond loopback: the webhook then needs a token (--webhook-token-file or FALCOSHARK_WEBHOOK_TOKEN), or anyone who reaches it could start captures`);
      }
      const policy = checkPolicy(v.policy ? readPolicyFile(v.policy) : {});
      const kc = loadKubeConfig(v.context);
      // No token (the recorder is not installed: its Secret is an optional volume): capture live.
      const recorderFile = v['recorder-token-file'];
      const recorderToken = !v.recorders ? undefined : recorderFile && !existsSync(recorderFile) ? undefined : secret(recorderFile, 'FALCOSHARK_RECORDER_TOKEN');
      if (v.recorders && !recorderToken) log(`warning: --recorders ${v.recorders} but no recorder token (${recorderFile ?? 'FALCOSHARK_RECORDER_TOKEN'}): every capture is live`);
      /** The recorder covering the plan's pod, if serve uses recorders and its node has one (a failed lookup captures live). */
      const findRecorderFor = async (plan: CapturePlan, token: string | undefined): Promise<RecorderEndpoint | undefined> => {
        if (!v.recorders || !token || plan.target.kind !== 'pod') return undefined;
        try {
          const ep = await recorderForPod(kc, v.recorders, direct(token), plan.target.namespace, plan.target.pod);
          if (!ep) log(`capture ${plan.id}: no recorder runs on ${plan.target.namespace}/${plan.target.pod}'s node: capturing live`);
          return ep;
        } catch (e) {
          log(`capture ${plan.id}: cannot look for a recorder (${(e as Error).message}): capturing live`);
          return undefined;
        }
      };
      const auditLog = join(v.captures, 'audit.jsonl');
      const automation = new CaptureAutomation({
        policy, outDir: v.captures, auditLog,
        planSettings,
        start: async (plan, alert) => {
          const recorder = await findRecorderFor(plan, recorderToken);
          if (recorder) {
            log(`capture ${plan.id}: cut from the recorder ${recorder.name} (${recordedWindow.beforeSeconds} s before → ${recordedWindow.afterSeconds} s after the alert)`);
            try {
              return await runRecordedCapture({ plan, alert, endpoint: recorder, window: recordedWindow, outDir: v.captures, auditLog, kubeConfig: kc });
            } catch (e) {
              // Refused before anything was written (not recorded there, unreachable): a live capture is still worth having.
              if (!(e instanceof RecorderError)) throw e;
              log(`capture ${plan.id}: the recorder could not cut it (${e.message}): capturing live`);
            }
          }
          return runCapture({ plan, outDir: v.captures, auditLog, kubeConfig: kc, alert });
        },
      });
      automation.on('started', (p, a) => log(`capture ${p.id} started for "${a.rule}" on ${a.namespace}/${a.pod}: ${p.filter.description}`));
      automation.on('finished', (r) => log(`capture ${r.id} ${r.outcome}: ${r.reason} (${r.packets} packets, ${r.bytes} bytes)`));
      automation.on('failed', (p, e) => log(`capture ${p.id} failed: ${e.message}`));
      automation.on('skipped', (reason, detail, a) => log(`skipped "${a.rule}" (${a.namespace ?? '?'}/${a.pod ?? '?'}): ${reason}: ${detail}`));
      automation.on('planFailed', (e, a) => log(`no capture for "${a.rule}" (${a.namespace ?? '?'}/${a.pod ?? '?'}): the capture could not be planned: ${e.message}`));
      await automation.enforceBudget();
      const queue = new BoundedQueue<SourceEvent>(1000);
      const ac = new AbortController();
      let startError: unknown;
      const sources = await startAlertSources({ webhook: { port: webhookPort, host: v.host, ...(webhookToken ? { token: webhookToken } : {}), name: 'webhook' } },
        queue, ac.signal, (_kind, e) => { startError ??= e; });
      if (startError !== undefined || !sources.webhook) throw startError instanceof Error ? startError : new Error('the webhook did not start');
      const { receiver, url: hookUrl } = sources.webhook;
      for (const w of sources.warnings) log(`warning: ${w}`);
      const m = automation.metrics;
      const api = new CaptureApi({ port: apiPort, host: v.host, token: apiToken, captureDir: v.captures, metrics: () => promText([
        { name: 'falcoshark_alerts_received_total', help: 'Alerts received through the webhook.', type: 'counter', values: [{ value: m.alertsReceived }] },
        { name: 'falcoshark_captures_started_total', help: 'Automatic captures started.', type: 'counter', values: [{ value: m.capturesStarted }] },
        { name: 'falcoshark_captures_completed_total', help: 'Automatic captures ended, by outcome.', type: 'counter',
          values: Object.entries(m.capturesCompleted).map(([outcome, value]) => ({ labels: { outcome }, value })) },
        { name: 'falcoshark_alerts_skipped_total', help: 'Alerts that started no capture, by reason.', type: 'counter',
          values: Object.entries(m.skipped).map(([reason, value]) => ({ labels: { reason }, value: value ?? 0 })) },
        { name: 'falcoshark_captures_running', help: 'Captures running now.', type: 'gauge', values: [{ value: automation.policy.runningCaptures }] },
        { name: 'falcoshark_bytes_stored', help: 'Bytes of captures kept on disk.', type: 'gauge', values: [{ value: m.bytesStored }] },
        { name: 'falcoshark_captures_removed_total', help: 'Automatic captures removed to respect the disk budget.', type: 'counter', values: [{ value: m.removedForBudget }] },
        { name: 'falcoshark_webhook_rejected_total', help: 'Webhook requests refused, by reason.', type: 'counter',
          values: (['badRequest', 'unauthorized', 'tooLarge', 'tooMany'] as const).map((k) => ({ labels: { reason: k }, value: receiver.stats[k] })) },
      ]) });
      const apiAddr = await api.listen();
      log(`alerts in: POST ${hookUrl} (Falcosidekick webhook / Falco http_output)${webhookToken ? ' with a bearer token' : ''}`);
      log(`captures: ${apiAddr.url}api/v1/captures (bearer token), health ${apiAddr.url}healthz, metrics ${apiAddr.url}metrics`);
      const stop = (): void => { ac.abort(); queue.close(); };
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
      for (;;) {
        const ev = await queue.take();
        if (!ev) break;
        if (ev.type === 'alert') await automation.handle(ev.alert);
        else if (ev.type === 'skipped') log(`webhook body skipped: ${ev.reason}`);
      }
      log('stopping: waiting for running captures');
      await automation.idle();
      await api.close();
      return 0;
    } catch (e) {
      process.stderr.write(`falcoshark serve: ${(e as Error).message}\n`);
      return 1;
    }
  },
};

function log(s: string): void {
  process.stdout.write(`${new Date().toISOString()} ${terminalSafe(s, 2000)}\n`);
}
