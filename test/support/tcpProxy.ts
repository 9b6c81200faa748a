// A TCP proxy on 127.0.0.1 in front of a server, for fault injection: `dropAll()` cuts every
// connection in the middle, as a broken network or an API server restart would.
import { createServer, connect, type Socket, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface TcpProxy {
  port: number;
  dropAll(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(targetPort, targetHost);
    sockets.add(client);
    sockets.add(upstream);
    const done = (): void => { client.destroy(); upstream.destroy(); sockets.delete(client); sockets.delete(upstream); };
    client.on('error', done).on('close', done);
    upstream.on('error', done).on('close', done);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    dropAll() { for (const s of sockets) s.destroy(); sockets.clear(); },
    close() { for (const s of sockets) s.destroy(); return new Promise((r) => server.close(() => r())); },
  };
}
