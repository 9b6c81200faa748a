// `falcoshark capture (--alert FILE | --pod NS/NAME | --local) …`: a contextual capture,
// then the path of the file and its flow summary.
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import type { CliCommand } from './command.js';
import type { FalcoAlert } from '../core/alerts/types.js';
import { loadKubeConfig } from '../core/k8s/kubeAccess.js';
import { checkK8sName, checkMethodAndTool, normalizeSelector, planForPod, planForWorkload, planFromAlert, planLocal, PlanError, type CapturePlan, type WorkloadTarget } from '../core/capture/capturePlan.js';
import { parseWorkloadRef, serviceSelector, workloadOfPod } from '../core/k8s/workloadPods.js';
import type { WorkloadCaptureRecord } from '../core/capture/workloadCapture.js';
import type { KubeConfig } from '@kubernetes/client-node';
import { runCapture } from '../core/capture/runCapture.js';
import { findPodFor } from '../core/k8s/podTarget.js';
import { analyzeFile } from '../core/flows/analyzeFile.js';
import { annotateSummary } from '../core/annotate/annotateSummary.js';
import { readSidecar } from '../core/capture/captureSidecar.js';
import { renderSummary } from './summaryTable.js';
import { formatBytes } from '../shared/byteSize.js';
import { terminalSafe } from '../core/util/terminalSafe.js';
import { readAlertFile } from './alertFile.js';
import type { CaptureProgress } from '../core/capture/captureSession.js';
import { runFromRecorders } from '../core/recorder/fromRecorders.js';
import { readRecorderToken, viaApiServer } from '../core/recorder/recordedCapture.js';
import { MAX_AFTER_SECONDS, MAX_BEFORE_SECONDS } from '../core/recorder/cut.js';

const HELP = `usage: falcoshark capture (--alert FILE | --pod NS/NAME | --workload KIND/NAME -n NS | --selector SEL -n NS | --service NS/NAME | --local) [options]

  --alert FILE        a Falco alert (JSON, JSON lines: the first alert is used) to capture for
  --pod NS/NAME       capture on this pod (with --alert: overrides the alert's pod)
  --workload K/NAME   every pod of a workload (deploy/api, sts/db, ds/x, rs/x, job/x) in -n NS, merged
                      into one pcapng (one interface per pod; pods that start during the capture too)
  --selector SEL      every pod matching a label selector (app=api,tier=web) in -n NS, the same way
  --service NS/NAME   every pod a Service selects, the same way
  --whole-workload    with --alert or --pod: every pod of that pod's workload
  -n, --namespace NS  the namespace of --workload / --selector / --service NAME
  --local             capture on this host (or --netns NS), not in a cluster
  --netns NS          with --local: inside this network namespace
  --iface IF          with --local: interface (default any)
  --filter BPF        capture filter (default: built from the alert; checked with libpcap first)
  --exact-flow        filter on the alert's exact connection (5-tuple), not on its server side
  --duration S        seconds (default 30)      --max-packets N   --max-bytes N   --snaplen N
                      (a workload capture: for the whole file; each pod gets an equal share)
  --context C         kubeconfig context (default: current)
  --method M          ephemeral (default) | exec (the target container has the tool)
  --tool T            tshark (default) | tcpdump | dumpcap
  --image I           image of the ephemeral capture container
  --add-capabilities  add NET_RAW/NET_ADMIN to the capture container (Pod Security may refuse)
  --out DIR           where the capture, its sidecar and the audit log go (default ./captures)
  --json              print the annotated summary as JSON instead of the table
  --from-recorder     with --alert: cut from the flight recorders (deploy/recorder.yaml) instead of
                      capturing from now: each pod's window around the alert from its node's
                      recorder (--before S, default 60; --after S, default 30), the workload's merged;
                      reached through the API server's pod proxy, the token from its Secret
                      (--recorders NS: their namespace, default falcoshark)
`;

const OPTIONS = {
  alert: { type: 'string' }, pod: { type: 'string' }, local: { type: 'boolean', default: false },
  workload: { type: 'string' }, selector: { type: 'string' }, service: { type: 'string' }, namespace: { type: 'string', short: 'n' },
  'whole-workload': { type: 'boolean', default: false },
  netns: { type: 'string' }, iface: { type: 'string', default: 'any' }, filter: { type: 'string' },
  duration: { type: 'string' }, 'max-packets': { type: 'string' }, 'max-bytes': { type: 'string' }, snaplen: { type: 'string' },
  context: { type: 'string' }, method: { type: 'string' }, tool: { type: 'string' }, image: { type: 'string' },
  'add-capabilities': { type: 'boolean', default: false }, 'exact-flow': { type: 'boolean', default: false }, out: { type: 'string', default: 'captures' },
  json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false },
  'from-recorder': { type: 'boolean', default: false }, recorders: { type: 'string', default: 'falcoshark' }, before: { type: 'string' }, after: { type: 'string' },
} as const;

