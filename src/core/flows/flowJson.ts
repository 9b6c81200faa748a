// A flow's JSON text written straight from the flow table into a ByteWriter: the same text,
// key for key, as `JSON.stringify` of its FlowRecord (buildSummary.ts), with no record
// object, no string and no array made per flow.

import type { FlowAccounting } from './flowAccounting.js';
import { Konst, type ByteWriter } from './byteWriter.js';
import { FLAG_CLIENT_BY_SYN, FLAG_CLIENT_BY_SYNACK, FLAG_FIN, FLAG_RST, FLAG_SYN, FLAG_SYNACK, S_BYTES, S_PKTS } from './flowTable.js';
import { formatIpv6Words, IsoTimeBytes } from './format.js';

const K = {
  tcp: new Konst('{"protocol":"tcp","client":{"ip":"'),
  udp: new Konst('{"protocol":"udp","client":{"ip":"'),
  icmp: new Konst('{"protocol":"icmp","client":{"ip":"'),
  icmpv6: new Konst('{"protocol":"icmpv6","client":{"ip":"'),
  port: new Konst('","port":'),
  serverAfterPort: new Konst('},"server":{"ip":"'),
  server: new Konst('"},"server":{"ip":"'),
  packetsAfterPort: new Konst('},"packets":{"fromClient":'),
  packets: new Konst('"},"packets":{"fromClient":'),
  fromServer: new Konst(',"fromServer":'),
  bytes: new Konst('},"bytes":{"fromClient":'),
  firstSeen: new Konst('},"firstSeen":"'),
  lastSeen: new Konst('","lastSeen":"'),
  bySyn: new Konst('","clientBy":"syn","activity":{"firstBucket":'),
  bySynAck: new Konst('","clientBy":"syn-ack","activity":{"firstBucket":'),
  byFirst: new Konst('","clientBy":"first-packet","activity":{"firstBucket":'),
  actPackets: new Konst(',"packets":['),
  actBytes: new Konst('],"bytes":['),
  actEnd: new Konst(']}'),
  before: new Konst(',"beforeAlert":{"packets":'),
  beforeBytes: new Konst(',"bytes":'),
  frag: new Konst(',"ipFragments":{"packets":{"fromClient":'),
  fragEnd: new Konst('}}'),
  flags: new Konst(',"flags":['),
  depth: new Konst(',"tunnelDepth":'),
  sni: new Konst(',"tlsSni":"'),
  method: new Konst(',"http":{"method":"'),
  path: new Konst('","path":"'),
  version: new Konst('","version":"'),
  host: new Konst('","host":"'),
};
/** `"SYN","SYN-ACK",…` for each combination of the four flag bits. */
const FLAG_TEXT = Array.from({ length: 16 }, (_, x) => new Konst([x & 1 ? '"SYN"' : '', x & 2 ? '"SYN-ACK"' : '', x & 4 ? '"FIN"' : '', x & 8 ? '"RST"' : '']
  .filter(Boolean).join(',') + ']'));

const OTHER_PROTOCOLS = new Map<number, Konst>();

