// The recorder's HTTP API as the network sees it: nothing without the token (bearer, or
// X-Falcoshark-Token as the API server's pod proxy passes it), /healthz says only "ok", requests
// checked before anything runs (size, JSON, names), a pod not recorded here is a 404 that says so.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FlightRecorder } from '../../../src/core/recorder/flightRecorder.js';
import { PodIndex } from '../../../src/core/recorder/podIndex.js';
import { RecorderServer } from '../../../src/core/recorder/recorderServer.js';

const TOKEN = 'unit-recorder-token-0123456789';

describe('RecorderServer', () => {
  const pods = new PodIndex({ node: 'n1', keepSeconds: 60, selection: { namespaces: [], excludeNamespaces: [], labelSelector: '' } });
  const recorder = new FlightRecorder({ limits: { windowSeconds: 60, budgetBytes: 4 << 20 }, pods, log: () => undefined,
    startCapture: () => { throw new Error('not here'); }, interfaces: async () => new Map() });
  const server = new RecorderServer({ port: 0, host: '127.0.0.1', token: TOKEN, node: 'n1', recorder, log: () => undefined });
  let base = '';
  before(async () => { base = (await server.listen()).url; });
  after(() => server.close());
  const cut = (body: string, headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` }) => fetch(`${base}api/v1/cut`, { method: 'POST', body, headers });

  it('answers nothing without the token; /healthz only "ok"', async () => {
    const h = await fetch(`${base}healthz`);
    assert.equal(h.status, 200);
    assert.equal(await h.text(), 'ok\n');
    for (const [path, init] of [['metrics', {}], ['api/v1/pods', {}], ['api/v1/cut', { method: 'POST', body: '{}' }]] as const) {
      assert.equal((await fetch(`${base}${path}`, init)).status, 401, path);
      assert.equal((await fetch(`${base}${path}`, { ...init, headers: { authorization: 'Bearer not-the-token-0123456789' } })).status, 401, path);
    }
    assert.equal((await fetch(`${base}api/v1/pods`, { headers: { 'x-falcoshark-token': TOKEN } })).status, 200, 'the header the API server proxy passes');
    assert.match(await (await fetch(`${base}metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text(), /^falcoshark_recorder_unauthorized_total 6$/m);
  });

  it('checks a cut request before anything runs', async () => {
    const alertTime = new Date().toISOString();
    const big = await cut('x'.repeat(20_000));
    assert.equal(big.status, 413);
    assert.match(await big.text(), /over 16384 bytes/);
    assert.equal((await cut('{not json')).status, 400);
    const badName = await cut(JSON.stringify({ namespace: 'shop', pod: 'a b', alertTime, beforeSeconds: 1, afterSeconds: 1, filter: '' }));
    assert.equal(badName.status, 400);
    assert.match(await badName.text(), /not a valid Kubernetes pod name/);
    const missing = await cut(JSON.stringify({ namespace: 'shop', pod: 'api-1', alertTime, beforeSeconds: 1, afterSeconds: 1, filter: '' }));
    assert.equal(missing.status, 404);
    assert.match(await missing.text(), /pod shop\/api-1 is not recorded on node n1/);
    assert.match(await (await fetch(`${base}metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text(), /^falcoshark_recorder_cuts_total\{result="refused"\} 4$/m);
  });
});
