// The recorder's logic on synthetic Linux-cooked-v2 packets: interfaces tied to pods by what
// they send, bridges and unknown interfaces left out (bounded while unknown), and cuts — the held
// part and the live part, the window's edges, the filter, one interface block per pod interface,
// and requests from the network checked before anything is done.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Pod } from '@kubernetes/client-node';
import { FlightRecorder } from '../../../src/core/recorder/flightRecorder.js';
import { PodIndex } from '../../../src/core/recorder/podIndex.js';
import { checkCutRequest, CutError, startCut } from '../../../src/core/recorder/cut.js';
import { CaptureReader } from '../../../src/core/pcap/captureReader.js';
import type { InterfaceInfo, PacketRecord } from '../../../src/core/pcap/types.js';
import { requireTool } from '../../support/prereq.js';

/** An SLL2 frame: IPv4/UDP from src:sport to dst:dport on interface `ifindex`. */
function frame(ifindex: number, pkttype: number, src: string, dst: string, sport: number, dport: number, payload = 20): Uint8Array {
  const b = new Uint8Array(20 + 20 + 8 + payload);
  const v = new DataView(b.buffer);
  v.setUint16(0, 0x0800); v.setUint32(4, ifindex); v.setUint16(8, 1); b[10] = pkttype; b[11] = 6;
  const ip = 20;
  b[ip] = 0x45; v.setUint16(ip + 2, 28 + payload); b[ip + 8] = 64; b[ip + 9] = 17;
  b.set(src.split('.').map(Number), ip + 12); b.set(dst.split('.').map(Number), ip + 16);
  v.setUint16(ip + 20, sport); v.setUint16(ip + 22, dport); v.setUint16(ip + 24, 8 + payload);
  return b;
}

function rec(data: Uint8Array, tsSec: number, tsNsec = 0): PacketRecord {
  return { buf: data, offset: 0, capLen: data.length, origLen: data.length, linkType: 276, tsSec, tsNsec, interfaceId: 0, sectionIndex: 0, index: 0, comments: [] };
}

function pod(ns: string, name: string, uid: string, ip: string, extra: Partial<V1Pod['spec']> = {}): V1Pod {
  return { metadata: { namespace: ns, name, uid }, spec: { nodeName: 'n1', containers: [], ...extra }, status: { phase: 'Running', podIPs: [{ ip }] } };
}

function setup(now: { ms: number }) {
  const logs: string[] = [];
  const pods = new PodIndex({ node: 'n1', keepSeconds: 120, selection: { namespaces: [], excludeNamespaces: ['kube-system'], labelSelector: '' }, now: () => now.ms });
  pods.seen(pod('shop', 'api-1', 'u-api', '10.244.0.4'));
  pods.seen(pod('shop', 'db-1', 'u-db', '10.244.0.3'));
  pods.seen(pod('kube-system', 'coredns', 'u-dns', '10.244.0.2'));
  pods.seen(pod('shop', 'hostnet', 'u-hn', '10.98.0.2', { hostNetwork: true }));
  const r = new FlightRecorder({
    limits: { windowSeconds: 120, budgetBytes: 8 << 20 }, pods, log: (_l, m) => logs.push(m), now: () => now.ms,
    startCapture: () => { throw new Error('not in this test'); },
    interfaces: async () => new Map([[1, { name: 'lo', kind: 'loopback' as const }], [3, { name: 'cni0', kind: 'bridge' as const }], [6, { name: 'vethapi', kind: 'other' as const }], [5, { name: 'vethdb', kind: 'other' as const }]]),
    pending: { seconds: 30, bytes: 2000 },
  });
  return { r, pods, logs };
}

