// One builder of alert sources for the extension, `watch` and `serve`: the options the
// extension makes from its settings and secrets carry the webhook token and Falcosidekick-UI's
// credentials, and the started sources enforce and send them; a source that cannot start is
// reported as such while the others run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BoundedQueue } from '../../../src/core/alerts/boundedQueue.js';
import type { SourceEvent } from '../../../src/core/alerts/sources/sourceEvents.js';
import { checkPort, sourceWarnings, startAlertSources, type SourceKind } from '../../../src/core/alerts/sources/alertSources.js';
import { alertSourceOptions, readSettings } from '../../../src/extension/settings.js';
import { AlertStore } from '../../../src/core/alerts/alertStore.js';
import { AlertFeed } from '../../../src/extension/alertFeed.js';
import { parseSidekickCredentials } from '../../../src/extension/sourceSecrets.js';
import { falcoAlertJson } from '../../support/falcoAlerts.js';

const TOKEN = 'webhook-token-0123456789';

test('ports: a whole number 0–65535, as a number or its digits', () => {
  assert.deepEqual(checkPort('2801'), { ok: true, value: 2801 });
  assert.deepEqual(checkPort(0), { ok: true, value: 0 });
  for (const bad of ['99999', '28o1', '-1', '', ' ', 1.5, null, '0x10']) {
    const r = checkPort(bad);
    assert.ok(!r.ok && /a port is a whole number from 0 to 65535/.test(r.reason), JSON.stringify(bad));
  }
});

test('the extension\'s settings and secrets become the same options as the CLI\'s', () => {
  const s = readSettings((k) => ({ 'webhook.port': 0, 'sidekickUi.url': 'http://ui:2802', 'cluster.enabled': false } as Record<string, unknown>)[k]);
  assert.deepEqual(alertSourceOptions(s), { webhook: { port: 0, host: '127.0.0.1' }, sidekickUi: { url: 'http://ui:2802' } });
  const withSecrets = alertSourceOptions(s, { webhookToken: TOKEN, sidekickUi: { username: 'admin', password: 'p' } });
  assert.equal(withSecrets.webhook?.token, TOKEN);
  assert.deepEqual(withSecrets.sidekickUi, { url: 'http://ui:2802', username: 'admin', password: 'p' });
  assert.deepEqual(parseSidekickCredentials('{"username":"a","password":"b"}'), { username: 'a', password: 'b' });
  assert.equal(parseSidekickCredentials('{"username":"a"}'), undefined);
  assert.equal(parseSidekickCredentials('not json'), undefined);
  assert.deepEqual(sourceWarnings({ webhook: { port: 1, host: '0.0.0.0' } }), ['the webhook on 0.0.0.0 accepts alerts from anyone: set a bearer token']);
  assert.deepEqual(sourceWarnings({ webhook: { port: 1, host: '0.0.0.0', token: TOKEN } }), []);
});

test('the webhook requires the token it was given; Falcosidekick-UI gets the credentials; a cluster that cannot start is reported', async () => {
  const seen: string[] = [];
  const ui = createServer((req, res) => {
    seen.push(req.headers.authorization ?? '(none)');
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"results":[],"statistics":{"all":0}}');
  });
  await new Promise<void>((r) => ui.listen(0, '127.0.0.1', r));
  const queue = new BoundedQueue<SourceEvent>(100);
  const ac = new AbortController();
  const failures: Array<[SourceKind, string, string]> = [];
  const prev = process.env['KUBECONFIG'];
  process.env['KUBECONFIG'] = '/nonexistent/kubeconfig';
  try {
    const started = await startAlertSources({
      webhook: { port: 0, token: TOKEN },
      sidekickUi: { url: `http://127.0.0.1:${(ui.address() as AddressInfo).port}`, username: 'admin', password: 's3cret', pollMs: 50 },
      cluster: { context: 'nope' },
    }, queue, ac.signal, (kind, e, when) => failures.push([kind, when, (e as Error).message]));
    assert.deepEqual(started.kinds, ['webhook', 'sidekick-ui', 'cluster']);
    assert.equal(failures.length, 1);
    assert.deepEqual(failures[0].slice(0, 2), ['cluster', 'start']);
    assert.match(failures[0][2], /kubeconfig/);
    const url = started.webhook?.url ?? assert.fail('the webhook listens');
    assert.equal((await fetch(url, { method: 'POST', body: falcoAlertJson() })).status, 401, 'no token: refused');
    assert.equal((await fetch(url, { method: 'POST', body: falcoAlertJson(), headers: { authorization: `Bearer ${TOKEN}` } })).status, 202);
    let ev = await queue.take();
    while (ev && ev.type !== 'alert') ev = await queue.take(); // status lines of the other sources
    assert.equal(ev?.type === 'alert' && ev.alert.rule, 'Outbound Connection to C2 Servers');
    for (let i = 0; i < 100 && seen.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(seen[0], `Basic ${Buffer.from('admin:s3cret').toString('base64')}`);
    ac.abort();
    await started.close();
    await started.ended;
  } finally {
    if (prev === undefined) delete process.env['KUBECONFIG']; else process.env['KUBECONFIG'] = prev;
    await new Promise<void>((r) => ui.close(() => r()));
  }
});

test('the Alerts view\'s feed starts its webhook with the token from the secret storage', async () => {
  const store = new AlertStore();
  const logs: string[] = [];
  const feed = new AlertFeed(store, (level, m) => logs.push(`${level}: ${m}`));
  const settings = readSettings((k) => ({ 'webhook.port': 0, 'cluster.enabled': false } as Record<string, unknown>)[k]);
  await feed.start(settings, { webhookToken: TOKEN });
  try {
    const url = feed.webhookAddress ?? assert.fail(`no webhook: ${logs.join('\n')}`);
    assert.equal((await fetch(url, { method: 'POST', body: falcoAlertJson() })).status, 401);
    assert.equal((await fetch(url, { method: 'POST', body: falcoAlertJson(), headers: { authorization: `Bearer ${TOKEN}` } })).status, 202);
    for (let i = 0; i < 100 && store.size === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(store.size, 1);
    assert.match(logs.join('\n'), /webhook listening on http:\/\/127\.0\.0\.1:\d+\/ \(bearer token required\)/);
    assert.equal(feed.state, 'ok');
  } finally {
    feed.stop();
    await feed.start(readSettings((k) => ({ 'cluster.enabled': false } as Record<string, unknown>)[k])); // closes the webhook
    assert.equal(feed.state, 'noSources');
    feed.stop();
  }
});