function protocolKey(p: number): Konst {
  switch (p) {
    case 6: return K.tcp;
    case 17: return K.udp;
    case 1: return K.icmp;
    case 58: return K.icmpv6;
    default: {
      let k = OTHER_PROTOCOLS.get(p);
      if (!k) OTHER_PROTOCOLS.set(p, (k = new Konst(`{"protocol":"ip-${p}","client":{"ip":"`)));
      return k;
    }
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
    w.k(protocolKey(proto));
    this.ip(f, 1, w);
    if (withPorts) {
      w.k(K.port);
      w.num(ports >>> 16);
      w.k(K.serverAfterPort);
    } else w.k(K.server);
    this.ip(f, 5, w);
    if (withPorts) {
      w.k(K.port);
      w.num(ports & 0xffff);
      w.k(K.packetsAfterPort);
    } else w.k(K.packets);
    w.num(t.stat(f, S_PKTS));
    w.k(K.fromServer);
    w.num(t.stat(f, S_PKTS + 1));
    w.k(K.bytes);
    w.num(t.stat(f, S_BYTES));
    w.k(K.fromServer);
    w.num(t.stat(f, S_BYTES + 1));
    w.k(K.firstSeen);
    this.firstTime.write(w, t.firstSec(f), t.firstNs(f));
    w.k(K.lastSeen);
    this.lastTime.write(w, t.lastSec(f), t.lastNs(f));
    w.k(fl & FLAG_CLIENT_BY_SYN ? K.bySyn : fl & FLAG_CLIENT_BY_SYNACK ? K.bySynAck : K.byFirst);
    const lo = t.activityStart(f);
    const hi = t.activityEnd(f);
    w.num(lo);
    w.k(K.actPackets);
    for (let i = lo; i < hi; i++) {
      if (i > lo) w.byte(0x2c);
      w.num(t.activityPackets(f, i));
    }
    w.k(K.actBytes);
    for (let i = lo; i < hi; i++) {
      if (i > lo) w.byte(0x2c);
      w.num(t.activityBytes(f, i));
    }
    w.k(K.actEnd);
    const before = this.a.before.packets(f);
    if (before > 0) {
      w.k(K.before);
      w.num(before);
      w.k(K.beforeBytes);
      w.num(this.a.before.bytes(f));
      w.byte(0x7d);
    }
    this.fragKeys(f, w);
    if (proto === 6) {
      w.k(K.flags);
      w.k(FLAG_TEXT[(fl & FLAG_SYN ? 1 : 0) | (fl & FLAG_SYNACK ? 2 : 0) | (fl & FLAG_FIN ? 4 : 0) | (fl & FLAG_RST ? 8 : 0)]);
    }
    const depth = t.depthOf(f);
    if (depth > 0) {
      w.k(K.depth);
      w.num(depth);
    }
    this.hintKeys(f, w);
  }

  /** The record's `ipFragments`, `dns`, `tlsSni` and `http` keys of flow f (those it has), each
   *  with its leading comma: what the flow columns keep of a record as JSON text (a DNS answer
   *  for its question's own name with `"name":0`: see DnsStore.writeJson). */
  extraKeys(f: number, w: ByteWriter): void {
    this.fragKeys(f, w);
    this.hintKeys(f, w, true);
  }

  private fragKeys(f: number, w: ByteWriter): void {
    const t = this.a.table;
    if (!t.hasFrags(f)) return;
    w.k(K.frag);
    w.num(t.fragPkts(f, 0));
    w.k(K.fromServer);
    w.num(t.fragPkts(f, 1));
    w.k(K.bytes);
    w.num(t.fragBytes(f, 0));
    w.k(K.fromServer);
    w.num(t.fragBytes(f, 1));
    w.k(K.fragEnd);
  }

  private hintKeys(f: number, w: ByteWriter, sameAsZero = false): void {
    const hints = this.a.hints;
    if (!hints.any(f)) return;
    hints.dnsStore.writeJson(f, w, sameAsZero);
    const sni = hints.sniOf(f);
    if (sni >= 0) {
      w.k(K.sni);
      hints.names.writeTo(w, sni);
      w.byte(0x22);
    }
    const r = hints.requestOf(f);
    if (r >= 0) {
      const q = hints.requestIds;
      const names = hints.names;
      w.k(K.method);
      names.writeTo(w, q[r]);
      w.k(K.path);
      names.writeTo(w, q[r + 1]);
      w.k(K.version);
      names.writeTo(w, q[r + 2]);
      if (q[r + 3] >= 0) {
        w.k(K.host);
        names.writeTo(w, q[r + 3]);
      }
      w.byte(0x22);
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
      w.byte(0x2e);
      w.num((v >>> 16) & 255);
      w.byte(0x2e);
      w.num((v >>> 8) & 255);
      w.byte(0x2e);
      w.num(v & 255);
    } else {
      w.ascii(formatIpv6Words(t.keyWord(f, k), t.keyWord(f, k + 1), t.keyWord(f, k + 2), t.keyWord(f, k + 3)));
    }
  }
}
