// The workload session with pods as fake sources (fixture bytes): partial failure (a pod that
// refuses, a stream that breaks) keeps the other pods' packets, a pod that joins later and one
// that ends early are recorded as such, the sidecar lists every pod and passes its checker,
// and the summary says which pod each flow was captured on.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkloadSession, type WorkloadPodInfo } from '../../../src/core/capture/workloadSession.js';
import { planForWorkload, normalizeSelector, PlanError } from '../../../src/core/capture/capturePlan.js';
import type { CaptureSource } from '../../../src/core/capture/captureSession.js';
import { checkSidecar, readSidecar } from '../../../src/core/capture/captureSidecar.js';
import { readCaptureFile } from '../../../src/core/pcap/readCaptureFile.js';
import { capturedOnOf } from '../../../src/core/capture/capturedOn.js';
import { planComment, targetText } from '../../../src/core/capture/planText.js';
import { parseWorkloadRef } from '../../../src/core/k8s/workloadPods.js';

const out = mkdtempSync(join(tmpdir(), 'fs-wl-'));
after(() => rmSync(out, { recursive: true, force: true }));
const fixture = readFileSync('test/fixtures/pcap/gen_lo.pcapng');

function source(chunks: Uint8Array[], o: { fail?: Error; ok?: boolean; detail?: string; waitStop?: boolean } = {}): CaptureSource {
  let stop!: () => void;
  const stopped = new Promise<void>((r) => { stop = r; });
  return {
    stream: (async function* () {
      for (const c of chunks) { yield c; await new Promise((r) => setImmediate(r)); }
      if (o.fail) throw o.fail;
      if (o.waitStop) await stopped;
    })(),
    stop: () => stop(),
    done: o.waitStop ? stopped.then(() => ({ ok: true, detail: '' })) : Promise.resolve({ ok: o.ok ?? true, detail: o.detail ?? '' }),
  };
}

const pod = (name: string, ip: string, joined: 'start' | 'during' = 'start'): WorkloadPodInfo => ({ namespace: 'lab', pod: name, uid: `uid-${name}`, ips: [ip], joined });

