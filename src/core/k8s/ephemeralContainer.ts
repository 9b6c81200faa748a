// Adds an ephemeral debug container to a pod (as `kubectl debug` does: a strategic merge
// patch of pods/ephemeralcontainers) and waits until it runs. The container only holds the
// pod's network namespace open (`sleep` for a bounded time); the capture tool is then run in
// it with exec, so no packet is lost between start and attach, and the exit status arrives.
import { CoreV1Api, PatchStrategy, setHeaderOptions, type KubeConfig, type V1Pod, type V1ContainerStatus } from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import { describeKubeError, statusOf } from './kubeAccess.js';
import { CodedError } from '../util/problem.js';

export class EphemeralContainerError extends CodedError {
  override readonly name = 'EphemeralContainerError';
  constructor(readonly code: 'pod-security' | 'image' | 'capture-container' | 'pod-gone', message: string) {
    super(message);
  }
}

export interface EphemeralSpec {
  namespace: string;
  pod: string;
  /** Container whose process namespace to target (targetContainerName). */
  target?: string;
  image: string;
  /** How long the holder container lives at most (it exits by itself after). */
  lifetimeSeconds: number;
  /** Capabilities to add (e.g. NET_RAW, NET_ADMIN); none by default. */
  addCapabilities?: string[];
  timeoutMs?: number;
}

export function ephemeralName(): string {
  return `falcoshark-${randomBytes(3).toString('hex')}`;
}

/** The patch body (also shown to users who want to know what falcoshark will do). */
export function ephemeralPatch(name: string, spec: EphemeralSpec): object {
  return {
    spec: {
      ephemeralContainers: [{
        name,
        image: spec.image,
        command: ['sleep', String(Math.ceil(spec.lifetimeSeconds))],
        stdin: false,
        tty: false,
        terminationMessagePolicy: 'File',
        ...(spec.target ? { targetContainerName: spec.target } : {}),
        ...(spec.addCapabilities?.length ? { securityContext: { capabilities: { add: spec.addCapabilities } } } : {}),
      }],
    },
  };
}

function bodyMessage(err: unknown): string {
  const body = (err as { body?: unknown })?.body;
  if (typeof body === 'string') {
    try { return String((JSON.parse(body) as { message?: unknown }).message ?? ''); } catch { return body.slice(0, 300); }
  }
  return '';
}

/** Creates the container and resolves with its name once it runs. */
export async function startEphemeralContainer(kc: KubeConfig, spec: EphemeralSpec): Promise<string> {
  const core = kc.makeApiClient(CoreV1Api);
  const name = ephemeralName();
  const ctx = kc.getCurrentContext();
  try {
    await core.patchNamespacedPodEphemeralcontainers(
      { name: spec.pod, namespace: spec.namespace, body: ephemeralPatch(name, spec) },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
  } catch (e) {
    const status = statusOf(e);
    const msg = bodyMessage(e);
    if (status === 403 && /PodSecurity/.test(msg)) {
      throw new EphemeralContainerError('pod-security', `Pod Security refused the capture container in namespace ${spec.namespace}: ${msg}. `
        + 'Capturing without added capabilities works where the runtime grants NET_RAW by default; otherwise the namespace must allow '
        + 'privileged pods (label pod-security.kubernetes.io/enforce=privileged) or use the exec method on a container that has tcpdump/tshark.');
    }
    if (status === 404 && /ephemeral/i.test(msg)) {
      throw new EphemeralContainerError('capture-container', `ephemeral containers are disabled on this cluster: ${msg}`);
    }
    if (status === 404) throw new EphemeralContainerError('pod-gone', `pod ${spec.namespace}/${spec.pod} not found (it may have been replaced)`);
    if (status === 422) throw new EphemeralContainerError('capture-container', `the API server refused the ephemeral container (422 Invalid): ${msg}`);
    throw describeKubeError(e, 'patch', 'pods/ephemeralcontainers', spec.namespace, ctx);
  }
  await waitRunning(core, spec, name);
  return name;
}

function statusOfContainer(pod: V1Pod, name: string): V1ContainerStatus | undefined {
  return pod.status?.ephemeralContainerStatuses?.find((s) => s.name === name);
}

async function waitRunning(core: CoreV1Api, spec: EphemeralSpec, name: string): Promise<void> {
  const deadline = Date.now() + (spec.timeoutMs ?? 60_000);
  let delay = 100;
  let lastWaiting = '';
  while (Date.now() < deadline) {
    let pod: V1Pod | undefined;
    try {
      pod = (await core.listNamespacedPod({ namespace: spec.namespace, fieldSelector: `metadata.name=${spec.pod}` })).items[0];
    } catch (e) {
      throw describeKubeError(e, 'list', 'pods', spec.namespace, '');
    }
    if (!pod) throw new EphemeralContainerError('pod-gone', `pod ${spec.namespace}/${spec.pod} disappeared while its capture container was starting`);
    const st = statusOfContainer(pod, name);
    if (st?.state?.running) return;
    if (st?.state?.terminated) {
      const t = st.state.terminated;
      throw new EphemeralContainerError('capture-container', `the capture container ${name} exited at once (exit code ${t.exitCode}${t.reason ? `, ${t.reason}` : ''}${t.message ? `: ${t.message}` : ''})`);
    }
    const w = st?.state?.waiting;
    if (w) {
      lastWaiting = `${w.reason ?? 'waiting'}${w.message ? `: ${w.message}` : ''}`;
      if (/ErrImagePull|ImagePullBackOff|InvalidImageName|CreateContainerError|CreateContainerConfigError/.test(w.reason ?? '')) {
        throw new EphemeralContainerError('image', `the capture container cannot start: ${lastWaiting} (image ${spec.image}; set falcoshark's capture image to one the cluster can pull)`);
      }
    }
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 1000);
  }
  throw new EphemeralContainerError('capture-container', `the capture container did not start within ${Math.round((spec.timeoutMs ?? 60_000) / 1000)} s${lastWaiting ? ` (last state: ${lastWaiting})` : ''}`);
}
