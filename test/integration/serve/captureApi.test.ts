// The capture API of `falcoshark serve` over real HTTP on loopback.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CaptureApi, promText } from '../../../src/core/serve/captureApi.js';
import { writeTestSidecar } from '../../support/sidecars.js';

const dir = mkdtempSync(join(tmpdir(), 'fs-api-'));
const token = 'test-token-0123456789abcdef';
const pcap = readFileSync('test/fixtures/pcap/gen_lo.pcapng');
const id = '20261128T142639Z-shop-worker-1-a1b2c3';
writeFileSync(join(dir, `${id}.pcapng`), pcap);
writeTestSidecar(dir, { id, automatic: true, outcome: 'cap-reached', reason: 'duration of 30 s reached', packets: 836,
  createdAt: '2026-11-28T14:26:39.000Z', target: { kind: 'pod', namespace: 'shop', pod: 'worker-1' }, alert: { rule: 'Outbound Connection to C2 Servers', priority: 'warning' } });
// Not ours: a broken sidecar (with its capture) and a capture without one are not listed.
writeFileSync(join(dir, 'broken.pcapng'), pcap);
writeFileSync(join(dir, 'broken.falcoshark.json'), '{"kind":"falcoshark-capture"');
writeFileSync(join(dir, 'dropped-here.pcapng'), pcap);
writeFileSync(join(dir, 'secret.txt'), 'not a capture');
const api = new CaptureApi({ port: 0, token, captureDir: dir, metrics: () => promText([{ name: 'falcoshark_alerts_received_total', help: 'Alerts.', type: 'counter', values: [{ value: 7 }] }]) });
let base = '';
after(async () => { await api.close(); rmSync(dir, { recursive: true, force: true }); });

const auth = { headers: { authorization: `Bearer ${token}` } };

test('health and metrics are open; the API needs the token', async () => {
  base = (await api.listen()).url;
  assert.equal((await fetch(`${base}healthz`)).status, 200);
  const m = await (await fetch(`${base}metrics`)).text();
  assert.match(m, /# TYPE falcoshark_alerts_received_total counter\nfalcoshark_alerts_received_total 7/);
  assert.equal((await fetch(`${base}api/v1/captures`)).status, 401);
  assert.equal((await fetch(`${base}api/v1/captures`, { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status, 401);
});

test('lists captures with their alert and downloads them byte for byte', async () => {
  const list = await (await fetch(`${base}api/v1/captures`, auth)).json() as { items: Array<{ id: string; rule: string; target: string; automatic: boolean; outcome: string; packets: number; links: { pcapng: string } }> };
  assert.deepEqual(list.items.map((i) => i.id), [id], 'only the capture with a readable sidecar is listed');
  assert.equal(list.items[0].outcome, 'cap-reached');
  assert.equal(list.items[0].packets, 836);
  assert.equal(list.items[0].id, id);
  assert.equal(list.items[0].rule, 'Outbound Connection to C2 Servers');
  assert.equal(list.items[0].target, 'shop/worker-1');
  assert.equal(list.items[0].automatic, true);
  const res = await fetch(`${base}${list.items[0].links.pcapng.slice(1)}`, auth);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'application/vnd.tcpdump.pcap');
  assert.deepEqual(Buffer.from(await res.arrayBuffer()), pcap);
});

test('no path leaves the capture folder', async () => {
  for (const p of ['api/v1/captures/..%2fsecret.txt', 'api/v1/captures/../secret.txt', 'api/v1/captures/secret.txt',
    'api/v1/captures/%2e%2e%2f%2e%2e%2fetc%2fpasswd.pcapng', 'api/v1/captures/..%2F..%2Fetc%2Fpasswd.falcoshark.json', 'api/v1/captures/nope.pcapng']) {
    const r = await fetch(`${base}${p}`, auth);
    assert.equal(r.status, 404, p);
  }
  assert.equal((await fetch(`${base}api/v1/captures`, { ...auth, method: 'DELETE' })).status, 405);
});

test('the client lists and fetches captures into a local folder', async () => {
  const { listRemoteCaptures, fetchRemoteCapture, CaptureApiError } = await import('../../../src/core/serve/captureApiClient.js');
  const ep = { url: base, token };
  const items = await listRemoteCaptures(ep);
  assert.equal(items[0].id, id);
  const local = mkdtempSync(join(tmpdir(), 'fs-api-local-'));
  try {
    const got = await fetchRemoteCapture(ep, id, local);
    assert.deepEqual(readFileSync(got.file), pcap);
    assert.match(readFileSync(got.sidecar, 'utf8'), /falcoshark-capture/);
    await assert.rejects(listRemoteCaptures({ url: base, token: 'wrong-token-0123456789' }), (e: Error) => e instanceof CaptureApiError && /refused the token/.test(e.message));
    await assert.rejects(fetchRemoteCapture(ep, '../../etc/passwd', local), /not a capture id/);
  } finally {
    rmSync(local, { recursive: true, force: true });
  }
});
