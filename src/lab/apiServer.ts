// The lab's kube-apiserver: HTTPS, bearer-token authentication, RBAC, discovery, REST
// get/list/watch/create/delete, SelfSubjectAccessReview, and hooks for pod subresources.
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { ApiError, badRequest, methodNotAllowed, notFound } from './apiError.js';
import { SERVER_VERSION, apiGroup, apiGroupList, apiResourceList, apiVersions } from './discovery.js';
import { boolParam, parseJson, parseRequestInfo, readBody, sendError, sendJson, type RequestInfo } from './http.js';
import { allowed, authorize, type Attributes, type LabUser } from './rbac.js';
import { apiVersionOf, findResourceType, type ResourceType } from './resources.js';
import { decodeSelfSubjectAccessReview, isK8sProtobuf } from './protobuf.js';
import { parseFieldSelector, parseLabelSelector } from './selectors.js';
import type { Store } from './store.js';
import { toTable, wantsTable } from './table.js';
import { isRecord, type KObject } from './types.js';
import { serveWatch } from './watch.js';
import type { LabTls } from './tls.js';

/** What the pod runtime provides to the API (logs, exec/attach, ephemeral containers, pod lifecycle). */
export interface PodHooks {
  log(req: IncomingMessage, res: ServerResponse, ns: string, name: string, query: URLSearchParams): Promise<void>;
  /** Handles an authorized exec/attach upgrade request. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, info: RequestInfo): void;
  patchEphemeral(ns: string, name: string, method: 'PATCH' | 'PUT', contentType: string, body: Buffer, user: LabUser): KObject;
  createPod(ns: string, body: KObject): KObject;
  deletePod(ns: string, name: string): KObject;
}

export interface ApiServerOptions {
  tls: LabTls;
  store: Store;
  users: LabUser[];
  hooks: PodHooks;
  port?: number;
  bookmarkIntervalMs?: number;
  log?: (line: string) => void;
}

export class ApiServer {
  private readonly server: Server;
  private readonly byToken = new Map<string, LabUser>();
  port = 0;

  constructor(private readonly o: ApiServerOptions) {
    for (const u of o.users) this.byToken.set(u.token, u);
    this.server = createServer({ cert: o.tls.certPem, key: o.tls.keyPem });
    this.server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      this.handle(req, res).catch((e: unknown) => sendError(res, e));
    });
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.handleUpgrade(req, socket, head));
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.o.port ?? 0, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
    return `https://127.0.0.1:${this.port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private authenticate(req: IncomingMessage): LabUser | undefined {
    const h = req.headers.authorization ?? '';
    const m = /^Bearer\s+(.+)$/i.exec(h);
    return m ? this.byToken.get(m[1].trim()) : undefined;
  }

  private handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const reject = (e: ApiError): void => {
      const body = JSON.stringify(e.toStatus());
      socket.end(`HTTP/1.1 ${e.code} ${e.reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    };
    try {
      const user = this.authenticate(req);
      if (!user) { reject(new ApiError(401, 'Unauthorized', 'Unauthorized')); return; }
      const info = parseRequestInfo(req.url ?? '/');
      if (!info.isResource || info.resource !== 'pods' || !info.namespace || !info.name || (info.subresource !== 'exec' && info.subresource !== 'attach')) {
        reject(notFound(info.resource || 'resource', info.group, info.name ?? '')); return;
      }
      const attrs = { group: '', resource: 'pods', subresource: info.subresource, namespace: info.namespace, name: info.name };
      // A WebSocket upgrade is a GET (authorized as get), SPDY a POST (create); both are required
      // (AuthorizePodWebsocketUpgradeCreatePermission), the request's own verb is checked first.
      const verbs = req.method === 'POST' ? ['create', 'get'] : ['get', 'create'];
      for (const verb of verbs) authorize(user, { ...attrs, verb });
      if ((req.headers.upgrade ?? '').toLowerCase() !== 'websocket') {
        reject(badRequest('upgrade request must use the websocket protocol (v4.channel.k8s.io or v5.channel.k8s.io); SPDY is not supported by the lab'));
        return;
      }
      this.o.log?.(`${user.role} UPGRADE ${req.url ?? ''}`);
      this.o.hooks.upgrade(req, socket, head, info);
    } catch (e) {
      reject(e instanceof ApiError ? e : new ApiError(500, 'InternalError', String(e)));
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const info = parseRequestInfo(req.url ?? '/');
    const user = this.authenticate(req);
    if (!user) { sendJson(res, 401, new ApiError(401, 'Unauthorized', 'Unauthorized').toStatus()); return; }
    this.o.log?.(`${user.role} ${method} ${req.url ?? ''}`);
    if (!info.isResource) { this.nonResource(res, info); return; }
    if (info.group === 'authorization.k8s.io' && info.resource === 'selfsubjectaccessreviews') {
      if (method !== 'POST') throw methodNotAllowed();
      const body = await readBody(req);
      sendJson(res, 201, this.selfSubjectAccessReview(isK8sProtobuf(body) ? decodeSelfSubjectAccessReview(body) : parseJson(body), user));
      return;
    }
    const type = findResourceType(info.group, info.version, info.resource);
    if (!type) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
    const watch = boolParam(info.query, 'watch');
    const verb = verbOf(method, info, watch);
    const attrs: Attributes = { verb, group: type.group, resource: type.resource, subresource: info.subresource, namespace: info.namespace, name: info.name };
    authorize(user, attrs);
    const ns = type.namespaced ? info.namespace : undefined;
    if (info.subresource) { await this.subresource(req, res, type, info, method); return; }
    const asTable = wantsTable(req.headers.accept);
    switch (verb) {
      case 'get': {
        const o = this.o.store.mustGet(type, ns, info.name ?? '');
        sendJson(res, 200, asTable ? toTable(type.kind, [o], o.metadata.resourceVersion) : o);
        return;
      }
      case 'list': case 'watch': {
        const labels = parseLabelSelector(info.query.get('labelSelector'));
        const fields = parseFieldSelector(info.query.get('fieldSelector'), type.kind);
        if (watch) {
          serveWatch(this.o.store, res, {
            type, namespace: ns, labels, fields, resourceVersion: info.query.get('resourceVersion'),
            allowBookmarks: boolParam(info.query, 'allowWatchBookmarks'), timeoutSeconds: Number(info.query.get('timeoutSeconds') ?? 0),
            asTable, bookmarkIntervalMs: this.o.bookmarkIntervalMs ?? 10_000,
          });
          return;
        }
        const rv = this.o.store.resourceVersion;
        const all = this.o.store.list(type, ns).filter((o) => labels(o.metadata.labels) && fields(o));
        const { items, meta } = paginate(all, info.query, rv);
        if (asTable) { sendJson(res, 200, { ...toTable(type.kind, items, rv), metadata: meta }); return; }
        sendJson(res, 200, { kind: `${type.kind}List`, apiVersion: apiVersionOf(type), metadata: meta, items });
        return;
      }
      case 'create': {
        const body = parseJson(await readBody(req));
        if (!isRecord(body) || !isRecord(body.metadata)) throw badRequest('the body must be an object with metadata');
        if (type.resource !== 'pods' || !ns) throw methodNotAllowed();
        sendJson(res, 201, this.o.hooks.createPod(ns, body as unknown as KObject));
        return;
      }
      case 'delete': {
        if (type.resource !== 'pods' || !ns || !info.name) throw methodNotAllowed();
        sendJson(res, 200, this.o.hooks.deletePod(ns, info.name));
        return;
      }
      default: throw methodNotAllowed();
    }
  }

  private async subresource(req: IncomingMessage, res: ServerResponse, type: ResourceType, info: RequestInfo, method: string): Promise<void> {
    const ns = info.namespace ?? '';
    const name = info.name ?? '';
    if (type.resource !== 'pods') throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
    switch (info.subresource) {
      case 'log':
        if (method !== 'GET') throw methodNotAllowed();
        await this.o.hooks.log(req, res, ns, name, info.query);
        return;
      case 'status': case 'ephemeralcontainers':
        if (method === 'GET') { sendJson(res, 200, this.o.store.mustGet(type, ns, name)); return; }
        if (info.subresource === 'ephemeralcontainers' && (method === 'PATCH' || method === 'PUT')) {
          const user = this.authenticate(req);
          if (!user) throw new ApiError(401, 'Unauthorized', 'Unauthorized');
          const body = await readBody(req);
          sendJson(res, 200, this.o.hooks.patchEphemeral(ns, name, method, req.headers['content-type'] ?? '', body, user));
          return;
        }
        throw methodNotAllowed();
      case 'exec': case 'attach':
        throw badRequest('Upgrade request required');
      default:
        throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
    }
  }

  private selfSubjectAccessReview(body: unknown, user: LabUser): Record<string, unknown> {
    if (!isRecord(body) || !isRecord(body.spec)) throw badRequest('spec is required');
    const ra = body.spec.resourceAttributes;
    let ok = true;
    if (isRecord(ra)) {
      const s = (k: string): string => (typeof ra[k] === 'string' ? ra[k] : '');
      ok = allowed(user.role, { verb: s('verb'), group: s('group'), resource: s('resource'), subresource: s('subresource') || undefined, namespace: s('namespace') || undefined, name: s('name') || undefined });
    }
    return {
      kind: 'SelfSubjectAccessReview', apiVersion: 'authorization.k8s.io/v1', metadata: { creationTimestamp: null }, spec: body.spec,
      status: ok ? { allowed: true, reason: `RBAC: allowed by RoleBinding "lab-${user.role}" of ClusterRole "lab-${user.role}" to ServiceAccount "${user.role}/lab"` } : { allowed: false },
    };
  }

  private nonResource(res: ServerResponse, info: RequestInfo): void {
    const p = info.path.replace(/\/+$/, '') || '/';
    const segs = p.split('/').filter((s) => s);
    if (p === '/version') { sendJson(res, 200, SERVER_VERSION); return; }
    if (p === '/healthz' || p === '/readyz' || p === '/livez') { res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' }); res.end('ok'); return; }
    if (p === '/api') { sendJson(res, 200, apiVersions(`127.0.0.1:${this.port}`)); return; }
    if (p === '/apis') { sendJson(res, 200, apiGroupList()); return; }
    if (segs[0] === 'api' && segs.length === 2) {
      const l = apiResourceList('', segs[1]);
      if (l) { sendJson(res, 200, l); return; }
    }
    if (segs[0] === 'apis' && segs.length === 2) {
      const g = apiGroup(segs[1]);
      if (g) { sendJson(res, 200, g); return; }
    }
    if (segs[0] === 'apis' && segs.length === 3) {
      const l = apiResourceList(segs[1], segs[2]);
      if (l) { sendJson(res, 200, l); return; }
    }
    sendJson(res, 404, new ApiError(404, 'NotFound', 'the server could not find the requested resource').toStatus());
  }
}

function verbOf(method: string, info: RequestInfo, watch: boolean): string {
  switch (method) {
    case 'GET': case 'HEAD': return info.name ? 'get' : watch ? 'watch' : 'list';
    case 'POST': return 'create';
    case 'PUT': return 'update';
    case 'PATCH': return 'patch';
    case 'DELETE': return info.name ? 'delete' : 'deletecollection';
    default: return method.toLowerCase();
  }
}

/** limit/continue: the continue token is an opaque offset into the (sorted) list. */
function paginate(all: KObject[], q: URLSearchParams, rv: string): { items: KObject[]; meta: Record<string, unknown> } {
  let start = 0;
  const token = q.get('continue');
  if (token) {
    const m = /^(\d+):(\d+)$/.exec(Buffer.from(token, 'base64url').toString());
    if (!m) throw badRequest('continue key is not valid: the continue token is malformed');
    start = Number(m[2]);
  }
  const limit = Number(q.get('limit') ?? 0);
  if (!Number.isInteger(limit) || limit <= 0 || start + limit >= all.length) return { items: all.slice(start), meta: { resourceVersion: rv } };
  const next = Buffer.from(`${rv}:${start + limit}`).toString('base64url');
  return { items: all.slice(start, start + limit), meta: { resourceVersion: rv, continue: next, remainingItemCount: all.length - start - limit } };
}
