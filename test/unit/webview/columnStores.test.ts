// The column builder's lookups by number (webview/columnStores.ts) against a Map, and the builder's
// name ids and chunked extra JSON against the record path: duplicate and empty DNS names, a
// TLS SNI and an HTTP request, two name tables, IPv4 addresses 0.0.0.0 and 255.255.255.255,
// and extra JSON far past one chunk, read back whole by recordAt.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IdValues, U32Ids } from '../../../webview/columnStores.js';
import { ColumnsBuilder } from '../../../webview/flowColumns.js';
import { recordAt } from '../../../webview/flowColumnsRead.js';
import { sameNamesAsZero } from '../../../webview/flowRecordText.js';
import { newFlowParts, type NameTexts } from '../../../src/shared/flowParts.js';
import { formatIpv4, isoTime } from '../../../src/core/flows/format.js';

/** Columns equal, a difference named by its key and first index (a deepEqual diff of
 *  5,000 flows' columns takes minutes to print). */
function sameColumns(a: object, b: object, path = 'columns'): void {
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  assert.deepEqual(Object.keys(x).sort(), Object.keys(y).sort(), `${path}: keys`);
  for (const k of Object.keys(x)) {
    const u = x[k];
    const v = y[k];
    if (ArrayBuffer.isView(u) || Array.isArray(u)) {
      const ua = u as ArrayLike<unknown>;
      const va = v as ArrayLike<unknown>;
      assert.equal(ua.length, va.length, `${path}.${k}: length`);
      for (let i = 0; i < ua.length; i++) {
        const x1 = ua[i];
        const y1 = va[i];
        if (Object.is(x1, y1)) continue;
        if (typeof x1 === 'object' && x1 !== null && typeof y1 === 'object' && y1 !== null) sameColumns({ v: x1 }, { v: y1 }, `${path}.${k}[${i}]`);
        else assert.fail(`${path}.${k}[${i}]: ${JSON.stringify(x1)} ≠ ${JSON.stringify(y1)}`);
      }
      assert.equal(Object.getPrototypeOf(u), Object.getPrototypeOf(v), `${path}.${k}: type`);
    } else if (typeof u === 'object' && u !== null && typeof v === 'object' && v !== null) sameColumns(u, v, `${path}.${k}`);
    else assert.deepEqual(u, v, `${path}.${k}`);
  }
}

function rng(seed: number): () => number {
  return () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed;
  };
}

test('U32Ids: the same answers as a Map over 200,000 keys (growth, 0 and 2^32 − 1 included)', () => {
  const ids = new U32Ids();
  const map = new Map<number, number>();
  const rnd = rng(5);
  const keys = [0, 0xffffffff, 1, 0x80000000];
  for (let i = 0; i < 200_000; i++) keys.push(i % 3 === 0 ? (0x0af40000 + i) >>> 0 : rnd());
  for (const [i, k] of keys.entries()) {
    assert.equal(ids.get(k), map.has(k) ? map.get(k) : -1);
    if (!map.has(k)) {
      ids.set(k, i);
      map.set(k, i);
    }
  }
  for (const [k, v] of map) assert.equal(ids.get(k), v);
  for (let i = 0; i < 10_000; i++) {
    const k = rnd();
    assert.equal(ids.get(k), map.has(k) ? map.get(k) : -1);
  }
  ids.set(0, 7);
  assert.equal(ids.get(0), 7, 'a value replaced');
});

test('IdValues: per table, ids far apart, -1 as a value', () => {
  const v = new IdValues();
  const a = {};
  const b = {};
  assert.equal(v.get(a, 0), undefined);
  v.set(a, 0, -1);
  v.set(a, 100_000, 3);
  v.set(b, 0, 9);
  assert.equal(v.get(a, 0), -1);
  assert.equal(v.get(a, 100_000), 3);
  assert.equal(v.get(b, 0), 9);
  assert.equal(v.get(b, 100_000), undefined);
  assert.equal(v.get(a, 5_000_000), undefined);
});

