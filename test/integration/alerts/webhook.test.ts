// The webhook receiver over loopback HTTP: accepted alerts, auth, size limit, 400 reasons, 429.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { gzipSync } from 'node:zlib';
import { WebhookReceiver } from '../../../src/core/alerts/sources/webhookReceiver.js';
import { BoundedQueue } from '../../../src/core/alerts/boundedQueue.js';
import type { SourceEvent } from '../../../src/core/alerts/sources/sourceEvents.js';

const ALERT = JSON.stringify({ uuid: '633414e2-24f2-412a-811f-c37131ff2c61', hostname: 'node-1', time: '2025-11-27T10:59:06.788999277Z', rule: 'Terminal shell in container', priority: 'Notice', source: 'syscall', output: 'x', tags: ['shell'], output_fields: { 'k8s.ns.name': 'default', 'k8s.pod.name': 'web' } });

interface Reply { status: number; body: Record<string, unknown>; headers: Record<string, string | string[] | undefined> }

function post(port: number, body: string | Buffer, headers: Record<string, string> = {}, method = 'POST', path = '/'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers: { 'Content-Type': 'application/json', ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString() || '{}') as Record<string, unknown>, headers: res.headers }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function withReceiver(opts: { token?: string; maxBodyBytes?: number; capacity?: number }, fn: (port: number, q: BoundedQueue<SourceEvent>, rx: WebhookReceiver) => Promise<void>): Promise<void> {
  const q = new BoundedQueue<SourceEvent>(opts.capacity ?? 100);
  const rx = new WebhookReceiver({ port: 0, ...(opts.token ? { token: opts.token } : {}), ...(opts.maxBodyBytes ? { maxBodyBytes: opts.maxBodyBytes } : {}) }, q);
  const { port, host } = await rx.listen();
  assert.equal(host, '127.0.0.1');
  try { await fn(port, q, rx); } finally { await rx.close(); }
}

test('accepts a Falco/Falcosidekick alert with 202 and queues it', async () => {
  await withReceiver({}, async (port, q) => {
    const r = await post(port, ALERT);
    assert.equal(r.status, 202);
    const ev = await q.take();
    assert.equal(ev?.type, 'alert');
    assert.ok(ev?.type === 'alert' && ev.alert.pod === 'web' && ev.alert.format === 'falcosidekick');
    const gz = await post(port, gzipSync(ALERT), { 'Content-Encoding': 'gzip' });
    assert.equal(gz.status, 202);
    const health = await post(port, '', {}, 'GET', '/healthz');
    assert.equal(health.status, 200);
    assert.equal((await post(port, '', {}, 'PUT')).status, 405);
  });
});

test('bearer token: missing or wrong is 401, right is 202', async () => {
  await withReceiver({ token: 's3cret' }, async (port) => {
    assert.equal((await post(port, ALERT)).status, 401);
    const wrong = await post(port, ALERT, { Authorization: 'Bearer s3cre' });
    assert.equal(wrong.status, 401);
    assert.match(String(wrong.headers['www-authenticate']), /Bearer/);
    assert.equal((await post(port, ALERT, { Authorization: 'Basic czNjcmV0' })).status, 401);
    assert.equal((await post(port, ALERT, { Authorization: 'Bearer s3cret' })).status, 202);
  });
});

test('body size limit: 413 by Content-Length and while streaming', async () => {
  await withReceiver({ maxBodyBytes: 1000 }, async (port, _q, rx) => {
    const big = JSON.stringify({ rule: 'r', output: 'x'.repeat(5000) });
    const r = await post(port, big);
    assert.equal(r.status, 413);
    assert.match(String(r.body['reason']), /exceeds the 1000-byte limit/);
    const chunked = await post(port, big, { 'Transfer-Encoding': 'chunked' });
    assert.equal(chunked.status, 413);
    const bomb = await post(port, gzipSync(Buffer.alloc(100_000, 0x20)), { 'Content-Encoding': 'gzip' });
    assert.equal(bomb.status, 400);
    assert.equal(rx.stats.tooLarge, 2);
  });
});

test('400 with a specific reason for bad bodies (and the json_output hint for text alerts)', async () => {
  await withReceiver({}, async (port) => {
    const cases: [string | Buffer, string][] = [
      ['', 'empty'],
      ['{"rule":"r","priority":"No', 'truncated-json'],
      ['{"hello":1}', 'not-an-alert'],
      ['{"rule":["x"]}', 'invalid-alert'],
      [Buffer.from([0x7b, 0xff, 0x7d]), 'invalid-utf8'],
      ['10:59:06.789112043: Notice Packet socket was created in a container', 'text-alert'],
      [`{"rule":"r","x":${'['.repeat(1000)}${']'.repeat(1000)}}`, 'too-deep'],
    ];
    for (const [body, kind] of cases) {
      const r = await post(port, body);
      assert.equal(r.status, 400, kind);
      assert.equal(r.body['error'], kind);
      assert.ok(String(r.body['reason']).length > 0);
    }
    const t = await post(port, '10:59:06.789112043: Notice Packet socket was created in a container');
    assert.match(String(t.body['hint']), /falco\.json_output=true/);
  });
});

test('429 with Retry-After when the queue is full; accepted again once drained', async () => {
  await withReceiver({ capacity: 3 }, async (port, q, rx) => {
    for (let i = 0; i < 3; i++) assert.equal((await post(port, ALERT)).status, 202);
    const r = await post(port, ALERT);
    assert.equal(r.status, 429);
    assert.equal(r.headers['retry-after'], '1');
    assert.equal(r.body['error'], 'queue-full');
    await q.take();
    assert.equal((await post(port, ALERT)).status, 202);
    assert.equal(rx.stats.tooMany, 1);
    assert.equal(rx.stats.accepted, 4);
  });
});

test('a port in use gives an actionable error', async () => {
  await withReceiver({}, async (port) => {
    const other = new WebhookReceiver({ port }, new BoundedQueue<SourceEvent>(1));
    await assert.rejects(other.listen(), /port is in use/);
  });
});
