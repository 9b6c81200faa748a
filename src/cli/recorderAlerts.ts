// The recorder's own alert input (`falcoshark recorder --webhook-port N --captures DIR`): Falco
// alerts (Falcosidekick's webhook output, Falco's http_output) for pods on its node go through the
// same capture policy as serve's, and each capture is cut from the recorder itself around the
// alert's time and kept in DIR, listed and served like serve's (GET /api/v1/captures on
// --api-port, the recorder's token). For a cluster of many nodes, serve is the router (it asks the
// recorder of the alerted pod's node); this is for a single node, or a recorder used on its own.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { BoundedQueue } from '../core/alerts/boundedQueue.js';
import { startAlertSources } from '../core/alerts/sources/alertSources.js';
import type { SourceEvent } from '../core/alerts/sources/sourceEvents.js';
import { CaptureAutomation } from '../core/capture/captureAutomation.js';
import { checkPolicy } from '../core/capture/capturePolicy.js';
import { CaptureApi, promText } from '../core/serve/captureApi.js';
import type { FlightRecorder } from '../core/recorder/flightRecorder.js';
import { localTransport } from '../core/recorder/localTransport.js';
import { RecorderError, runRecordedCapture } from '../core/recorder/recordedCapture.js';

export interface RecorderAlertsOptions {
  recorder: FlightRecorder;
  node: string;
  kc: KubeConfig | undefined;
  host: string;
  webhookPort: number;
  apiPort: number;
  token: string;
  captures: string;
  policyFile?: string;
  window: { beforeSeconds: number; afterSeconds: number };
  log: (level: 'info' | 'warning' | 'error', message: string) => void;
  signal: AbortSignal;
}

/** Starts the webhook, the automation and the captures API; resolves when `signal` aborts and running captures ended. */
export async function runRecorderAlerts(o: RecorderAlertsOptions): Promise<void> {
  const policy = checkPolicy(o.policyFile ? JSON.parse(readFileSync(o.policyFile, 'utf8')) as unknown : {});
  const auditLog = join(o.captures, 'audit.jsonl');
  const endpoint = { name: `the recorder of node ${o.node}`, node: o.node, transport: localTransport(o.recorder, o.node) };
  const automation = new CaptureAutomation({
    policy, outDir: o.captures, auditLog,
    start: (plan, alert) => {
      if (plan.target.kind === 'pod' && o.recorder.podsNamed(plan.target.namespace, plan.target.pod).length === 0) {
        return Promise.reject(new RecorderError('not-found', `${plan.target.namespace}/${plan.target.pod} is not recorded on node ${o.node}`));
      }
      return runRecordedCapture({ plan, alert, endpoint, window: o.window, outDir: o.captures, auditLog, ...(o.kc ? { kubeConfig: o.kc } : {}) });
    },
  });
  automation.on('started', (p, a) => o.log('info', `capture ${p.id} for "${a.rule}" on ${a.namespace}/${a.pod}: cut ${o.window.beforeSeconds} s before → ${o.window.afterSeconds} s after the alert`));
  automation.on('finished', (r) => o.log('info', `capture ${r.id} ${r.outcome}: ${r.reason} (${r.packets} packets, ${r.bytes} bytes)`));
  automation.on('failed', (p, e) => o.log('warning', `capture ${p.id}: ${e.message}`));
  automation.on('skipped', (reason, detail, a) => o.log('info', `skipped "${a.rule}" (${a.namespace ?? '?'}/${a.pod ?? '?'}): ${reason}: ${detail}`));
  await automation.enforceBudget();
  const queue = new BoundedQueue<SourceEvent>(1000);
  let startError: unknown;
  const sources = await startAlertSources({ webhook: { port: o.webhookPort, host: o.host, token: o.token, name: 'webhook' } }, queue, o.signal, (_k, e) => { startError ??= e; });
  if (startError !== undefined || !sources.webhook) throw startError instanceof Error ? startError : new Error('the webhook did not start');
  const m = automation.metrics;
  const api = new CaptureApi({ port: o.apiPort, host: o.host, token: o.token, captureDir: o.captures, metrics: () => promText([
    { name: 'falcoshark_recorder_alerts_received_total', help: 'Alerts received through the recorder\'s webhook.', type: 'counter', values: [{ value: m.alertsReceived }] },
    { name: 'falcoshark_recorder_captures_started_total', help: 'Captures cut on alerts.', type: 'counter', values: [{ value: m.capturesStarted }] },
  ]) });
  const addr = await api.listen();
  o.log('info', `alerts in: POST ${sources.webhook.url} (bearer token); captures: ${addr.url}api/v1/captures`);
  o.signal.addEventListener('abort', () => queue.close(), { once: true });
  for (;;) {
    const ev = await queue.take();
    if (!ev) break;
    if (ev.type === 'alert') await automation.handle(ev.alert);
    else if (ev.type === 'skipped') o.log('info', `webhook body skipped: ${ev.reason}`);
  }
  await automation.idle();
  await api.close();
}
