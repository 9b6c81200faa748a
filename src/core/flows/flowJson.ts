// A flow's JSON text written straight from the flow table into a ByteWriter: the same text,
// key for key, as `JSON.stringify` of its FlowRecord (buildSummary.ts), with no record
// object, no string and no array made per flow.

import type { FlowAccounting } from './flowAccounting.js';
import { bytesOf, type ByteWriter } from './byteWriter.js';
import { FLAG_CLIENT_BY_SYN, FLAG_CLIENT_BY_SYNACK, FLAG_FIN, FLAG_RST, FLAG_SYN, FLAG_SYNACK, S_BYTES, S_PKTS } from './flowTable.js';
import { formatIpv6Words, IsoTimeBytes } from './format.js';

const K = {
  tcp: bytesOf('{"protocol":"tcp","client":{"ip":"'),
  udp: bytesOf('{"protocol":"udp","client":{"ip":"'),
  icmp: bytesOf('{"protocol":"icmp","client":{"ip":"'),
  icmpv6: bytesOf('{"protocol":"icmpv6","client":{"ip":"'),
  port: bytesOf('","port":'),
  serverAfterPort: bytesOf('},"server":{"ip":"'),
  server: bytesOf('"},"server":{"ip":"'),
  packetsAfterPort: bytesOf('},"packets":{"fromClient":'),
  packets: bytesOf('"},"packets":{"fromClient":'),
  fromServer: bytesOf(',"fromServer":'),
  bytes: bytesOf('},"bytes":{"fromClient":'),
  firstSeen: bytesOf('},"firstSeen":"'),
  lastSeen: bytesOf('","lastSeen":"'),
  bySyn: bytesOf('","clientBy":"syn","activity":{"firstBucket":'),
  bySynAck: bytesOf('","clientBy":"syn-ack","activity":{"firstBucket":'),
  byFirst: bytesOf('","clientBy":"first-packet","activity":{"firstBucket":'),
  actPackets: bytesOf(',"packets":['),
  actBytes: bytesOf('],"bytes":['),
  actEnd: bytesOf(']}'),
  frag: bytesOf(',"ipFragments":{"packets":{"fromClient":'),
  fragEnd: bytesOf('}}'),
  flags: bytesOf(',"flags":['),
  depth: bytesOf(',"tunnelDepth":'),
  sni: bytesOf(',"tlsSni":"'),
  method: bytesOf(',"http":{"method":'),
  path: bytesOf(',"path":'),
  version: bytesOf(',"version":'),
  host: bytesOf(',"host":'),
};
/** `"SYN","SYN-ACK",…` for each combination of the four flag bits. */
const FLAG_TEXT = Array.from({ length: 16 }, (_, x) => bytesOf([x & 1 ? '"SYN"' : '', x & 2 ? '"SYN-ACK"' : '', x & 4 ? '"FIN"' : '', x & 8 ? '"RST"' : '']
  .filter(Boolean).join(',') + ']'));

function protocolKey(p: number): Uint8Array {
  switch (p) {
    case 6: return K.tcp;
    case 17: return K.udp;
    case 1: return K.icmp;
    case 58: return K.icmpv6;
    default: return bytesOf(`{"protocol":"ip-${p}","client":{"ip":"`);
  }
}

export class FlowJsonWriter {
  private readonly firstTime = new IsoTimeBytes();
  private readonly lastTime = new IsoTimeBytes();

  constructor(private readonly a: FlowAccounting) {}

