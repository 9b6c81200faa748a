// A byte forwarder between a listening address and a target, each either `host:port` or a
// unix socket path. The host's kubectl reaches the apiserver through two of them: host
// loopback → unix socket (a host process) and unix socket → apiserver (inside the node's
// namespace), so nothing of the lab listens beyond loopback in the host's namespace.
import { writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

type Endpoint = { path: string } | { host: string; port: number };

export function parseEndpoint(s: string): Endpoint {
  if (s.startsWith('/')) return { path: s };
  const at = s.lastIndexOf(':');
  const port = Number(s.slice(at + 1));
  if (at < 1 || !Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`not host:port or an absolute socket path: ${s}`);
  return { host: s.slice(0, at), port };
}

/** At most this many connections at once (kubectl watches and exec streams are long-lived). */
const MAX_CONNECTIONS = 512;

export async function startForwarder(listen: string, target: string): Promise<Server> {
  const l = parseEndpoint(listen);
  const t = parseEndpoint(target);
  if ('path' in l) await rm(l.path, { force: true });
  const server = createServer({ pauseOnConnect: false }, (client: Socket) => {
    const upstream = 'path' in t ? connect(t.path) : connect(t.port, t.host);
    const end = (): void => { client.destroy(); upstream.destroy(); };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  server.maxConnections = MAX_CONNECTIONS;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    if ('path' in l) server.listen(l.path, resolve); else server.listen(l.port, l.host, resolve);
  });
  return server;
}

export async function forward(listen: string, target: string, infoFile: string): Promise<number> {
  const server = await startForwarder(listen, target);
  const a = server.address() as AddressInfo | string;
  writeFileSync(infoFile, JSON.stringify(typeof a === 'string' ? { path: a } : { host: a.address, port: a.port, pid: process.pid }));
  await new Promise<void>((resolve) => { for (const s of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(s, () => resolve()); });
  server.close();
  return 0;
}
