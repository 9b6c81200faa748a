// The network context of an alert: client/server IP and port and L4 protocol, from
// fd.cip/fd.cport/fd.sip/fd.sport/fd.l4proto, else fd.name ("cip:cport->sip:sport", IPv6
// without brackets: split on "->", then on the LAST ":"), else fd.lip/fd.rip (+ lport/rport).
import type { Endpoint, NetworkContext, NetworkOrigin } from './types.js';
import type { FieldReader } from './fieldReader.js';
import { checkIp, checkL4proto, checkPort } from './validate.js';

interface Tuple { client: { ip: string; port: string }; server: { ip: string; port: string } }

/** Splits `cip:cport->sip:sport`; null if `fd.name` is not such a tuple (a file path, a unix socket). */
export function splitFdName(name: string): Tuple | null | 'malformed' {
  const arrow = name.indexOf('->');
  if (arrow < 0 || name.indexOf('->', arrow + 2) >= 0) return arrow < 0 ? null : 'malformed';
  const left = name.slice(0, arrow);
  const right = name.slice(arrow + 2);
  const lc = left.lastIndexOf(':');
  const rc = right.lastIndexOf(':');
  // Unix sockets print "ffff9e…->ffff9e… /path": no ':' on either side.
  if (lc < 0 && rc < 0) return null;
  if (lc < 0 || rc < 0) return 'malformed';
  return {
    client: { ip: left.slice(0, lc), port: left.slice(lc + 1) },
    server: { ip: right.slice(0, rc), port: right.slice(rc + 1) },
  };
}

const ACCEPT_EVENTS = new Set(['accept', 'accept4', 'listen']);

export function readNetwork(r: FieldReader): NetworkContext | null {
  const origins = new Set<NetworkOrigin>();
  const client: Endpoint = { ip: r.field('fd.cip', checkIp), port: r.field('fd.cport', checkPort) };
  const server: Endpoint = { ip: r.field('fd.sip', checkIp), port: r.field('fd.sport', checkPort) };
  if (client.ip !== null || client.port !== null || server.ip !== null || server.port !== null) origins.add('fd.cip/fd.sip');
  const l4proto = r.field('fd.l4proto', checkL4proto);

  const name = r.rawField('fd.name');
  if (typeof name === 'string' && name.includes('->')) {
    const t = splitFdName(name);
    if (t === 'malformed') {
      r.problem('fd.name', name, 'has "->" but is not "ip:port->ip:port"');
    } else if (t !== null) {
      const cip = checkIp(t.client.ip), sip = checkIp(t.server.ip);
      const cport = checkPort(t.client.port), sport = checkPort(t.server.port);
      const bad = [cip, sip, cport, sport].find((c) => !c.ok);
      if (bad && !bad.ok) {
        r.problem('fd.name', name, `not "ip:port->ip:port": ${bad.reason}`);
      } else if (cip.ok && sip.ok && cport.ok && sport.ok) {
        let used = false;
        if (client.ip === null) { client.ip = cip.value; used = true; }
        if (client.port === null) { client.port = cport.value; used = true; }
        if (server.ip === null) { server.ip = sip.value; used = true; }
        if (server.port === null) { server.port = sport.value; used = true; }
        if (used) origins.add('fd.name');
      }
    }
  }

  const local: Endpoint = { ip: r.field('fd.lip', checkIp), port: r.field('fd.lport', checkPort) };
  const remote: Endpoint = { ip: r.field('fd.rip', checkIp), port: r.field('fd.rport', checkPort) };
  if (local.ip !== null || remote.ip !== null || local.port !== null || remote.port !== null) {
    // Local is the client of an outgoing connection and the server of an accepted one.
    const evtType = r.rawField('evt.type');
    const inbound = typeof evtType === 'string' && ACCEPT_EVENTS.has(evtType);
    const [asClient, asServer] = inbound ? [remote, local] : [local, remote];
    let used = false;
    if (client.ip === null && asClient.ip !== null) { client.ip = asClient.ip; used = true; }
    if (client.port === null && asClient.port !== null) { client.port = asClient.port; used = true; }
    if (server.ip === null && asServer.ip !== null) { server.ip = asServer.ip; used = true; }
    if (server.port === null && asServer.port !== null) { server.port = asServer.port; used = true; }
    if (used) origins.add('fd.lip/fd.rip');
  }

  if (origins.size === 0 && l4proto === null) return null;
  return { client, server, local, remote, l4proto, origins: [...origins] };
}