describe('FlightRecorder', () => {
  it('ties an interface to the pod whose IP sends on it, and leaves out other pods and unknown interfaces (bounded)', async () => {
    const now = { ms: 1_000_000 };
    const { r, logs } = setup(now);
    await (r as unknown as { refreshNames(f: boolean): Promise<void> }).refreshNames(true);
    r.packet(rec(frame(6, 4, '10.244.0.3', '10.244.0.4', 5432, 40000), 1000)); // outgoing into the api pod: teaches nothing
    assert.equal(r.interfaces.get(6)!.state, 'pending');
    r.packet(rec(frame(6, 0, '10.244.0.4', '203.0.113.66', 40000, 4444), 1000)); // sent by the api pod
    assert.equal(r.interfaces.get(6)!.state, 'pod');
    assert.equal(r.interfaces.get(6)!.podUid, 'u-api');
    assert.ok(logs.some((l) => /interface vethapi \(index 6\) is pod shop\/api-1's \(10\.244\.0\.4\)/.test(l)));
    // The bridge is known by its kind; a coredns interface never maps (kube-system is excluded) and stops being held.
    r.packet(rec(frame(3, 0, '10.244.0.4', '10.244.0.1', 1, 2), 1000));
    assert.equal(r.interfaces.get(3)!.state, 'not-recorded');
    for (let i = 0; i < 40; i++) r.packet(rec(frame(9, 0, '10.244.0.2', '10.244.0.4', 53, 5353), 1000));
    assert.equal(r.interfaces.get(9)!.state, 'not-recorded');
    assert.equal(r.ring.stats(9), undefined, 'what it held while unknown is dropped');
    assert.ok(r.counters.notRecorded > 0);
    // An unnamed interface on which two running pods send is a bridge.
    r.packet(rec(frame(12, 0, '10.244.0.4', '1.1.1.1', 1, 2), 1000));
    r.packet(rec(frame(12, 0, '10.244.0.3', '1.1.1.1', 1, 2), 1000));
    assert.equal(r.interfaces.get(12)!.state, 'shared');
    assert.equal(r.ring.stats(12), undefined);
    assert.deepEqual(r.interfacesOf(r.podsNamed('shop', 'api-1')[0]).map((i) => i.ifindex), [6]);
  });

  it('cuts the pod\'s window: what it held, then what arrives until the window closes, through the filter', async (t) => {
    if (!requireTool(t, 'tcpdump')) return;
    const now = { ms: 1_000_000 };
    const { r } = setup(now);
    for (let s = 900; s < 1000; s++) {
      r.packet(rec(frame(6, 0, '10.244.0.4', '203.0.113.66', 40000 + s, 4444), s, 5));
      r.packet(rec(frame(6, 0, '10.244.0.4', '10.96.0.10', 33000, 53), s, 7));
      r.packet(rec(frame(5, 0, '10.244.0.3', '10.244.0.9', 5432, 1234), s, 9)); // the db pod: another pod
    }
    now.ms = 1000 * 1000;
    await assert.rejects(startCut(r, { namespace: 'shop', pod: 'nope', alertTime: '1970-01-01T00:16:40Z', beforeSeconds: 60, afterSeconds: 2, filter: '' }, { node: 'n1', now: () => now.ms }),
      (e: Error) => e instanceof CutError && e.status === 404 && /pod shop\/nope is not recorded on node n1/.test(e.message));
    await assert.rejects(startCut(r, { namespace: 'shop', pod: 'api-1', alertTime: '1970-01-01T00:16:40Z', beforeSeconds: 60, afterSeconds: 2, filter: 'port 99999' }, { node: 'n1', now: () => now.ms }),
      (e: Error) => e instanceof CutError && e.status === 400 && /does not compile/.test(e.message));
    // Alert at 1000 s: 60 s before → 2 s after; the filter keeps the C2 port only.
    const cut = await startCut(r, { namespace: 'shop', pod: 'api-1', alertTime: '1970-01-01T00:16:40Z', beforeSeconds: 60, afterSeconds: 2, filter: 'udp port 4444' }, { node: 'n1', now: () => now.ms });
    assert.deepEqual(cut.info.interfaces, [{ ifindex: 6, name: 'vethapi' }]);
    const out: PacketRecord[] = [];
    const ifs: InterfaceInfo[] = [];
    const reader = new CaptureReader({ packet: (p) => out.push({ ...p, buf: p.buf.slice(p.offset, p.offset + p.capLen), offset: 0 }), interface: (i) => ifs.push(i) });
    const consumed = (async () => { for await (const chunk of cut.stream) reader.push(chunk); })();
    await new Promise((res) => setTimeout(res, 20));
    // Live: one in the window, one after it, one of the db pod.
    r.packet(rec(frame(6, 0, '10.244.0.4', '203.0.113.66', 41000, 4444), 1001));
    r.packet(rec(frame(6, 0, '10.244.0.4', '203.0.113.66', 41001, 4444), 1003));
    r.packet(rec(frame(5, 0, '10.244.0.3', '203.0.113.66', 41002, 4444), 1001));
    now.ms = 1004 * 1000; // the window (+1 s) is over: the cut ends at its next check
    await consumed;
    reader.end();
    assert.equal(ifs.length, 1);
    assert.equal(ifs[0].name, 'vethapi');
    assert.match(ifs[0].description ?? '', /pod shop\/api-1 \(host side of its interface, node n1\), recorded/);
    const secs = out.map((p) => p.tsSec);
    assert.equal(secs[0], 940, 'from alert − 60 s');
    assert.equal(out.length, 60 + 1, '60 held C2 packets (940…999) and the live one at 1001');
    assert.equal(secs[secs.length - 1], 1001);
    assert.ok(out.every((p) => new DataView(p.buf.buffer, p.buf.byteOffset).getUint16(42) === 4444), 'only the filter\'s packets');
    assert.equal(cut.lost, 0);
  });

  it('checks a cut request from the network before doing anything', () => {
    const good = { namespace: 'shop', pod: 'api-1', alertTime: '2026-12-01T08:16:05.123456789Z', beforeSeconds: 60, afterSeconds: 30, filter: 'port 53' };
    assert.deepEqual(checkCutRequest(good, false), good);
    const bad: [unknown, RegExp][] = [
      [null, /not a JSON object/], [[], /not a JSON object/],
      [{ ...good, pod: 'api; rm -rf /' }, /not a valid Kubernetes pod name/],
      [{ ...good, namespace: '../etc' }, /not a valid Kubernetes namespace name/],
      [{ ...good, alertTime: 'yesterday' }, /alertTime/],
      [{ ...good, beforeSeconds: -1 }, /beforeSeconds/], [{ ...good, afterSeconds: 1e9 }, /afterSeconds/], [{ ...good, beforeSeconds: 1.5 }, /beforeSeconds/],
      [{ ...good, filter: 'port 53\nor port 80' }, /filter/], [{ ...good, filter: 'x'.repeat(5000) }, /filter/], [{ ...good, filter: 7 }, /filter/],
      [{ ...good, pod: undefined }, /namespace and pod are required/],
    ];
    for (const [v, re] of bad) assert.throws(() => checkCutRequest(v, false), (e: Error) => e instanceof CutError && e.status === 400 && re.test(e.message), JSON.stringify(v)?.slice(0, 80));
  });
});
