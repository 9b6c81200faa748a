// How a client reaches a recorder: directly (serve, in the cluster: the recorder's pod IP, which
// is its node's) or through the API server's pod proxy (the extension, from a laptop: the user's
// own kubeconfig credentials and RBAC — `get`/`create` on pods/proxy in the recorder's
// namespace). The recorder's token travels in `X-Falcoshark-Token`: the API server consumes
// (and removes) the Authorization header of a token user, so that header cannot carry it.
import { request as httpsRequest } from 'node:https';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { KubeConfig } from '@kubernetes/client-node';

export interface TransportResponse {
  status: number;
  header(name: string): string | undefined;
  body: AsyncIterable<Uint8Array>;
  text(): Promise<string>;
}

export interface RecorderTransport {
  /** Where requests go, for messages ("http://10.98.0.2:2803/", "API server proxy to falcoshark/falcoshark-recorder-x"). */
  describe: string;
  request(method: 'GET' | 'POST', path: string, body: string | undefined, signal: AbortSignal): Promise<TransportResponse>;
}

export const TOKEN_HEADER = 'x-falcoshark-token';

function wrap(res: IncomingMessage): TransportResponse {
  return {
    status: res.statusCode ?? 0,
    header: (n) => { const v = res.headers[n.toLowerCase()]; return Array.isArray(v) ? v[0] : v; },
    body: res,
    text: async () => { let s = ''; for await (const c of res) s += (c as Buffer).toString('utf8'); return s; },
  };
}

/** Straight to the recorder's address (http). */
export function directTransport(baseUrl: string, token: string): RecorderTransport {
  return {
    describe: baseUrl,
    request: (method, path, body, signal) => new Promise((resolve, reject) => {
      const u = new URL(path.replace(/^\//, ''), baseUrl);
      const req = httpRequest(u, { method, signal, headers: { [TOKEN_HEADER]: token, ...(body ? { 'content-type': 'application/json' } : {}) } }, (res) => resolve(wrap(res)));
      req.on('error', reject);
      req.end(body);
    }),
  };
}

/** Through the API server: /api/v1/namespaces/NS/pods/POD:PORT/proxy/PATH, with the kubeconfig's credentials. */
export function apiServerProxyTransport(kc: KubeConfig, namespace: string, pod: string, port: number, token: string): RecorderTransport {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error(`the kubeconfig context ${kc.getCurrentContext()} names no cluster`);
  const base = `${cluster.server.replace(/\/$/, '')}/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(`${pod}:${port}`)}/proxy/`;
  return {
    describe: `the API server's proxy to ${namespace}/${pod}:${port}`,
    request: async (method, path, body, signal) => {
      const u = new URL(path.replace(/^\//, ''), base);
      const opts: Parameters<typeof httpsRequest>[1] = { method, signal, headers: { [TOKEN_HEADER]: token, ...(body ? { 'content-type': 'application/json' } : {}) } };
      await kc.applyToHTTPSOptions(opts);
      return new Promise((resolve, reject) => {
        const req = (u.protocol === 'https:' ? httpsRequest : httpRequest)(u, opts, (res) => resolve(wrap(res)));
        req.on('error', reject);
        req.end(body);
      });
    },
  };
}