function num(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new PlanError(`--${name} takes a positive whole number, not ${JSON.stringify(v)}`);
  return n;
}


type Flags = { workload?: string; selector?: string; service?: string; namespace?: string; pod?: string; 'whole-workload'?: boolean };

/** The workload a command line asks for (--workload, --selector, --service, --whole-workload), if any. */
async function workloadWanted(kc: KubeConfig, v: Flags, alert: FalcoAlert | undefined): Promise<Omit<WorkloadTarget, 'kind' | 'context'> | undefined> {
  const ns = v.namespace;
  const needNs = (flag: string): string => {
    if (!ns) throw new PlanError(`${flag} needs -n NAMESPACE`);
    checkK8sName('namespace', ns);
    return ns;
  };
  if (v.workload !== undefined) return { namespace: needNs('--workload'), selector: '', owner: parseWorkloadRef(v.workload) };
  if (v.selector !== undefined) return { namespace: needNs('--selector'), selector: normalizeSelector(v.selector) };
  if (v.service !== undefined) {
    const m = /^(?:([^/]+)\/)?([^/]+)$/.exec(v.service);
    if (!m) throw new PlanError(`--service takes NAMESPACE/NAME (or NAME with -n), not ${JSON.stringify(v.service.slice(0, 60))}`);
    const namespace = m[1] ?? needNs('--service NAME');
    checkK8sName('namespace', namespace);
    checkK8sName('container', m[2]);
    return { namespace, selector: await serviceSelector(kc, namespace, m[2]), service: m[2] };
  }
  if (!v['whole-workload']) return undefined;
  const m = v.pod ? /^([^/]+)\/([^/]+)$/.exec(v.pod) : undefined;
  const namespace = m?.[1] ?? alert?.namespace;
  const pod = m?.[2] ?? alert?.pod;
  if (!namespace || !pod) throw new PlanError('--whole-workload needs --pod NS/NAME or an alert that names its pod');
  checkK8sName('namespace', namespace);
  checkK8sName('pod', pod);
  return workloadOfPod(kc, namespace, pod);
}