  /** Writes flow f's JSON object without its closing brace (annotations may follow). */
  open(f: number, w: ByteWriter): void {
    const t = this.a.table;
    const proto = t.protocol(f);
    const fl = t.flagsOf(f);
    const ports = t.keyWord(f, 9);
    const withPorts = proto === 6 || proto === 17;
    w.raw(protocolKey(proto));
    this.ip(f, 1, w);
    if (withPorts) {
      w.raw(K.port);
      w.num(ports >>> 16);
      w.raw(K.serverAfterPort);
    } else w.raw(K.server);
    this.ip(f, 5, w);
    if (withPorts) {
      w.raw(K.port);
      w.num(ports & 0xffff);
      w.raw(K.packetsAfterPort);
    } else w.raw(K.packets);
    w.num(t.stat(f, S_PKTS));
    w.raw(K.fromServer);
    w.num(t.stat(f, S_PKTS + 1));
    w.raw(K.bytes);
    w.num(t.stat(f, S_BYTES));
    w.raw(K.fromServer);
    w.num(t.stat(f, S_BYTES + 1));
    w.raw(K.firstSeen);
    this.firstTime.write(w, t.firstSec(f), t.firstNs(f));
    w.raw(K.lastSeen);
    this.lastTime.write(w, t.lastSec(f), t.lastNs(f));
    w.raw(fl & FLAG_CLIENT_BY_SYN ? K.bySyn : fl & FLAG_CLIENT_BY_SYNACK ? K.bySynAck : K.byFirst);
    const lo = t.activityStart(f);
    const hi = t.activityEnd(f);
    w.num(lo);
    w.raw(K.actPackets);
    for (let i = lo; i < hi; i++) {
      if (i > lo) w.byte(0x2c);
      w.num(t.activityPackets(f, i));
    }
    w.raw(K.actBytes);
    for (let i = lo; i < hi; i++) {
      if (i > lo) w.byte(0x2c);
      w.num(t.activityBytes(f, i));
    }
    w.raw(K.actEnd);
    if (t.hasFrags(f)) {
      w.raw(K.frag);
      w.num(t.fragPkts(f, 0));
      w.raw(K.fromServer);
      w.num(t.fragPkts(f, 1));
      w.raw(K.bytes);
      w.num(t.fragBytes(f, 0));
      w.raw(K.fromServer);
      w.num(t.fragBytes(f, 1));
      w.raw(K.fragEnd);
    }
    if (proto === 6) {
      w.raw(K.flags);
      w.raw(FLAG_TEXT[(fl & FLAG_SYN ? 1 : 0) | (fl & FLAG_SYNACK ? 2 : 0) | (fl & FLAG_FIN ? 4 : 0) | (fl & FLAG_RST ? 8 : 0)]);
    }
    const depth = t.depthOf(f);
    if (depth > 0) {
      w.raw(K.depth);
      w.num(depth);
    }
    const hints = this.a.hints;
    if (!hints.any(f)) return;
    hints.dnsStore.writeJson(f, w);
    const sni = hints.sniOf(f);
    if (sni >= 0) {
      w.raw(K.sni);
      w.room(hints.names.length(sni) * 2);
      w.pos = hints.names.writeJson(sni, w.buf, w.pos);
      w.byte(0x22);
    }
    const http = hints.httpOf(f);
    if (http) {
      w.raw(K.method);
      w.str(http.method);
      w.raw(K.path);
      w.str(http.path);
      w.raw(K.version);
      w.str(http.version);
      if (http.host !== undefined) {
        w.raw(K.host);
        w.str(http.host);
      }
      w.byte(0x7d);
    }
  }

  /** Address of the side whose key words start at `k` (1 client, 5 server), as inet_ntop
   *  writes it (no quotes or backslashes can occur in it). */
  private ip(f: number, k: number, w: ByteWriter): void {
    const t = this.a.table;
    if (t.ipVersion(f) === 4) {
      const v = t.keyWord(f, k);
      w.num((v >>> 24) & 255);
      w.ascii('.');
      w.num((v >>> 16) & 255);
      w.ascii('.');
      w.num((v >>> 8) & 255);
      w.ascii('.');
      w.num(v & 255);
    } else {
      w.ascii(formatIpv6Words(t.keyWord(f, k), t.keyWord(f, k + 1), t.keyWord(f, k + 2), t.keyWord(f, k + 3)));
    }
  }
}
