// A flow's JSON text written straight from the flow table into a ByteWriter: the same text,
// key for key, as `JSON.stringify` of its FlowRecord (buildSummary.ts), with no record
// object, no string and no array made per flow.

import type { FlowAnalyzer } from './flowAnalyzer.js';
import type { ByteWriter } from './byteWriter.js';
import { FLAG_CLIENT_BY_SYN, FLAG_CLIENT_BY_SYNACK, FLAG_FIN, FLAG_RST, FLAG_SYN, FLAG_SYNACK, S_BYTES, S_PKTS } from './flowTable.js';
import { formatIpv6Words, IsoTimeBytes } from './format.js';

function protocolKey(p: number): string {
  switch (p) {
    case 6: return '{"protocol":"tcp","client":{"ip":"';
    case 17: return '{"protocol":"udp","client":{"ip":"';
    case 1: return '{"protocol":"icmp","client":{"ip":"';
    case 58: return '{"protocol":"icmpv6","client":{"ip":"';
    default: return `{"protocol":"ip-${p}","client":{"ip":"`;
  }
}

export class FlowJsonWriter {
  private readonly firstTime = new IsoTimeBytes();
  private readonly lastTime = new IsoTimeBytes();

  constructor(private readonly a: FlowAnalyzer) {}

  /** Writes flow f's JSON object without its closing brace (annotations may follow). */
  open(f: number, w: ByteWriter): void {
    const t = this.a.table;
    const proto = t.protocol(f);
    const fl = t.flagsOf(f);
    const ports = t.keyWord(f, 9);
    const withPorts = proto === 6 || proto === 17;
    w.ascii(protocolKey(proto));
    this.ip(f, 1, w);
    if (withPorts) {
      w.ascii('","port":');
      w.num(ports >>> 16);
      w.ascii('},"server":{"ip":"');
    } else w.ascii('"},"server":{"ip":"');
    this.ip(f, 5, w);
    if (withPorts) {
      w.ascii('","port":');
      w.num(ports & 0xffff);
      w.ascii('},"packets":{"fromClient":');
    } else w.ascii('"},"packets":{"fromClient":');
    w.num(t.stat(f, S_PKTS));
    w.ascii(',"fromServer":');
    w.num(t.stat(f, S_PKTS + 1));
    w.ascii('},"bytes":{"fromClient":');
    w.num(t.stat(f, S_BYTES));
    w.ascii(',"fromServer":');
    w.num(t.stat(f, S_BYTES + 1));
    w.ascii('},"firstSeen":"');
    this.firstTime.write(w, t.firstSec(f), t.firstNs(f));
    w.ascii('","lastSeen":"');
    this.lastTime.write(w, t.lastSec(f), t.lastNs(f));
    w.ascii(fl & FLAG_CLIENT_BY_SYN ? '","clientBy":"syn","activity":{"firstBucket":'
      : fl & FLAG_CLIENT_BY_SYNACK ? '","clientBy":"syn-ack","activity":{"firstBucket":' : '","clientBy":"first-packet","activity":{"firstBucket":');
    const lo = t.activityStart(f);
    const hi = t.activityEnd(f);
    w.num(lo);
    w.ascii(',"packets":[');
    for (let i = lo; i < hi; i++) {
      if (i > lo) w.ascii(',');
      w.num(t.activityPackets(f, i));
    }
    w.ascii('],"bytes":[');
    for (let i = lo; i < hi; i++) {
      if (i > lo) w.ascii(',');
      w.num(t.activityBytes(f, i));
    }
    w.ascii(']}');
    const fragC = t.fragPkts(f, 0);
    const fragS = t.fragPkts(f, 1);
    if (fragC || fragS) {
      w.ascii(',"ipFragments":{"packets":{"fromClient":');
      w.num(fragC);
      w.ascii(',"fromServer":');
      w.num(fragS);
      w.ascii('},"bytes":{"fromClient":');
      w.num(t.fragBytes(f, 0));
      w.ascii(',"fromServer":');
      w.num(t.fragBytes(f, 1));
      w.ascii('}}');
    }
    if (proto === 6) {
      let names = '';
      if (fl & FLAG_SYN) names += ',"SYN"';
      if (fl & FLAG_SYNACK) names += ',"SYN-ACK"';
      if (fl & FLAG_FIN) names += ',"FIN"';
      if (fl & FLAG_RST) names += ',"RST"';
      w.ascii(',"flags":[');
      w.ascii(names.slice(1));
      w.ascii(']');
    }
    const depth = t.depthOf(f);
    if (depth > 0) {
      w.ascii(',"tunnelDepth":');
      w.num(depth);
    }
    const hints = this.a.hints;
    hints.dnsStore.writeJson(f, w);
    const sni = hints.sniOf(f);
    if (sni >= 0) {
      w.ascii(',"tlsSni":"');
      w.room(hints.names.length(sni) * 2);
      w.pos = hints.names.writeJson(sni, w.buf, w.pos);
      w.ascii('"');
    }
    const http = hints.httpOf(f);
    if (http) {
      w.ascii(',"http":{"method":');
      w.str(http.method);
      w.ascii(',"path":');
      w.str(http.path);
      w.ascii(',"version":');
      w.str(http.version);
      if (http.host !== undefined) {
        w.ascii(',"host":');
        w.str(http.host);
      }
      w.ascii('}');
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