test('one pod refusing and one breaking: the others\' packets are kept, each pod has its outcome and reason', async () => {
  const plan = planForWorkload({ namespace: 'lab', selector: 'app=api' }, { method: 'exec', caps: { durationSeconds: 2 } });
  const stages: string[] = [];
  const s = await WorkloadSession.start({ plan, outDir: out, merge: { holdMs: 50 }, onStage: (m) => stages.push(m), whyEnded: async (p) => (p.pod === 'api-gone' ? 'the pod was deleted' : undefined) });
  s.addPod(pod('api-a', '10.0.0.1'), Promise.resolve({ source: source([fixture], { waitStop: true }), container: 'falcoshark-aaaaaa' }));
  s.addPod(pod('api-refused', '10.0.0.2'), Promise.reject(new Error('Pod Security refused the capture container in namespace lab: …')));
  s.addPod(pod('api-broken', '10.0.0.3'), Promise.resolve({ source: source([fixture.subarray(0, 30_001)], { fail: new Error('websocket closed: 1006') }) }));
  s.addPod(pod('api-gone', '10.0.0.4'), Promise.resolve({ source: source([fixture.subarray(0, 20_000)]) }));
  await new Promise((r) => setTimeout(r, 300));
  s.addPod(pod('api-new', '10.0.0.5', 'during'), Promise.resolve({ source: source([fixture], { waitStop: true }) }));
  const rec = await s.finish();
  assert.equal(rec.outcome, 'cap-reached', rec.reason);
  for (const p of ['api-a', 'api-broken', 'api-gone', 'api-new']) assert.ok(stages.some((m) => m.startsWith(`lab/${p}: first packets, `)), `${p}: ${stages.join('; ')}`);
  assert.ok(!stages.some((m) => m.startsWith('lab/api-refused')));
  assert.match(rec.reason, /4 of 5 pods captured, 1 failed \(api-refused/);
  const by = Object.fromEntries(rec.pods.map((p) => [p.pod, p]));
  assert.equal(by['api-a'].outcome, 'complete');
  assert.equal(by['api-a'].packets, 836);
  assert.equal(by['api-a'].container, 'falcoshark-aaaaaa');
  assert.deepEqual(by['api-a'].interfaces, ['lab/api-a:lo']);
  assert.equal(by['api-refused'].outcome, 'failed');
  assert.match(by['api-refused'].reason, /Pod Security refused/);
  assert.equal(by['api-broken'].outcome, 'partial');
  assert.match(by['api-broken'].reason, /connection lost: websocket closed/);
  assert.ok(by['api-broken'].packets > 0);
  assert.equal(by['api-gone'].outcome, 'pod-ended');
  assert.match(by['api-gone'].reason, /the pod was deleted during the capture/);
  assert.equal(by['api-new'].joined, 'during');
  assert.equal(by['api-new'].packets, 836);
  // The file: every pod's packets, as the sidecar counts them, in time order.
  const names: string[] = [];
  const perIf = new Map<number, number>();
  let last = -Infinity;
  let ordered = true;
  await readCaptureFile(rec.file, {
    interface: (i) => { names.push(i.name ?? ''); },
    packet: (r) => {
      perIf.set(r.interfaceId, (perIf.get(r.interfaceId) ?? 0) + 1);
      if (names[r.interfaceId] === 'lab/api-new:lo') return;
      const t = r.tsSec + r.tsNsec / 1e9;
      if (t < last) ordered = false;
      last = t;
    },
  });
  assert.ok(ordered, 'packets of the pods there from the start in time order');
  // api-new replays the same (old) fixture after the others were written: its packets are
  // late, written anyway, and the record says so.
  assert.match(rec.reason, /packets arrived too late to be in time order/);
  for (const p of rec.pods) {
    const i = names.indexOf(`lab/${p.pod}:lo`);
    assert.equal(i >= 0 ? perIf.get(i) ?? 0 : 0, p.packets, `${p.pod}: file and sidecar agree`);
  }
  assert.equal(rec.packets, rec.pods.reduce((n, p) => n + p.packets, 0));
  const side = await readSidecar(rec.file);
  assert.equal(side?.pods?.length, 5);
  assert.doesNotThrow(() => checkSidecar(JSON.parse(readFileSync(rec.sidecar, 'utf8'))));
  // Captured on: by the pods' addresses (this fixture's flows are loopback: not attributed).
  const on = capturedOnOf(side)!;
  assert.deepEqual(on('10.0.0.1', '203.0.113.9'), ['lab/api-a']);
  assert.deepEqual(on('10.0.0.2', '10.0.0.5'), ['lab/api-new'], 'a pod with no packets is not named');
  assert.equal(on('127.0.0.1', '127.0.0.1'), undefined);
});

test('no pod could start: the capture failed, with each reason', async () => {
  const plan = planForWorkload({ namespace: 'lab', selector: 'app=api' }, { method: 'exec', caps: { durationSeconds: 1 } });
  const s = await WorkloadSession.start({ plan, outDir: out });
  s.addPod(pod('a', '10.0.0.1'), Promise.reject(new Error('pod lab/a is gone')));
  s.skip(pod('b', '10.0.0.2'), 'the capture already has 1 pods');
  const rec = await s.finish();
  assert.equal(rec.outcome, 'failed');
  assert.match(rec.reason, /no pod could be captured: lab\/a: pod lab\/a is gone/);
  assert.deepEqual(rec.pods.map((p) => p.outcome), ['failed', 'skipped']);
});

test('a pod whose capture tool the end stops before it wrote anything is not captured, not failed', async () => {
  // The end's SIGTERM reaching the tool before it set its handler: sh exits 143 and says
  // "Terminated" (seen on the real cluster: a replacement pod that joined just before the end).
  const stoppedEarly = (exitCode: number, detail: string): CaptureSource => {
    let stop!: () => void;
    const stopped = new Promise<void>((r) => { stop = r; });
    const stream: AsyncIterable<Uint8Array> = { [Symbol.asyncIterator]: () => ({ next: async () => { await stopped; return { done: true, value: undefined }; } }) };
    return { stream, stop: () => stop(), done: stopped.then(() => ({ ok: false, exitCode, detail })) };
  };
  const plan = planForWorkload({ namespace: 'lab', selector: 'app=api' }, { method: 'exec', caps: { durationSeconds: 1 } });
  const s = await WorkloadSession.start({ plan, outDir: out, merge: { holdMs: 50 } });
  s.addPod(pod('api-a', '10.0.0.1'), Promise.resolve({ source: source([fixture], { waitStop: true }) }));
  s.addPod(pod('api-late', '10.0.0.2', 'during'), Promise.resolve({ source: stoppedEarly(143, 'sh in lab/api-late (container falcoshark-1) failed: Terminated') }));
  s.addPod(pod('api-broke', '10.0.0.3', 'during'), Promise.resolve({ source: stoppedEarly(1, 'tshark: The capture session could not be initiated') }));
  const rec = await s.finish();
  const by = Object.fromEntries(rec.pods.map((p) => [p.pod, p]));
  assert.equal(by['api-late'].outcome, 'skipped');
  assert.match(by['api-late'].reason, /^the capture ended \d+\.\d s after its capture tool started, before the tool had written anything$/);
  assert.equal(by['api-broke'].outcome, 'failed', 'a tool that failed on its own is still a failure');
  assert.match(by['api-broke'].reason, /could not be initiated/);
  assert.match(rec.reason, /1 of 3 pods captured, 1 failed \(api-broke: .*1 not captured \(api-late:/);
});

test('a sidecar with a wrong pod entry is refused, naming the field', async () => {
  const plan = planForWorkload({ namespace: 'lab', selector: 'app=api' }, { method: 'exec', caps: { durationSeconds: 1 } });
  const s = await WorkloadSession.start({ plan, outDir: out });
  s.addPod(pod('a', '10.0.0.1'), Promise.resolve({ source: source([fixture]) }));
  const rec = await s.finish();
  const v = JSON.parse(readFileSync(rec.sidecar, 'utf8')) as { pods: Array<Record<string, unknown>> };
  v.pods[0].outcome = 'exploded';
  assert.throws(() => checkSidecar(v), /pods\[0\]\.outcome must be one of complete, pod-ended/);
});

test('workload plans: selectors and workloads are checked; the target reads well', () => {
  assert.equal(normalizeSelector(' app = api , tier=web'), 'app=api,tier=web');
  assert.equal(normalizeSelector('app.kubernetes.io/name=falco'), 'app.kubernetes.io/name=falco');
  for (const bad of ['app', 'app!=api', 'app=a b', 'app=$(id)', 'a=b,c in (d)', '-x=y']) assert.throws(() => normalizeSelector(bad), PlanError, bad);
  assert.deepEqual(parseWorkloadRef('deploy/api'), { kind: 'Deployment', name: 'api' });
  assert.deepEqual(parseWorkloadRef('StatefulSet/db'), { kind: 'StatefulSet', name: 'db' });
  assert.throws(() => parseWorkloadRef('cronjob/x'), PlanError);
  assert.throws(() => planForWorkload({ namespace: 'lab', selector: '', owner: { kind: 'Deployment', name: 'API!' } }), PlanError);
  assert.throws(() => planForWorkload({ namespace: 'lab', selector: '' }), /needs a label selector or a workload/);
  const p = planForWorkload({ namespace: 'shop', selector: '', owner: { kind: 'Deployment', name: 'api' } });
  assert.equal(targetText(p.target), 'shop: Deployment api (every pod)');
  assert.match(planComment(p).join('\n'), /target: every pod of Deployment api in namespace shop, one interface per pod/);
  assert.match(p.notes.join('\n'), /each pod gets an equal share/);
});
