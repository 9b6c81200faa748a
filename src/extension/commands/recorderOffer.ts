// *Capture Traffic* on an alert whose pod a flight recorder holds: "From the recorder: 60 s before
// → 30 s after" is offered first, then a live capture. The recorder is reached through the API
// server's pod proxy with the user's own kubeconfig; its token is read from its Secret. Anything
// missing (no recorder installed, no right to read its token, the pod not recorded there) means
// the live capture, as before, with the reason in the log.
import * as vscode from 'vscode';
import type { KubeConfig } from '@kubernetes/client-node';
import type { FalcoAlert } from '../../core/alerts/types.js';
import { readRecorderToken, recorderForPod, recorderHolds, viaApiServer, type RecorderEndpoint } from '../../core/recorder/recordedCapture.js';
import type { Settings } from '../settings.js';
import type { Log } from '../log.js';

export interface RecorderOffer { endpoint: RecorderEndpoint; window: { beforeSeconds: number; afterSeconds: number } }

/** The recorder holding the alert's pod, if there is one and the alert has a time. */
export async function findRecorderOffer(kc: KubeConfig, s: Settings, alert: FalcoAlert, pod: { namespace: string; pod: string }, log: Log):
Promise<(RecorderOffer & { heldFrom?: string }) | undefined> {
  if (!s.recorder.enabled || !alert.time) return undefined;
  try {
    const token = await readRecorderToken(kc, s.recorder.namespace);
    const endpoint = await recorderForPod(kc, s.recorder.namespace, viaApiServer(kc, token), pod.namespace, pod.pod);
    if (!endpoint) { log.info(`recorder: none runs on the node of ${pod.namespace}/${pod.pod} (namespace ${s.recorder.namespace}): a live capture`); return undefined; }
    const held = await recorderHolds(endpoint, pod.namespace, pod.pod);
    if (!held) { log.info(`recorder: ${endpoint.name} does not record ${pod.namespace}/${pod.pod}: a live capture`); return undefined; }
    return { endpoint, window: { beforeSeconds: s.recorder.beforeSeconds, afterSeconds: s.recorder.afterSeconds }, ...(held.heldFrom ? { heldFrom: held.heldFrom } : {}) };
  } catch (e) {
    log.info(`recorder: ${(e as Error).message}: a live capture`);
    return undefined;
  }
}

interface OfferPick extends vscode.QuickPickItem { choice: 'recorder' | 'live' }

/** Asks: from the recorder (first) or live. undefined: cancelled. */
export async function askRecorderOrLive(offer: RecorderOffer & { heldFrom?: string }, alert: FalcoAlert): Promise<'recorder' | 'live' | undefined> {
  const w = offer.window;
  const alertAt = (alert.time ?? '').slice(11, 19);
  const items: OfferPick[] = [
    { label: `$(history) From the recorder: ${w.beforeSeconds} s before → ${w.afterSeconds} s after`, choice: 'recorder',
      description: `the alert at ${alertAt} UTC, with the packets from before it`,
      detail: `${offer.endpoint.name}${offer.heldFrom ? `, holding this pod since ${offer.heldFrom.slice(11, 19)} UTC` : ''}` },
    { label: '$(record) Live capture', choice: 'live', description: 'from now on, with the capture plan' },
  ];
  const pick = await vscode.window.showQuickPick(items, { title: `Capture traffic: ${alert.rule}`, placeHolder: 'A flight recorder holds this pod', ignoreFocusOut: true });
  return pick?.choice;
}
