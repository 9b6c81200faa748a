// Webhook load with a generator that is not the bottleneck: wrk (C, one thread, keep-alive)
// POSTs unique Falco alerts as fast as the receiver takes them, for FALCOSHARK_LOAD_SECONDS
// (default 12; the figure is 30), on 127.0.0.1 only, and stops by itself. The Node
// generator of load.test.ts topped out near 7,000/s on this 2-core machine: its own CPU, not
// the receiver's. Every alert the receiver accepted must be counted exactly once, memory must
// stay bounded and the loop responsive. The rate is printed, not asserted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BoundedQueue } from '../../../src/core/alerts/boundedQueue.js';
import { AlertStore } from '../../../src/core/alerts/alertStore.js';
import type { SourceEvent } from '../../../src/core/alerts/sources/sourceEvents.js';
import { WebhookReceiver } from '../../../src/core/alerts/sources/webhookReceiver.js';
import { requireTool } from '../../support/prereq.js';

const SECONDS = Number(process.env['FALCOSHARK_LOAD_SECONDS'] ?? 12);
const MAX_SEQ = 2_000_000;

// One Lua state per wrk thread: with one thread the counter is unique per request.
const LUA = `
local n = 0
request = function()
  local body = '{"output":"seq: ' .. n .. '","priority":"Warning","rule":"Outbound Connection to C2 Servers","source":"syscall",'
    .. '"time":"2026-11-28T14:26:39.123456789Z","hostname":"node-1","tags":["network"],"output_fields":{"evt.time":1764339999123456789,'
    .. '"k8s.ns.name":"shop","k8s.pod.name":"api-' .. (n % 50) .. '","fd.sip":"203.0.113.9","fd.sport":4444,'
    .. '"fd.cip":"10.244.1.17","fd.cport":' .. (1024 + n % 60000) .. ',"fd.l4proto":"tcp","proc.cmdline":"curl $(id); <script>x</script>"}}'
  n = n + 1
  return wrk.format("POST", "/", {["Content-Type"] = "application/json"}, body)
end
`;

test(`webhook under wrk for ${SECONDS} s: every accepted alert counted once`, { timeout: (SECONDS + 60) * 1000 }, async (t) => {
  if (!requireTool(t, 'wrk')) return;
  const dir = mkdtempSync(join(tmpdir(), 'fs-wrk-'));
  const script = join(dir, 'post.lua');
  writeFileSync(script, LUA);
  const q = new BoundedQueue<SourceEvent>(5000);
  const rx = new WebhookReceiver({ port: 0 }, q);
  const { port } = await rx.listen();
  const store = new AlertStore({ limit: 10_000 });
  const seen = new Uint8Array(MAX_SEQ);
  const stats = { alerts: 0, duplicates: 0, unknown: 0 };
  const consumer = (async () => {
    for await (const e of q) {
      if (e.type !== 'alert') continue;
      const seq = Number(e.alert.output.slice(5));
      if (!Number.isInteger(seq) || seq < 0 || seq >= MAX_SEQ) stats.unknown++;
      else if (seen[seq]) stats.duplicates++;
      else { seen[seq] = 1; stats.alerts++; }
      store.add(e.alert);
    }
  })();
  let maxRss = 0;
  let lagMax = 0;
  let last = performance.now();
  const probe = setInterval(() => {
    const now = performance.now();
    lagMax = Math.max(lagMax, now - last - 20);
    last = now;
    maxRss = Math.max(maxRss, process.memoryUsage().rss);
  }, 20);
  try {
    const out = await new Promise<string>((resolve, reject) => {
      execFile('wrk', ['-t1', '-c32', `-d${SECONDS}s`, '--latency', '-s', script, `http://127.0.0.1:${port}/`],
        { timeout: (SECONDS + 30) * 1000 }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}: ${stderr}`)) : resolve(stdout)));
    });
    const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? NaN);
    const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
    const rate = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN);
    const p99 = /99%\s+(\S+)/.exec(out)?.[1];
    const end = Date.now() + 10_000;
    while (stats.alerts + stats.duplicates < rx.stats.accepted && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    clearInterval(probe);
    const figures = { path: 'webhook (wrk)', seconds: SECONDS, wrkRequests: requests, wrkRequestsPerSec: rate, wrkLatencyP99: p99, non2xx,
      accepted: rx.stats.accepted, tooMany: rx.stats.tooMany, badRequest: rx.stats.badRequest, ...stats, storeEntries: store.size,
      maxRssMB: Math.round(maxRss / 1048576), timerLagMaxMs: Math.round(lagMax) };
    console.log(`LOAD ${JSON.stringify(figures)}`);
    assert.ok(requests > 0);
    assert.equal(rx.stats.badRequest, 0);
    assert.equal(stats.alerts, rx.stats.accepted, 'every accepted alert counted');
    assert.equal(stats.duplicates, 0);
    assert.equal(stats.unknown, 0);
    assert.ok(rx.stats.accepted + rx.stats.tooMany >= requests, 'every completed request was answered by the receiver');
    assert.equal(non2xx, rx.stats.tooMany, 'the only refusals are 429 (queue full)');
    assert.ok(store.size <= 10_000);
    assert.ok(maxRss < 600 * 1048576, `RSS ${Math.round(maxRss / 1048576)} MB`);
  } finally {
    clearInterval(probe);
    await rx.close();
    q.close();
    await consumer;
    rmSync(dir, { recursive: true, force: true });
  }
});
