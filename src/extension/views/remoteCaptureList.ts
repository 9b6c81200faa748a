// `falcoshark serve` as a capture source, without `vscode`: the server URL as the user types
// it, where its token is kept (SecretStorage key) and where its captures are downloaded, and
// its capture list as a result that is either the items or a message for the tree (401,
// unreachable), never a thrown error.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { CaptureListItem } from '../../core/serve/captureApi.js';
import { sidecarPathFor } from '../../core/capture/captureSidecar.js';
import { CaptureApiError, fetchRemoteCapture, listRemoteCaptures, type ServeEndpoint } from '../../core/serve/captureApiClient.js';

export type Checked<T> = { ok: true; value: T } | { ok: false; reason: string };

/** A server URL as typed: http(s), no credentials, no query; normalised with a trailing slash. */
export function normalizeServeUrl(raw: string): Checked<string> {
  const t = raw.trim();
  if (!t) return { ok: false, reason: 'type the address of falcoshark serve\'s API, e.g. http://127.0.0.1:2802/' };
  let u: URL;
  try { u = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(t) ? t : `http://${t}`); } catch { return { ok: false, reason: `${JSON.stringify(t.slice(0, 80))} is not a URL` }; }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return { ok: false, reason: `${u.protocol} is not http: or https:` };
  if (u.username || u.password) return { ok: false, reason: 'no user or password in the URL: the token is asked next and kept in the secret storage' };
  if (u.search || u.hash) return { ok: false, reason: 'no query or fragment: the base URL of the API only' };
  if (!u.pathname.endsWith('/')) u.pathname += '/';
  return { ok: true, value: u.toString() };
}

/** The SecretStorage key of a server's API token. */
export function serveTokenKey(url: string): string {
  return `falcoshark.serve.token:${url}`;
}

/** Where a server's captures are downloaded: <captures>/remote/<host>[_<port>]/. */
export function remoteFolderFor(captureFolder: string, url: string): string {
  const u = new URL(url);
  const host = `${u.hostname}${u.port ? `_${u.port}` : ''}`.replace(/[^A-Za-z0-9.-]/g, '_').replace(/^\.+/, '_');
  return join(captureFolder, 'remote', host || 'server');
}

export type RemoteListing =
  | { kind: 'items'; items: RemoteItem[] }
  | { kind: 'message'; level: 'error' | 'warning' | 'info'; message: string; detail?: string; fix?: 'token' | 'retry' };

export interface RemoteItem extends CaptureListItem {
  /** Already downloaded into the remote folder. */
  downloaded: boolean;
}

/** Lists a server's captures (newest first) as items, or as the message the tree shows. */
export async function loadRemoteCaptures(url: string, token: string | undefined, folder: string, signal?: AbortSignal): Promise<RemoteListing> {
  if (!token) return { kind: 'message', level: 'warning', message: 'no API token stored for this server: click to add it', fix: 'token' };
  try {
    const items = await listRemoteCaptures({ url, token }, signal);
    if (items.length === 0) return { kind: 'message', level: 'info', message: 'no captures on this server yet' };
    return { kind: 'items', items: items.sort((a, b) => b.createdAt.localeCompare(a.createdAt))
      .map((i) => ({ ...i, downloaded: existsSync(join(folder, `${i.id}.pcapng`)) })) };
  } catch (e) {
    // Short labels (the server node above names the server; a sidebar is narrow), the full reason as detail.
    const detail = (e as Error).message;
    switch (e instanceof CaptureApiError ? e.code : undefined) {
      case 'unauthorized': return { kind: 'message', level: 'error', message: 'the token was refused (401): click to enter another', detail, fix: 'token' };
      case 'unreachable': return { kind: 'message', level: 'error', message: `unreachable (${(e as CaptureApiError).reason.slice(0, 120)}): click to retry`, detail, fix: 'retry' };
      default: return { kind: 'message', level: 'error', message: `${detail.slice(0, 200)}: click to retry`, detail, fix: 'retry' };
    }
  }
}

/** Downloads a capture unless it is already there; the local pcapng path. */
export async function downloadRemoteCapture(ep: ServeEndpoint, id: string, folder: string, signal?: AbortSignal): Promise<string> {
  const file = join(folder, `${id}.pcapng`);
  if (existsSync(file) && existsSync(sidecarPathFor(file))) return file;
  return (await fetchRemoteCapture(ep, id, folder, signal)).file;
}
