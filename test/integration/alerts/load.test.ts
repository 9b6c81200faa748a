// Load test (bounded, 127.0.0.1 only, stops by itself): alerts offered at FALCOSHARK_LOAD_RATE per
// second (default 10,000) for FALCOSHARK_LOAD_SECONDS (default 12, so the CI run stays under 35 s;
// the figure is 30) through the webhook and through a followed file. The generator is
// time-bounded: it sends what the receiver takes in that time and reports the rate achieved.
// Every alert sent must be counted exactly once, RSS must stay bounded, the loop responsive.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BoundedQueue } from '../../../src/core/alerts/boundedQueue.js';
import { AlertStore } from '../../../src/core/alerts/alertStore.js';
import type { SourceEvent } from '../../../src/core/alerts/sources/sourceEvents.js';
import { WebhookReceiver } from '../../../src/core/alerts/sources/webhookReceiver.js';
import { followFile } from '../../../src/core/alerts/sources/fileSource.js';

const SECONDS = Number(process.env['FALCOSHARK_LOAD_SECONDS'] ?? 12);
const RATE = Number(process.env['FALCOSHARK_LOAD_RATE'] ?? 10_000);
const RSS_LIMIT_MB = 600;

function runClient(args: string[]): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'loadClient.ts'), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => { out += c.toString(); });
    const kill = setTimeout(() => child.kill('SIGKILL'), (SECONDS + 60) * 1000);
    child.on('exit', (code) => {
      clearTimeout(kill);
      if (code !== 0) reject(new Error(`load client exited with ${code}`));
      else resolve(JSON.parse(out.trim().split('\n').pop() ?? '{}') as Record<string, number>);
    });
  });
}

/** Drains the queue into a store, checking each sequence number arrives exactly once. */
function consume(q: BoundedQueue<SourceEvent>, expected: number) {
  const seen = new Uint8Array(expected);
  const store = new AlertStore({ limit: 10_000 });
  const stats = { alerts: 0, duplicates: 0, unknown: 0, skipped: 0 };
  const done = (async () => {
    for await (const e of q) {
      if (e.type !== 'alert') { if (e.type === 'skipped') stats.skipped++; continue; }
      const seq = Number(e.alert.output.slice(5));
      if (!Number.isInteger(seq) || seq < 0 || seq >= expected) stats.unknown++;
      else if (seen[seq]) stats.duplicates++;
      else { seen[seq] = 1; stats.alerts++; }
      store.add(e.alert);
    }
  })();
  return { stats, store, done };
}

/** Samples RSS and timer lateness (how late a 20 ms timer fires) while the load runs. */
function probe() {
  const lags: number[] = [];
  let maxRss = 0;
  let last = performance.now();
  const t = setInterval(() => {
    const now = performance.now();
    lags.push(Math.max(0, now - last - 20));
    last = now;
    maxRss = Math.max(maxRss, process.memoryUsage().rss);
  }, 20);
  return {
    stop() {
      clearInterval(t);
      lags.sort((a, b) => a - b);
      return { maxRssMB: Math.round(maxRss / 1048576), lagP99Ms: Math.round(lags[Math.floor(lags.length * 0.99)] ?? 0), lagMaxMs: Math.round(lags[lags.length - 1] ?? 0) };
    },
  };
}

async function waitFor(pred: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!pred() && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
}

test(`webhook: ${RATE}/s for ${SECONDS} s, every alert counted once`, { timeout: (SECONDS + 90) * 1000 }, async () => {
  const total = Math.round(RATE * SECONDS);
  const q = new BoundedQueue<SourceEvent>(5000);
  const rx = new WebhookReceiver({ port: 0 }, q);
  const { port } = await rx.listen();
  const c = consume(q, total);
  const p = probe();
  const t0 = performance.now();
  try {
    const client = await runClient(['webhook', String(port), String(RATE), String(SECONDS)]);
    const sent = client['sent'] ?? 0;
    await waitFor(() => c.stats.alerts + c.stats.duplicates >= sent, 10_000);
    const secs = (performance.now() - t0) / 1000;
    const m = p.stop();
    const figures = { path: 'webhook', target: `${RATE}/s x ${SECONDS}s`, sent, accepted: client['accepted'], ...c.stats, storeEntries: c.store.size, evicted: c.store.evicted, client429Retries: client['retries429'], clientErrors: client['errors'], achievedPerSec: Math.round(client['achievedRate'] ?? 0), wallSeconds: Math.round(secs * 10) / 10, healthzMaxMs: Math.round(client['healthMaxMs'] ?? 0), ...m };
    console.log(`LOAD ${JSON.stringify(figures)}`);
    assert.equal(client['accepted'], sent, 'every POST eventually accepted (202)');
    assert.equal(c.stats.alerts, sent, 'every accepted alert counted');
    assert.equal(c.stats.duplicates, 0);
    assert.equal(c.stats.unknown, 0);
    assert.equal(client['errors'], 0);
    assert.ok(sent >= total * 0.2, `throughput collapsed: ${sent} of ${total} sent`);
    assert.ok(c.store.size <= 10_000);
    assert.ok(m.maxRssMB < RSS_LIMIT_MB, `RSS ${m.maxRssMB} MB`);
    assert.ok((client['healthMaxMs'] ?? 0) < 2000, `healthz answered within 2 s (max ${client['healthMaxMs']} ms)`);
  } finally {
    p.stop();
    await rx.close();
    q.close();
    await c.done;
  }
});

test(`followed file: ${RATE}/s for ${SECONDS} s, every alert counted once`, { timeout: (SECONDS + 90) * 1000 }, async () => {
  const total = Math.round(RATE * SECONDS);
  const dir = mkdtempSync(join(tmpdir(), 'falcoshark-load-'));
  const path = join(dir, 'falco.jsonl');
  writeFileSync(path, '');
  const q = new BoundedQueue<SourceEvent>(5000);
  const ac = new AbortController();
  const c = consume(q, total);
  const p = probe();
  const follower = followFile({ path, pollMs: 50 }, q, ac.signal);
  const t0 = performance.now();
  try {
    const client = await runClient(['file', path, String(RATE), String(SECONDS)]);
    const sent = client['sent'] ?? 0;
    await waitFor(() => c.stats.alerts + c.stats.duplicates >= sent, 15_000);
    const secs = (performance.now() - t0) / 1000;
    const m = p.stop();
    const figures = { path: 'file', target: `${RATE}/s x ${SECONDS}s`, sent, ...c.stats, storeEntries: c.store.size, achievedPerSec: Math.round(client['achievedRate'] ?? 0), wallSeconds: Math.round(secs * 10) / 10, ...m };
    console.log(`LOAD ${JSON.stringify(figures)}`);
    assert.equal(c.stats.alerts, sent, 'every written alert counted');
    assert.equal(c.stats.duplicates, 0);
    assert.equal(c.stats.skipped, 0);
    assert.ok(m.maxRssMB < RSS_LIMIT_MB, `RSS ${m.maxRssMB} MB`);
    assert.ok(m.lagMaxMs < 2000, `timer lag max ${m.lagMaxMs} ms`);
  } finally {
    p.stop();
    ac.abort();
    await follower;
    q.close();
    await c.done;
    rmSync(dir, { recursive: true, force: true });
  }
});