test('names by id and extra JSON in chunks: the columns of the records, and every record read back whole', () => {
  const texts = ['api.shop.svc.cluster.local', '', 'x'.repeat(200) + '.exfil.example', 'cdn.example', 'a\\032b.example'];
  const tableA: NameTexts = { text: (id) => texts[id] };
  const tableB: NameTexts = { text: (id) => `other-${id}.example` };
  const rnd = rng(9);
  const flows = 5000;
  const byParts = new ColumnsBuilder(flows, 8, true);
  const byRecords = new ColumnsBuilder(flows, 8, true);
  const records: Record<string, unknown>[] = [];
  const p = newFlowParts();
  p.wantIpText = false;
  for (let i = 0; i < flows; i++) {
    const table = i % 5 === 4 ? tableB : tableA;
    const ids = Array.from({ length: rnd() % 6 }, () => rnd() % texts.length);
    if (i % 7 === 0) ids.push(ids[0] ?? 0, ids[0] ?? 0); // the same name again in one flow
    const sni = i % 3 === 0 ? rnd() % texts.length : -1;
    const http = i % 11 === 0 ? { method: 'GET', host: 'h.example', path: `/p${i}` } : undefined;
    // answers for the question's name (kept once in the columns) and, now and then, for another
    const dns = ids.map((id) => ({ name: table.text(id), type: 'TXT', answers: [{ name: i % 4 === 0 ? 'cname.example' : table.text(id), type: 'TXT', ttl: 0, data: 'v'.repeat(rnd() % 900) }], rcode: 'NOERROR' }));
    const extra: Record<string, unknown> = {};
    if (dns.length) extra.dns = dns;
    if (sni >= 0) extra.tlsSni = table.text(sni);
    if (http) extra.http = http;
    const clientV4 = i === 0 ? 0 : i === 1 ? 0xffffffff : (0x0af40000 + (rnd() % 500)) >>> 0;
    const serverV4 = (0x0a60000a + (i % 3)) >>> 0;
    const t = 1_764_000_000 + i;
    const rec: Record<string, unknown> = {
      protocol: 'udp', client: { ip: formatIpv4(clientV4), port: 1024 + i }, server: { ip: formatIpv4(serverV4), port: 53 },
      packets: { fromClient: 1, fromServer: 1 }, bytes: { fromClient: 100, fromServer: 200 },
      firstSeen: isoTime(t, 5), lastSeen: isoTime(t, 9), clientBy: 'first-packet',
      activity: { firstBucket: 0, packets: [2], bytes: [300] }, ...extra,
    };
    records.push(rec);
    byRecords.add(rec);
    Object.assign(p, {
      protocol: 'udp', clientV4, serverV4, clientPort: 1024 + i, serverPort: 53, packetsFromClient: 1, packetsFromServer: 1,
      bytesFromClient: 100, bytesFromServer: 200, firstSec: t, firstNs: 5, lastSec: t, lastNs: 9, clientBy: 'first-packet',
      actFirst: 0, actCount: 1, actPackets: [2], actBytes: [300], names: table, dnsNameIds: ids, dnsNameCount: ids.length, tlsSniId: sni,
      httpMethod: http?.method, httpHost: http?.host, httpPath: http?.path,
    });
    const json = JSON.stringify({ ...extra, ...(extra.dns ? { dns: sameNamesAsZero(extra.dns) } : {}) });
    const bytes = new TextEncoder().encode(json.length > 2 ? `,${json.slice(1, -1)}` : '');
    p.extraJson = bytes;
    p.extraLength = bytes.length;
    byParts.addParts(p);
  }
  const a = byParts.finish();
  const b = byRecords.finish();
  sameColumns(a, b);
  const extraBytes = (a.wire?.extra ?? []).reduce((n, x) => n + x.length, 0);
  assert.ok(extraBytes > 8 << 20 && (a.wire?.extra.length ?? 0) > 5, `extra JSON in several chunks (${extraBytes} bytes, ${a.wire?.extra.length} chunks)`);
  for (let i = 0; i < flows; i++) {
    const r = recordAt(a, i) as unknown as Record<string, unknown>;
    for (const k of ['dns', 'tlsSni', 'http', 'client', 'server']) {
      if (JSON.stringify(r[k]) !== JSON.stringify(records[i][k])) assert.fail(`flow ${i} ${k}: ${JSON.stringify(r[k])?.slice(0, 200)}`);
    }
  }
  const text = new TextDecoder().decode(a.wire?.extra[0]);
  assert.ok(text.includes('"answers":[{"name":0,') && text.includes('"answers":[{"name":"cname.example"'), 'an answer for its question\'s name is kept as 0, another by its name');
  // a flow's names: DNS once each (in order), empty ones left out, then TLS and HTTP
  const names = (i: number): string[] => Array.from(a.names.subarray(a.nameStart[i], a.nameStart[i + 1]), (id) => a.strings[id]);
  const seven = names(7);
  assert.equal(new Set(seven).size, seven.length, `no name twice: ${seven.join(', ')}`);
  assert.ok(!a.strings.includes('DNS '), 'an empty name is no name');
});
