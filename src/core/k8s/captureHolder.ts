// The capture container of a pod, reused. Kubernetes never removes an ephemeral container from
// a pod: every capture that adds one grows the pod's spec and status for the pod's whole life
// (25 captures, 25 containers listed by `kubectl describe`, each running `sleep` until its
// lifetime ends, then terminated forever). So a capture first looks for a falcoshark holder
// that still runs long enough, with the same image and capabilities, and runs its tool there
// (exec: several captures can share one holder); only otherwise it adds one. A pod that already
// carries `maxHolders` of ours gets a clear refusal instead of one more.
import { CoreV1Api, type KubeConfig, type V1EphemeralContainer, type V1Pod } from '@kubernetes/client-node';
import { describeKubeError } from './kubeAccess.js';
import { EphemeralContainerError, startEphemeralContainer, type EphemeralSpec } from './ephemeralContainer.js';

/** How many falcoshark capture containers a pod may accumulate (they are never removed). */
export const MAX_HOLDERS = 50;
/** A new holder lives at least this long, so that the next captures of the pod can reuse it. */
export const MIN_HOLDER_LIFETIME_SECONDS = 900;
/** A holder is reused only if it still runs this long after the capture's duration. */
const REUSE_MARGIN_SECONDS = 30;

export interface HolderRequest extends Omit<EphemeralSpec, 'lifetimeSeconds'> {
  /** How long the capture needs the holder (its duration). */
  needSeconds: number;
  maxHolders?: number;
}

export interface Holder { container: string; reused: boolean; holdersInPod: number }

const sameCaps = (c: V1EphemeralContainer, add: string[] | undefined): boolean =>
  JSON.stringify([...(c.securityContext?.capabilities?.add ?? [])].sort()) === JSON.stringify([...(add ?? [])].sort());

/** Seconds a holder still runs (its `sleep N` from its start), or -1 when it does not run. */
export function holderSecondsLeft(pod: V1Pod, c: V1EphemeralContainer, now = Date.now()): number {
  const st = pod.status?.ephemeralContainerStatuses?.find((s) => s.name === c.name);
  const started = st?.state?.running?.startedAt;
  const cmd = c.command ?? [];
  if (!started || cmd.length !== 2 || cmd[0] !== 'sleep' || !/^\d+$/.test(cmd[1])) return -1;
  return (new Date(started).getTime() + Number(cmd[1]) * 1000 - now) / 1000;
}

export function ourHolders(pod: V1Pod): V1EphemeralContainer[] {
  return (pod.spec?.ephemeralContainers ?? []).filter((c) => /^falcoshark-[0-9a-f]{6}$/.test(c.name));
}

/** A running holder of ours that fits the request, if any. */
export function reusableHolder(pod: V1Pod, req: Pick<HolderRequest, 'image' | 'target' | 'addCapabilities' | 'needSeconds'>, now = Date.now()): string | undefined {
  const fits = ourHolders(pod).filter((c) => c.image === req.image && sameCaps(c, req.addCapabilities)
    && (req.target ? c.targetContainerName === req.target : true)
    && holderSecondsLeft(pod, c, now) >= req.needSeconds + REUSE_MARGIN_SECONDS);
  // The one that runs longest.
  return fits.sort((a, b) => holderSecondsLeft(pod, b, now) - holderSecondsLeft(pod, a, now))[0]?.name;
}

export async function acquireCaptureHolder(kc: KubeConfig, req: HolderRequest): Promise<Holder> {
  const core = kc.makeApiClient(CoreV1Api);
  // list by name, not get: deploy/rbac.yaml grants serve list/watch on pods and no get (as podTarget and ephemeralContainer do).
  let found: V1Pod | undefined;
  try {
    found = (await core.listNamespacedPod({ namespace: req.namespace, fieldSelector: `metadata.name=${req.pod}` })).items[0];
  } catch (e) {
    throw describeKubeError(e, 'list', 'pods', req.namespace, kc.getCurrentContext());
  }
  if (!found) throw new EphemeralContainerError('pod-gone', `pod ${req.namespace}/${req.pod} is gone`);
  const pod = found;
  const mine = ourHolders(pod).length;
  const reuse = reusableHolder(pod, req);
  if (reuse) return { container: reuse, reused: true, holdersInPod: mine };
  const max = req.maxHolders ?? MAX_HOLDERS;
  if (mine >= max) {
    throw new EphemeralContainerError('capture-container', `pod ${req.namespace}/${req.pod} already carries ${mine} falcoshark capture containers `
      + `and none of them still runs (Kubernetes never removes ephemeral containers from a pod). Capture again within `
      + `${MIN_HOLDER_LIFETIME_SECONDS / 60} minutes of a capture to reuse its container, restart the pod (its controller replaces it with a clean one), `
      + 'or capture by exec in a container that has the tool.');
  }
  const { needSeconds, maxHolders: _m, ...spec } = req;
  const container = await startEphemeralContainer(kc, { ...spec, lifetimeSeconds: Math.max(needSeconds + 300, MIN_HOLDER_LIFETIME_SECONDS) });
  return { container, reused: false, holdersInPod: mine + 1 };
}
