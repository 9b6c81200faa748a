// `falcoshark serve` as a source of the Captures view, against a real CaptureApi on loopback:
// the URL as typed, the listing (items, or a message node for no token / 401 / unreachable),
// and the download into <captures>/remote/<host>/ that the Captures view then reads.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CaptureApi } from '../../../src/core/serve/captureApi.js';
import { downloadRemoteCapture, loadRemoteCaptures, normalizeServeUrl, remoteFolderFor, serveTokenKey } from '../../../src/extension/views/remoteCaptureList.js';
import { captureInfo } from '../../../src/extension/views/captureList.js';
import { writeTestSidecar } from '../../support/sidecars.js';
import { createServer } from 'node:net';

/** A loopback port nobody listens on (bound, then released). */
function freePort(): Promise<number> {
  return new Promise((res) => { const s = createServer().listen(0, '127.0.0.1', () => { const a = s.address(); s.close(() => res(typeof a === 'object' && a ? a.port : 1)); }); });
}

const root = mkdtempSync(join(tmpdir(), 'fs-serve-src-'));
const served = join(root, 'served');
const local = join(root, 'local');
const token = 'unit-test-token-0123456789';
const pcap = readFileSync('test/fixtures/pcap/gen_lo.pcapng');
const ids = ['20261128T142639Z-shop-api-1-a1b2c3', '20261128T150000Z-shop-api-1-d4e5f6'];
mkdirSync(served);
for (const [i, id] of ids.entries()) {
  writeFileSync(join(served, `${id}.pcapng`), pcap);
  writeTestSidecar(served, { id, automatic: true, outcome: 'cap-reached', reason: 'duration of 4 s reached', packets: 836,
    createdAt: `2026-11-28T1${4 + i}:00:00.000Z`, target: { kind: 'pod', namespace: 'shop', pod: 'api-1' }, alert: { rule: 'Outbound Connection to C2 Servers', priority: 'warning' } });
}
const api = new CaptureApi({ port: 0, token, captureDir: served, metrics: () => '' });
let url = '';
before(async () => { url = (await api.listen()).url; });
after(async () => { await api.close(); rmSync(root, { recursive: true, force: true }); });

test('the server URL as typed', () => {
  assert.deepEqual(normalizeServeUrl(' http://127.0.0.1:2802 '), { ok: true, value: 'http://127.0.0.1:2802/' });
  assert.deepEqual(normalizeServeUrl('falcoshark-serve.falcoshark.svc:2802'), { ok: true, value: 'http://falcoshark-serve.falcoshark.svc:2802/' });
  assert.deepEqual(normalizeServeUrl('https://fs.example/api'), { ok: true, value: 'https://fs.example/api/' });
  for (const [raw, why] of [['', /type the address/], ['ftp://x/', /not http/], ['http://u:p@x/', /no user or password/], ['http://x/?t=1', /no query/], ['http://[::1', /not a URL/]] as const) {
    const r = normalizeServeUrl(raw);
    assert.ok(!r.ok && why.test(r.reason), `${raw}: ${JSON.stringify(r)}`);
  }
  assert.equal(serveTokenKey('http://127.0.0.1:2802/'), 'falcoshark.serve.token:http://127.0.0.1:2802/');
  assert.equal(remoteFolderFor('/c', 'http://127.0.0.1:2802/'), '/c/remote/127.0.0.1_2802');
  assert.equal(remoteFolderFor('/c', 'https://[::1]/'), '/c/remote/___1_');
  assert.equal(remoteFolderFor('/c', 'http://fs.example/'), '/c/remote/fs.example');
});

test('lists the server\'s captures newest first, marked automatic', async () => {
  const l = await loadRemoteCaptures(url, token, remoteFolderFor(local, url));
  assert.equal(l.kind, 'items');
  if (l.kind !== 'items') return;
  assert.deepEqual(l.items.map((i) => i.id), [ids[1], ids[0]]);
  assert.equal(l.items[0].automatic, true);
  assert.equal(l.items[0].rule, 'Outbound Connection to C2 Servers');
  assert.equal(l.items[0].target, 'shop/api-1');
  assert.equal(l.items[0].downloaded, false);
});

test('no token, a refused token and an unreachable server become message nodes', async () => {
  assert.deepEqual(await loadRemoteCaptures(url, undefined, local), { kind: 'message', level: 'warning', message: 'no API token stored for this server: click to add it', fix: 'token' });
  const refused = await loadRemoteCaptures(url, 'wrong-token-0123456789', local);
  assert.equal(refused.kind === 'message' && refused.fix, 'token');
  assert.equal(refused.kind === 'message' ? refused.message : '', 'the token was refused (401): click to enter another');
  assert.match(refused.kind === 'message' ? refused.detail ?? '' : '', /^falcoshark serve at http:\/\/127\.0\.0\.1:\d+ refused the token \(401\)$/);
  const port = await freePort();
  const down = await loadRemoteCaptures(`http://127.0.0.1:${port}/`, token, local);
  assert.equal(down.kind === 'message' && down.fix, 'retry');
  assert.match(down.kind === 'message' ? down.message : '', /^unreachable \(.+\): click to retry$/);
  assert.match(down.kind === 'message' ? down.detail ?? '' : '', new RegExp(`cannot reach falcoshark serve at http://127\\.0\\.0\\.1:${port}`));
  const empty = mkdtempSync(join(root, 'empty-'));
  const api2 = new CaptureApi({ port: 0, token, captureDir: empty, metrics: () => '' });
  const u2 = (await api2.listen()).url;
  try {
    assert.deepEqual(await loadRemoteCaptures(u2, token, local), { kind: 'message', level: 'info', message: 'no captures on this server yet' });
  } finally { await api2.close(); }
});

test('opening one downloads it (once) into <captures>/remote/<host>/, where its sidecar says automatic', async () => {
  const folder = remoteFolderFor(local, url);
  const file = await downloadRemoteCapture({ url, token }, ids[1], folder);
  assert.equal(file, join(folder, `${ids[1]}.pcapng`));
  assert.deepEqual(readFileSync(file), pcap);
  const info = await captureInfo(file);
  assert.equal(info?.automatic, true);
  assert.equal(info?.rule, 'Outbound Connection to C2 Servers');
  const l = await loadRemoteCaptures(url, token, folder);
  assert.deepEqual(l.kind === 'items' && l.items.map((i) => i.downloaded), [true, false]);
  // Already there: not asked again (a wrong token would fail otherwise).
  assert.equal(await downloadRemoteCapture({ url, token: 'wrong-token-0123456789' }, ids[1], folder), file);
  await assert.rejects(downloadRemoteCapture({ url, token }, '../../etc/passwd', folder), /not a capture id/);
});
