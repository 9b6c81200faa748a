// The typed settings of the extension and how they are read from raw values. No `vscode`
// import: config.ts hands a getter over, tests hand a plain object.
import { isAbsolute, resolve } from 'node:path';
import type { CaptureCaps, CaptureMethod, CaptureTool } from '../core/capture/capturePlan.js';
import { DEFAULT_FALCO_SELECTOR } from '../core/alerts/sources/clusterSource.js';
import { checkPort, type AlertSourceOptions } from '../core/alerts/sources/alertSources.js';
import { isGrouping, type Grouping } from './views/alertGrouping.js';

export interface Settings {
  context: string | undefined;
  clusterEnabled: boolean;
  falco: { selector: string; namespace: string | undefined; container: string; sinceSeconds: number };
  webhookPort: number | undefined;
  sidekickUiUrl: string | undefined;
  alertFile: string | undefined;
  capture: { method: Exclude<CaptureMethod, 'local' | 'recorder'>; tool: CaptureTool; image: string; caps: CaptureCaps; maxCaps: CaptureCaps };
  /** The raw setting; resolve ${workspaceFolder} with resolveCaptureFolder. */
  captureFolder: string;
  wiresharkPath: string | undefined;
  grouping: Grouping;
  askBeforeCapture: boolean;
  /** The flight recorders (deploy/recorder.yaml): offered first when one holds the alerted pod. */
  recorder: { enabled: boolean; namespace: string; beforeSeconds: number; afterSeconds: number };
}

export type Getter = (key: string) => unknown;

const str = (v: unknown, d: string): string => (typeof v === 'string' ? v : d);
const optStr = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);
const bool = (v: unknown, d: boolean): boolean => (typeof v === 'boolean' ? v : d);
const posInt = (v: unknown, d: number): number => (typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : d);
const seconds = (v: unknown, d: number, max: number): number => (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max ? v : d);

export const DEFAULT_CAPTURE_FOLDER = '${workspaceFolder}/.falcoshark/captures';

export function readSettings(get: Getter): Settings {
  const port = get('webhook.port');
  const method = get('capture.method');
  const tool = get('capture.tool');
  const grouping = get('alerts.grouping');
  const since = get('falco.sinceSeconds');
  return {
    context: optStr(get('context')),
    clusterEnabled: bool(get('cluster.enabled'), true),
    falco: {
      selector: optStr(get('falco.selector')) ?? DEFAULT_FALCO_SELECTOR,
      namespace: optStr(get('falco.namespace')),
      container: optStr(get('falco.container')) ?? 'falco',
      sinceSeconds: typeof since === 'number' && Number.isInteger(since) && since >= 0 ? since : 600,
    },
    webhookPort: typeof port === 'number' && checkPort(port).ok ? port : undefined,
    sidekickUiUrl: optStr(get('sidekickUi.url')),
    alertFile: optStr(get('alertFile')),
    capture: {
      method: method === 'exec' ? 'exec' : 'ephemeral',
      tool: tool === 'tcpdump' || tool === 'dumpcap' ? tool : 'tshark',
      image: optStr(get('capture.image')) ?? 'nicolaka/netshoot:v0.13',
      caps: {
        durationSeconds: posInt(get('capture.durationSeconds'), 30),
        maxPackets: posInt(get('capture.maxPackets'), 200_000),
        maxBytes: posInt(get('capture.maxBytes'), 100 * 1024 * 1024),
        snapLen: 262_144,
      },
      maxCaps: {
        durationSeconds: posInt(get('capture.maxDurationSeconds'), 600),
        maxPackets: posInt(get('capture.maxMaxPackets'), 2_000_000),
        maxBytes: posInt(get('capture.maxMaxBytes'), 1024 * 1024 * 1024),
        snapLen: 262_144,
      },
    },
    captureFolder: str(get('captureFolder'), DEFAULT_CAPTURE_FOLDER) || DEFAULT_CAPTURE_FOLDER,
    wiresharkPath: optStr(get('wiresharkPath')),
    grouping: isGrouping(grouping) ? grouping : 'priority>rule>pod',
    askBeforeCapture: bool(get('askBeforeCapture'), true),
    recorder: {
      enabled: bool(get('recorder.enabled'), true),
      namespace: optStr(get('recorder.namespace')) ?? 'falcoshark',
      beforeSeconds: seconds(get('recorder.beforeSeconds'), 60, 3600),
      afterSeconds: seconds(get('recorder.afterSeconds'), 30, 600),
    },
  };
}

/** Resolves ${workspaceFolder} (and ~) in the capture folder; `fallback` when no folder is open. */
export function resolveCaptureFolder(raw: string, workspaceFolder: string | undefined, fallback: string, home: string): string {
  let s = raw.trim() || DEFAULT_CAPTURE_FOLDER;
  if (s.includes('${workspaceFolder}')) {
    if (!workspaceFolder) return fallback;
    s = s.split('${workspaceFolder}').join(workspaceFolder);
  }
  if (s === '~' || s.startsWith('~/')) s = home + s.slice(1);
  // A relative folder is taken from the workspace folder (else the fallback's parent).
  if (!isAbsolute(s)) s = resolve(workspaceFolder ?? resolve(fallback, '..'), s);
  return s;
}

/** What the secret storage holds for the alert sources (never in settings). */
export interface SourceSecrets {
  /** The bearer token the webhook requires (falcoshark.addWebhookSource). */
  webhookToken?: string;
  /** Falcosidekick-UI's basic-auth credentials (falcoshark.setSidekickUiCredentials). */
  sidekickUi?: { username: string; password: string };
}

/** The alert sources the settings name, as the core builds them (the same options type as
 *  `falcoshark watch` and `falcoshark serve`). The kubeconfig is loaded by the cluster source
 *  when it starts (a missing one is that source's start failure). */
export function alertSourceOptions(s: Settings, secrets: SourceSecrets = {}): AlertSourceOptions {
  return {
    ...(s.webhookPort !== undefined ? { webhook: { port: s.webhookPort, host: '127.0.0.1', ...(secrets.webhookToken ? { token: secrets.webhookToken } : {}) } } : {}),
    ...(s.alertFile ? { file: s.alertFile } : {}),
    ...(s.sidekickUiUrl ? { sidekickUi: { url: s.sidekickUiUrl, ...(secrets.sidekickUi ?? {}) } } : {}),
    ...(s.clusterEnabled ? { cluster: { context: s.context, labelSelector: s.falco.selector, container: s.falco.container,
      initialSinceSeconds: s.falco.sinceSeconds, ...(s.falco.namespace ? { namespace: s.falco.namespace } : {}) } } : {}),
  };
}
