// A client of `falcoshark serve`'s capture API: list the captures a server made and fetch
// one (pcapng + sidecar) into a local folder, so that they are shown and analysed next to
// local captures.
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { CaptureListItem } from './captureApi.js';
import { SIDECAR_SUFFIX } from '../capture/captureSidecar.js';
import { CodedError, codeOfStatus, type ProblemCode } from '../util/problem.js';

export class CaptureApiError extends CodedError {
  override readonly name = 'CaptureApiError';
  readonly code: ProblemCode;
  /** The server's answer (none: it was not reached). */
  readonly status: number | undefined;
  /** What went wrong without naming the server ("ECONNREFUSED"), for a short label. */
  readonly reason: string;
  constructor(message: string, o: { status?: number; code?: ProblemCode; reason?: string } = {}) {
    super(message);
    this.status = o.status;
    this.code = o.code ?? codeOfStatus(o.status);
    this.reason = o.reason ?? message;
  }
}

const ID = /^[0-9A-Za-z][0-9A-Za-z-]{0,127}$/;
const MAX_LIST_BYTES = 16 * 1024 * 1024;

export interface ServeEndpoint {
  /** Base URL of the API, e.g. http://falcoshark-serve.falcoshark.svc:2802/ */
  url: string;
  token: string;
}

async function get(ep: ServeEndpoint, path: string, signal?: AbortSignal): Promise<Response> {
  const url = new URL(path, ep.url.endsWith('/') ? ep.url : `${ep.url}/`);
  let res: Response;
  try {
    res = await fetch(url, { headers: { authorization: `Bearer ${ep.token}` }, signal, redirect: 'error' });
  } catch (e) {
    const cause = (e as { cause?: { code?: unknown } }).cause;
    const reason = typeof cause?.code === 'string' ? `${(e as Error).message}: ${cause.code}` : (e as Error).message;
    throw new CaptureApiError(`cannot reach falcoshark serve at ${url.origin}: ${reason}`, { reason });
  }
  if (res.status === 401) throw new CaptureApiError(`falcoshark serve at ${url.origin} refused the token (401)`, { status: 401 });
  if (!res.ok) throw new CaptureApiError(`falcoshark serve at ${url.origin} answered ${res.status} for ${url.pathname}`, { status: res.status });
  return res;
}

export async function listRemoteCaptures(ep: ServeEndpoint, signal?: AbortSignal): Promise<CaptureListItem[]> {
  const res = await get(ep, 'api/v1/captures', signal);
  const text = await res.text();
  if (text.length > MAX_LIST_BYTES) throw new CaptureApiError('the capture list is larger than 16 MiB', { status: res.status, code: 'server-error' });
  const body = JSON.parse(text) as { items?: unknown };
  if (!Array.isArray(body.items)) throw new CaptureApiError('the server\'s answer has no capture list', { status: res.status, code: 'server-error' });
  return body.items.filter((i): i is CaptureListItem => typeof i === 'object' && i !== null
    && typeof (i as CaptureListItem).id === 'string' && ID.test((i as CaptureListItem).id));
}

/** Downloads a capture and its sidecar into `dir` (atomically: .part then rename). */
export async function fetchRemoteCapture(ep: ServeEndpoint, id: string, dir: string, signal?: AbortSignal): Promise<{ file: string; sidecar: string }> {
  if (!ID.test(id)) throw new CaptureApiError(`${JSON.stringify(id.slice(0, 60))} is not a capture id`, { code: 'not-found' });
  await mkdir(dir, { recursive: true });
  const out = { file: join(dir, `${id}.pcapng`), sidecar: join(dir, `${id}${SIDECAR_SUFFIX}`) };
  for (const [suffix, dest] of [['.pcapng', out.file], [SIDECAR_SUFFIX, out.sidecar]] as const) {
    const res = await get(ep, `api/v1/captures/${id}${suffix}`, signal);
    if (!res.body) throw new CaptureApiError(`empty answer for ${id}${suffix}`, { status: res.status, code: 'server-error' });
    const part = `${dest}.part`;
    try {
      await pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>), createWriteStream(part), { signal });
      await rename(part, dest);
    } catch (e) {
      await rm(part, { force: true });
      throw e;
    }
  }
  return out;
}
