// The file follower (growth, truncation, rotation) and the falcosidekick-ui poller (basic auth,
// de-duplication across polls, actionable errors) against real files and a loopback server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, appendFileSync, renameSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { followFile } from '../../../src/core/alerts/sources/fileSource.js';
import { pollSidekickUi } from '../../../src/core/alerts/sources/sidekickUiSource.js';
import { BoundedQueue } from '../../../src/core/alerts/boundedQueue.js';
import type { SourceEvent } from '../../../src/core/alerts/sources/sourceEvents.js';

const line = (n: number) => `${JSON.stringify({ time: `2025-01-01T00:00:${String(n % 60).padStart(2, '0')}.000000001Z`, rule: 'r', priority: 'Warning', output: `alert ${n}`, output_fields: {} })}\n`;

function collect(q: BoundedQueue<SourceEvent>) {
  const alerts: string[] = [], statuses: string[] = [], skipped: string[] = [];
  void (async () => {
    for await (const e of q) {
      if (e.type === 'alert') alerts.push(e.alert.output);
      else if (e.type === 'status') statuses.push(e.message);
      else skipped.push(e.kind);
    }
  })();
  const until = async (pred: () => boolean, what: string) => {
    const end = Date.now() + 10_000;
    while (!pred()) {
      if (Date.now() > end) assert.fail(`timed out waiting for ${what}: ${JSON.stringify({ alerts, statuses, skipped })}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  return { alerts, statuses, skipped, until };
}

test('file: followed as it grows, across a partial line, truncation and rotation', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'falcoshark-file-'));
  const path = join(dir, 'events.jsonl');
  writeFileSync(path, line(1) + 'Thu Nov 27 10:59:00 2025: Falco initialized\n');
  const q = new BoundedQueue<SourceEvent>(100);
  const c = collect(q);
  const ac = new AbortController();
  const run = followFile({ path, pollMs: 20 }, q, ac.signal);
  try {
    await c.until(() => c.alerts.length === 1, 'first alert');
    const l2 = line(2);
    appendFileSync(path, l2.slice(0, 10));
    await new Promise((r) => setTimeout(r, 80));
    appendFileSync(path, l2.slice(10));
    await c.until(() => c.alerts.length === 2, 'the line written in two parts');
    truncateSync(path, 0);
    await new Promise((r) => setTimeout(r, 80));
    appendFileSync(path, line(3));
    await c.until(() => c.alerts.length === 3, 'after truncation');
    renameSync(path, `${path}.1`);
    appendFileSync(`${path}.1`, line(4)); // written to the old file just after rotation
    writeFileSync(path, line(5));
    await c.until(() => c.alerts.length === 5, 'after rotation');
    assert.deepEqual(c.alerts, ['alert 1', 'alert 2', 'alert 3', 'alert 4', 'alert 5']);
    assert.deepEqual(c.skipped, ['falco-log']);
    assert.ok(c.statuses.some((s) => /truncated/.test(s)) && c.statuses.some((s) => /rotated/.test(s)));
  } finally {
    ac.abort();
    await run;
    q.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('falcosidekick-ui: basic auth, newest-first pages, de-duplicated across polls', async () => {
  const events: Record<string, unknown>[] = [];
  const add = (n: number) => events.unshift({ time: `2025-01-01T00:00:${String(n).padStart(2, '0')}Z`, rule: 'r', priority: 'Critical', source: 'syscall', output: `ui ${n}`, output_fields: { 'k8s.ns.name': 'ns' }, tags: [] });
  for (let i = 1; i <= 5; i++) add(i);
  const seenQueries: URLSearchParams[] = [];
  const server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    if (req.headers.authorization !== `Basic ${Buffer.from('admin:pw').toString('base64')}`) { res.writeHead(401); res.end(); return; }
    if (u.pathname !== '/api/v1/events/search') { res.writeHead(404); res.end(); return; }
    seenQueries.push(u.searchParams);
    const limit = Number(u.searchParams.get('limit')), page = Number(u.searchParams.get('page'));
    const results = events.slice((page - 1) * limit, page * limit);
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ results, statistics: { returned: results.length, all: events.length } }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const q = new BoundedQueue<SourceEvent>(100);
  const c = collect(q);
  const ac = new AbortController();
  const run = pollSidekickUi({ url: `http://admin:pw@127.0.0.1:${port}`, pollMs: 50, limit: 2 }, q, ac.signal);
  try {
    await c.until(() => c.alerts.length === 5, 'the first five');
    add(6); add(7);
    await c.until(() => c.alerts.length === 7, 'the new two');
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(c.alerts, ['ui 1', 'ui 2', 'ui 3', 'ui 4', 'ui 5', 'ui 6', 'ui 7']);
    assert.equal(seenQueries[0].get('since'), '1h');
  } finally {
    ac.abort();
    await run;
    q.close();
  }
  // Wrong credentials: an actionable message, and it keeps retrying.
  const q2 = new BoundedQueue<SourceEvent>(100);
  const c2 = collect(q2);
  const ac2 = new AbortController();
  const run2 = pollSidekickUi({ url: `http://127.0.0.1:${port}`, username: 'admin', password: 'nope', pollMs: 50 }, q2, ac2.signal);
  await c2.until(() => c2.statuses.some((s) => /refused the credentials \(401\)/.test(s)), 'the 401 message');
  ac2.abort();
  await run2;
  q2.close();
  server.close();
});
