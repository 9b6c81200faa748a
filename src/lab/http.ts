// Small HTTP helpers shared by the API handlers.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, badRequest } from './apiError.js';

export function sendJson(res: ServerResponse, code: number, body: unknown): void {
  const data = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Content-Length': Buffer.byteLength(data) });
  res.end(data);
}

export function sendError(res: ServerResponse, err: unknown): void {
  const e = err instanceof ApiError ? err : new ApiError(500, 'InternalError', `Internal error occurred: ${err instanceof Error ? err.message : String(err)}`);
  if (res.headersSent) { res.destroy(); return; }
  sendJson(res, e.code, e.toStatus());
}

export async function readBody(req: IncomingMessage, limit = 4 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of req) {
    const b = c as Buffer;
    n += b.length;
    if (n > limit) throw new ApiError(413, 'RequestEntityTooLarge', 'Request entity too large');
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

export function parseJson(buf: Buffer): unknown {
  try {
    return JSON.parse(buf.toString('utf8')) as unknown;
  } catch (e) {
    throw badRequest(`error decoding request body: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** The request as the apiserver sees it: group/version/namespace/resource/name/subresource. */
export interface RequestInfo {
  isResource: boolean;
  group: string;
  version: string;
  namespace?: string;
  resource: string;
  name?: string;
  subresource?: string;
  query: URLSearchParams;
  path: string;
}

export function parseRequestInfo(url: string): RequestInfo {
  const u = new URL(url, 'https://lab.invalid');
  const segs = u.pathname.split('/').filter((s) => s.length > 0).map(decodeURIComponent);
  const base: RequestInfo = { isResource: false, group: '', version: '', resource: '', query: u.searchParams, path: u.pathname };
  let rest: string[];
  if (segs[0] === 'api' && segs.length >= 3) { base.version = segs[1]; rest = segs.slice(2); }
  else if (segs[0] === 'apis' && segs.length >= 4) { base.group = segs[1]; base.version = segs[2]; rest = segs.slice(3); }
  else return base;
  base.isResource = true;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    base.namespace = rest[1]; base.resource = rest[2]; base.name = rest[3]; base.subresource = rest[4];
  } else {
    base.resource = rest[0]; base.name = rest[1]; base.subresource = rest[2];
    if (rest[0] === 'namespaces' && rest[1] !== undefined) base.namespace = rest[1];
  }
  return base;
}

export function boolParam(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  return v === 'true' || v === '1';
}