export const captureCommand: CliCommand = {
  name: 'capture',
  usage: 'capture (--alert FILE | --pod NS/NAME | --workload K/NAME | --selector SEL | --service NS/NAME | --local) [opts]',
  summary: 'capture the traffic an alert is about, with its context',
  async run(argv) {
    let v;
    try {
      v = parseArgs({ args: argv, options: OPTIONS, allowPositionals: false }).values;
    } catch (e) {
      process.stderr.write(`falcoshark capture: ${(e as Error).message}\n${HELP}`);
      return 2;
    }
    if (v.help) { process.stdout.write(HELP); return 0; }
    const group = [v.workload, v.selector, v.service].filter((x) => x !== undefined).length;
    if (!v.alert && !v.pod && !v.local && group === 0) { process.stderr.write(HELP); return 2; }
    if (group > 1 || (group && (v.pod || v.local || v['whole-workload']))) {
      process.stderr.write('falcoshark capture: --workload, --selector, --service, --pod, --whole-workload and --local are one choice each\n');
      return 2;
    }
    let recorder: { beforeSeconds: number; afterSeconds: number } | undefined;
    if (v['from-recorder']) {
      const secs = (x: string | undefined, flag: string, d: number, max: number): number | undefined => {
        if (x === undefined) return d;
        return /^\d+$/.test(x) && Number(x) <= max ? Number(x) : undefined;
      };
      const before = secs(v.before, 'before', 60, MAX_BEFORE_SECONDS);
      const after = secs(v.after, 'after', 30, MAX_AFTER_SECONDS);
      if (!v.alert || v.local || before === undefined || after === undefined) {
        process.stderr.write(`falcoshark capture: --from-recorder needs --alert (its time is the window's middle), no --local, and --before/--after in whole seconds (at most ${MAX_BEFORE_SECONDS}/${MAX_AFTER_SECONDS})\n`);
        return 2;
      }
      recorder = { beforeSeconds: before, afterSeconds: after };
    }
    try {
      const alert = v.alert ? await readAlertFile(v.alert) : undefined;
      const caps = { durationSeconds: num(v.duration, 'duration'), maxPackets: num(v['max-packets'], 'max-packets'),
        maxBytes: num(v['max-bytes'], 'max-bytes'), snapLen: num(v.snaplen, 'snaplen') };
      const capsGiven = Object.fromEntries(Object.entries(caps).filter(([, x]) => x !== undefined));
      const { method, tool } = checkMethodAndTool(v.local ? 'local' : 'pod', v.method ?? 'ephemeral', v.tool ?? 'tshark');
      let plan: CapturePlan;
      const kc = v.local ? undefined : loadKubeConfig(v.context);
      const settings = { method, tool, caps: capsGiven, exactFlow: v['exact-flow'], ...(v.image ? { image: v.image } : {}), ...(v.context ? { context: v.context } : {}),
        ...(v.filter !== undefined ? { filterOverride: v.filter } : {}) } as const;
      const workload = kc ? await workloadWanted(kc, v, alert) : undefined;
      if (workload) {
        plan = planForWorkload(workload, settings, alert);
      } else if (v.local) {
        plan = planLocal({ iface: v.iface, ...(v.netns ? { netns: v.netns } : {}) }, settings, alert);
      } else {
        let podWanted = v.pod;
        if (!podWanted && alert && (!alert.namespace || !alert.pod)) {
          const found = await findPodFor(kc!, { containerId: alert.container.id, node: alert.node,
            ips: [alert.network?.client.ip, alert.network?.local.ip].filter((x): x is string => !!x) });
          if (!found) throw new PlanError(`the alert names no pod, and none was found by container id, pod IP or node: give --pod NS/NAME`);
          podWanted = `${found.namespace}/${found.pod}`;
        }
        if (podWanted) {
          const m = /^([^/]+)\/([^/]+)$/.exec(podWanted);
          if (!m) throw new PlanError(`--pod takes NAMESPACE/NAME, not ${JSON.stringify(podWanted)}`);
          plan = planForPod({ namespace: m[1], pod: m[2], ...(alert?.container.name ? { container: alert.container.name } : {}) }, settings, alert);
        } else {
          plan = planFromAlert(alert!, settings);
        }
      }
      for (const n of plan.notes) process.stderr.write(`note: ${terminalSafe(n, 300)}\n`);
      process.stderr.write(`capturing ${plan.filter.description} for at most ${plan.caps.durationSeconds} s\n`);
      const ac = new AbortController();
      const onSig = (): void => ac.abort();
      process.once('SIGINT', onSig);
      const tty = process.stderr.isTTY === true;
      const common = {
        plan, outDir: v.out, auditLog: join(v.out, 'audit.jsonl'), signal: ac.signal,
        onStage: (s: string) => process.stderr.write(`${terminalSafe(s, 400)}\n`),
        onProgress: (p: CaptureProgress) => {
          const line = `${p.packets} packets, ${formatBytes(p.bytes)}, ${Math.max(0, Math.ceil((p.durationMs - p.elapsedMs) / 1000))} s left`;
          process.stderr.write(tty ? `\r${line}\x1b[K` : `${line}\n`);
        },
      };
      const rec = await (recorder && kc && alert
        ? runFromRecorders({ ...common, alert, kubeConfig: kc, recordersNamespace: v.recorders, window: recorder,
          transportFor: viaApiServer(kc, await readRecorderToken(kc, v.recorders)) })
        : runCapture({ ...common, kubeConfig: kc, alert, addCapabilities: v['add-capabilities'] })).finally(() => process.off('SIGINT', onSig));
      if (tty) process.stderr.write('\r\x1b[K');
      process.stderr.write(`${rec.outcome}: ${terminalSafe(rec.reason, 400)} (${rec.packets} packets, ${formatBytes(rec.bytes)})\n`);
      for (const p of (rec as Partial<WorkloadCaptureRecord>).pods ?? []) {
        process.stderr.write(`  ${terminalSafe(`${p.namespace}/${p.pod}`, 120)}: ${p.outcome}, ${p.packets} packets${p.joined === 'during' ? ' (started during the capture)' : ''}: ${terminalSafe(p.reason, 300)}\n`);
      }
      process.stdout.write(`${rec.file}\n`);
      if (rec.outcome === 'failed') return 1;
      const summary = annotateSummary(await analyzeFile(rec.file), await readSidecar(rec.file));
      process.stdout.write(v.json ? `${JSON.stringify(summary)}\n` : renderSummary(summary, rec.file, 30));
      return rec.outcome === 'partial' ? 3 : 0;
    } catch (e) {
      process.stderr.write(`falcoshark capture: ${terminalSafe((e as Error).message, 1000)}\n`);
      return 1;
    }
  },
};
