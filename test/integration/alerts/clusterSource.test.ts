// The cluster source against a local Kubernetes API double, with @kubernetes/client-node 1.x
// talking to it over real HTTP: logs followed, a dropped stream resumed without gaps or
// duplicates, a pod restart (stream closed, pod deleted, new pod in the watch) loses nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeKubeApi } from './fakeKubeApi.js';
import { BoundedQueue } from '../../../src/core/alerts/boundedQueue.js';
import type { SourceEvent } from '../../../src/core/alerts/sources/sourceEvents.js';
import { ClusterAlertSource } from '../../../src/core/alerts/sources/clusterSource.js';

function alertLine(ts: string, n: string): string {
  return `${ts} ${JSON.stringify({ time: ts, rule: 'Terminal shell in container', priority: 'Notice', source: 'syscall', output: `alert ${n}`, output_fields: { 'k8s.ns.name': 'default', 'k8s.pod.name': 'web', 'evt.time': 'BIG' } }).replace('"BIG"', '1764241146789112043')}`;
}

class Collector {
  readonly alerts: string[] = [];
  readonly statuses: string[] = [];
  /** The status events' problem codes (what a front-end switches on), by message. */
  readonly codes = new Map<string, string | undefined>();
  constructor(private readonly q: BoundedQueue<SourceEvent>) { void this.run(); }
  private async run(): Promise<void> {
    for await (const e of this.q) {
      if (e.type === 'alert') this.alerts.push(e.alert.output);
      else if (e.type === 'status') { this.statuses.push(e.message); this.codes.set(e.message, e.code); }
    }
  }
  async until(pred: () => boolean, what: string, ms = 10_000): Promise<void> {
    const end = Date.now() + ms;
    while (!pred()) {
      if (Date.now() > end) assert.fail(`timed out waiting for ${what}; alerts=${JSON.stringify(this.alerts)} statuses=${JSON.stringify(this.statuses)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

test('follows Falco pod logs, resumes after a dropped stream and across a pod restart, exactly once', async () => {
  const api = new FakeKubeApi();
  await api.start();
  const q = new BoundedQueue<SourceEvent>(1000);
  const c = new Collector(q);
  const ac = new AbortController();
  try {
    api.addPod({ namespace: 'falco', name: 'falco-a', uid: 'uid-a', running: true, lines: [
      '2026-11-28T10:00:00.000000000Z Mon Nov 28 10:00:00 2026: Falco version: 0.41.0',
      alertLine('2026-11-28T10:00:01.100000000Z', 'A1'),
      alertLine('2026-11-28T10:00:01.200000000Z', 'A2'),
    ] }, false);
    const src = new ClusterAlertSource({ kubeConfig: api.kubeConfig(), backoff: { initialMs: 20, maxMs: 100 } }, q);
    const run = src.run(ac.signal);
    await c.until(() => c.alerts.length === 2, 'A1, A2');
    const first = api.logRequests[0];
    assert.equal(first.query.get('follow'), 'true');
    assert.equal(first.query.get('timestamps'), 'true');
    assert.equal(first.query.get('container'), 'falco');
    assert.equal(first.query.get('sinceSeconds'), '600');

    // Two lines in the same second, one of them with the very same timestamp as the next.
    api.appendLine('falco', 'falco-a', alertLine('2026-11-28T10:00:01.300000000Z', 'A3'));
    api.appendLine('falco', 'falco-a', alertLine('2026-11-28T10:00:01.300000000Z', 'A4'));
    await c.until(() => c.alerts.length === 4, 'A3, A4');

    // Drop the connection: the source reconnects with sinceTime and the server replays the second.
    api.closeLogStreams('falco', 'falco-a');
    await c.until(() => api.logRequests.length >= 2 && api.openLogStreams('falco', 'falco-a') === 1, 'the reconnect');
    const again = api.logRequests[1];
    assert.equal(again.query.get('sinceTime'), '2026-11-28T10:00:01Z');
    assert.equal(again.query.get('sinceSeconds'), null);
    api.appendLine('falco', 'falco-a', alertLine('2026-11-28T10:00:01.300000000Z', 'A5'));
    api.appendLine('falco', 'falco-a', alertLine('2026-11-28T10:00:02.000000000Z', 'A6'));
    await c.until(() => c.alerts.length === 6, 'A5, A6');

    // Pod restart: its stream closes, it is deleted, a new pod appears in the watch.
    api.deletePod('falco', 'falco-a');
    api.addPod({ namespace: 'falco', name: 'falco-b', uid: 'uid-b', running: true, lines: [
      '2026-11-28T10:00:05.000000000Z Mon Nov 28 10:00:05 2026: Loading rules from file /etc/falco/falco_rules.yaml',
      alertLine('2026-11-28T10:00:06.000000000Z', 'B1'),
    ] });
    await c.until(() => c.alerts.length === 7, 'B1');
    const bReq = api.logRequests.find((r) => r.pod === 'falco/falco-b');
    assert.ok(bReq);
    assert.equal(bReq.query.get('sinceSeconds'), null, 'a pod that appears later is read from its start');
    api.appendLine('falco', 'falco-b', alertLine('2026-11-28T10:00:07.000000000Z', 'B2'));
    await c.until(() => c.alerts.length === 8, 'B2');
    await new Promise((r) => setTimeout(r, 300)); // time for any stray duplicate to show up
    assert.deepEqual(c.alerts, ['alert A1', 'alert A2', 'alert A3', 'alert A4', 'alert A5', 'alert A6', 'alert B1', 'alert B2']);
    assert.ok(src.stats.duplicatesDropped >= 3, `replayed lines were dropped (${src.stats.duplicatesDropped})`);
    ac.abort();
    await run;
  } finally {
    ac.abort();
    q.close();
    await api.stop();
  }
});

test('a 410 (expired resourceVersion) makes the source re-list and pick up pods it missed', async () => {
  const api = new FakeKubeApi();
  await api.start();
  const q = new BoundedQueue<SourceEvent>(1000);
  const c = new Collector(q);
  const ac = new AbortController();
  try {
    api.addPod({ namespace: 'falco', name: 'falco-a', uid: 'uid-a', running: true, lines: [alertLine('2026-11-28T10:00:01.000000000Z', 'A1')] }, false);
    const run = new ClusterAlertSource({ kubeConfig: api.kubeConfig(), backoff: { initialMs: 20, maxMs: 100 }, initialSinceSeconds: 'all' }, q).run(ac.signal);
    await c.until(() => c.alerts.length === 1 && api.watchRequests.length === 1, 'A1 and the watch');
    assert.equal(api.logRequests[0].query.get('sinceSeconds'), null, "--since all reads the whole log");
    api.addPod({ namespace: 'falco', name: 'falco-c', uid: 'uid-c', running: true, lines: [alertLine('2026-11-28T10:00:02.000000000Z', 'C1')] }, false);
    api.expireWatches();
    await c.until(() => c.alerts.length === 2, 'C1 after the re-list');
    assert.equal(api.listRequests, 2);
    assert.deepEqual(c.alerts, ['alert A1', 'alert C1']);
    ac.abort();
    await run;
  } finally {
    ac.abort();
    q.close();
    await api.stop();
  }
});

test('403 on pods/log names the verb, resource and namespace', async () => {
  const api = new FakeKubeApi();
  await api.start();
  api.deny.set('/api/v1/namespaces/falco/pods/falco-a/log', 403);
  api.addPod({ namespace: 'falco', name: 'falco-a', uid: 'uid-a', running: true, lines: [] }, false);
  const q = new BoundedQueue<SourceEvent>(100);
  const c = new Collector(q);
  const ac = new AbortController();
  try {
    const run = new ClusterAlertSource({ kubeConfig: api.kubeConfig(), backoff: { initialMs: 20, maxMs: 50 } }, q).run(ac.signal);
    await c.until(() => c.statuses.some((s) => s.startsWith('403: cannot get pods/log in namespace falco')), 'the 403 message');
    assert.equal(c.codes.get(c.statuses.find((s) => s.startsWith('403: cannot get pods/log')) ?? ''), 'forbidden');
    ac.abort();
    await run;
  } finally {
    ac.abort();
    q.close();
    await api.stop();
  }
});

test('403 on listing pods names list pods at the cluster scope', async () => {
  const api = new FakeKubeApi();
  await api.start();
  api.deny.set('/api/v1/pods', 403);
  const q = new BoundedQueue<SourceEvent>(100);
  const c = new Collector(q);
  const ac = new AbortController();
  try {
    const run = new ClusterAlertSource({ kubeConfig: api.kubeConfig(), backoff: { initialMs: 20, maxMs: 50 } }, q).run(ac.signal);
    await c.until(() => c.statuses.some((s) => s.startsWith('403: cannot list pods at the cluster scope')), 'the 403 message');
    assert.equal(c.codes.get(c.statuses.find((s) => s.startsWith('403: cannot list pods')) ?? ''), 'forbidden');
    ac.abort();
    await run;
  } finally {
    ac.abort();
    q.close();
    await api.stop();
  }
});
