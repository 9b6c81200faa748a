// Cluster captures: the capture tool runs in the alerted pod's network namespace, either in
// an ephemeral debug container (default) or in an existing container that has the tool
// (exec), and streams the capture over the exec WebSocket with tty=false.
import type { KubeConfig } from '@kubernetes/client-node';
import type { CapturePlan } from './capturePlan.js';
import type { CaptureSource } from './captureSession.js';
import { captureToolArgv } from './toolArgv.js';
import { execStream } from '../k8s/execStream.js';
import { acquireCaptureHolder } from '../k8s/captureHolder.js';
import { resolvePod, type ResolvedPod } from '../k8s/podTarget.js';

export interface PodCaptureOptions {
  /** Add NET_RAW/NET_ADMIN to the ephemeral container (refused by Pod Security baseline). */
  addCapabilities?: boolean;
  onStage?: (stage: string) => void;
}

export interface StartedPodCapture {
  source: CaptureSource;
  pod: ResolvedPod;
  /** The container the tool runs in (the ephemeral one, or the target for exec). */
  container: string;
}

/** Runs "$@" and sends it SIGTERM when stdin reaches EOF (SIGINT would be ignored: a background job of a non-interactive shell ignores it); exits with the tool's status (STOPPED_BY_TERM when the SIGTERM came before the tool had set its handler). */
export const STOP_ON_STDIN_EOF = 'exec 3<&0; "$@" </dev/null & p=$!; { read -r _ <&3; kill -TERM "$p"; } 2>/dev/null & w=$!; wait "$p"; s=$?; kill "$w" 2>/dev/null; exit "$s"';

const PERMISSION = /permission|Operation not permitted|not permitted to capture|socket: Operation/i;

/** Explains a tool failure inside a pod in terms of what would allow it. */
export function explainPodToolFailure(detail: string, plan: CapturePlan, container: string, addCapabilities: boolean): string {
  if (plan.target.kind !== 'pod') return detail;
  const where = `${plan.target.namespace}/${plan.target.pod}`;
  if (PERMISSION.test(detail)) {
    return addCapabilities
      ? `${plan.tool} could not open the interface in ${where} even with NET_RAW/NET_ADMIN added: ${detail}`
      : `${plan.tool} could not open the interface in ${where}: the capture container ${container} has no CAP_NET_RAW (this runtime does not grant it by default). `
        + 'Allow it by capturing with added capabilities (falcoshark.capture.addCapabilities / --add-capabilities), '
        + `which needs the namespace ${plan.target.namespace} to allow privileged pods under Pod Security. Detail: ${detail}`;
  }
  if (/not found|No such file|executable file not found/i.test(detail)) {
    return `${plan.tool} is not in the container ${container} of ${where}: use an image that has it (e.g. nicolaka/netshoot) or the ephemeral method. Detail: ${detail}`;
  }
  return detail;
}

export async function startPodCapture(kc: KubeConfig, plan: CapturePlan, opts: PodCaptureOptions = {}): Promise<StartedPodCapture> {
  if (plan.target.kind !== 'pod') throw new Error('startPodCapture needs a pod target');
  const t = plan.target;
  opts.onStage?.(`looking up pod ${t.namespace}/${t.pod}`);
  const pod = await resolvePod(kc, { namespace: t.namespace, pod: t.pod, ...(t.container ? { container: t.container } : {}) });
  let container = pod.container;
  if (plan.method === 'ephemeral') {
    opts.onStage?.(`starting capture container (${plan.image}) in ${t.namespace}/${t.pod}`);
    const holder = await acquireCaptureHolder(kc, {
      namespace: t.namespace, pod: t.pod, target: pod.container, image: plan.image ?? 'nicolaka/netshoot',
      needSeconds: plan.caps.durationSeconds,
      ...(opts.addCapabilities ? { addCapabilities: ['NET_RAW', 'NET_ADMIN'] } : {}),
    });
    container = holder.container;
    if (holder.reused) opts.onStage?.(`reusing capture container ${container} (pods keep every ephemeral container: ${holder.holdersInPod} of falcoshark's in this pod)`);
  }
  opts.onStage?.(`capturing in ${t.namespace}/${t.pod} (container ${container})`);
  const toolArgv = captureToolArgv(plan.tool, 'any', plan.filter.bpf, plan.caps);
  // In our own capture container the tool runs under a constant sh script that stops it
  // (SIGTERM: tcpdump and tshark flush on it) when the exec's stdin ends: on a real cluster, closing the exec
  // stream leaves the process running. The tool's argv reaches sh as positional parameters
  // ("$@"), never as shell text. In a container of the app (exec method) there may be no sh:
  // the tool runs as it is and stops at its own caps.
  const ephemeral = plan.method === 'ephemeral';
  const argv = ephemeral ? ['sh', '-c', STOP_ON_STDIN_EOF, 'falcoshark-capture', ...toolArgv] : toolArgv;
  const ex = await execStream(kc, { namespace: t.namespace, pod: t.pod, container }, argv, { stdinStop: ephemeral });
  const source: CaptureSource = {
    stream: ex.stdout,
    stop: () => ex.stop(),
    done: ex.done.then((r) => (r.ok ? r : { ok: false, ...(r.exitCode !== undefined ? { exitCode: r.exitCode } : {}), detail: explainPodToolFailure(r.detail, plan, container, opts.addCapabilities === true) })),
  };
  return { source, pod, container };
}
