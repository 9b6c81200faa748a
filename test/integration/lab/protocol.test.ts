// Protocol details on a lab without the demo: exec over v4 with a raw WebSocket (initial
// frame, only requested channels, Status on channel 3), merge patch and PUT of ephemeral
// containers (409 on a stale resourceVersion), logs sinceTime, an informer (list + watch).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import WebSocket from 'ws';
import { CoreV1Api, Log, PatchStrategy, makeInformer, setHeaderOptions, type V1Pod } from '@kubernetes/client-node';
import { labSkipReason, startTestLab, type TestLab } from '../../../src/lab/testLab.js';

const skip = labSkipReason();

function apiBody(e: unknown): { code?: number; reason?: string; message?: string } {
  const body = (e as { body?: unknown }).body;
  return typeof body === 'string' ? JSON.parse(body) as { code?: number; reason?: string; message?: string } : {};
}

describe('lab protocol details', { skip }, () => {
  let lab: TestLab;
  let core: CoreV1Api;
  before(async () => {
    lab = await startTestLab({ scenario: false });
    assert.ok(lab.lab);
    lab.lab.runtime.createPod('default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'box', uid: '', resourceVersion: '', creationTimestamp: '', labels: { app: 'box' } },
      spec: { containers: [{ name: 'main', image: 'alpine:3.20', command: ['sh', '-c', 'i=0; while true; do i=$((i+1)); echo line $i; sleep 0.2; done'] }] } });
    await lab.waitForPod('default', 'app=box');
    core = lab.kubeConfig().makeApiClient(CoreV1Api);
  });
  after(async () => { await lab?.stop(); });

  test('exec over v4.channel.k8s.io: initial frame, only requested channels, exit status on channel 3', async () => {
    const ca = Buffer.from(/certificate-authority-data: (\S+)/.exec(readFileSync(lab.kubeconfigPath, 'utf8'))?.[1] ?? '', 'base64');
    const url = `${lab.server.replace('https', 'wss')}/api/v1/namespaces/default/pods/box/exec?stdout=true&stderr=false&stdin=false&tty=false&command=sh&command=-c&command=echo%20out%3B%20echo%20err%20%3E%262%3B%20exit%207&container=main`;
    const frames: Buffer[] = [];
    const ws = new WebSocket(url, ['v4.channel.k8s.io'], { ca, headers: { Authorization: `Bearer ${lab.token('falcoshark')}` } });
    await new Promise<void>((resolve, reject) => {
      ws.on('message', (d: Buffer) => frames.push(Buffer.from(d)));
      ws.on('close', () => resolve());
      ws.on('error', reject);
    });
    assert.equal(ws.protocol, 'v4.channel.k8s.io');
    assert.deepEqual([...frames[0]], [1], 'empty frame on the first requested channel');
    assert.ok(frames.every((f) => f[0] !== 2), 'nothing on the unrequested stderr channel');
    assert.equal(Buffer.concat(frames.filter((f) => f[0] === 1).map((f) => f.subarray(1))).toString(), 'out\n');
    const status = JSON.parse(frames.find((f) => f[0] === 3)?.subarray(1).toString() ?? '{}') as { reason?: string; message?: string; details?: { causes?: { reason: string; message: string }[] } };
    assert.equal(status.reason, 'NonZeroExitCode');
    assert.equal(status.message, 'command terminated with non-zero exit code: error executing command [sh -c echo out; echo err >&2; exit 7], exit code 7');
    assert.deepEqual(status.details?.causes, [{ reason: 'ExitCode', message: '7' }]);

    const refused = new WebSocket(url, ['v4.channel.k8s.io'], { ca, headers: { Authorization: `Bearer ${lab.token('readonly')}` } });
    const code = await new Promise<number>((resolve) => refused.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
    assert.equal(code, 403);
  });

  test('ephemeral containers by merge patch and by PUT; a stale resourceVersion is a 409 Conflict', async () => {
    await core.patchNamespacedPodEphemeralcontainers({ namespace: 'default', name: 'box', body: { spec: { ephemeralContainers: [{ name: 'm1', image: 'busybox', command: ['true'] }] } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    const pod = await core.readNamespacedPodEphemeralcontainers({ namespace: 'default', name: 'box' });
    assert.deepEqual(pod.spec?.ephemeralContainers?.map((c) => c.name), ['m1']);
    const stale: V1Pod = JSON.parse(JSON.stringify(pod)) as V1Pod;
    pod.spec?.ephemeralContainers?.push({ name: 'p1', image: 'busybox', command: ['sh', '-c', 'echo put-ok'] });
    const put = await core.replaceNamespacedPodEphemeralcontainers({ namespace: 'default', name: 'box', body: pod });
    assert.deepEqual(put.spec?.ephemeralContainers?.map((c) => c.name), ['m1', 'p1']);
    stale.spec?.ephemeralContainers?.push({ name: 'p2', image: 'busybox' });
    await assert.rejects(core.replaceNamespacedPodEphemeralcontainers({ namespace: 'default', name: 'box', body: stale }), (e: unknown) => {
      const s = apiBody(e);
      return s.code === 409 && s.reason === 'Conflict' && s.message === 'Operation cannot be fulfilled on pods "box": the object has been modified; please apply your changes to the latest version and try again';
    });
    await assert.rejects(core.patchNamespacedPodEphemeralcontainers({ namespace: 'default', name: 'box', body: [{ op: 'remove', path: '/spec/ephemeralContainers/0' }] }),
      (e: unknown) => { const s = apiBody(e); return s.code === 422 && (s.message ?? '').includes('existing ephemeral containers "m1" may not be removed'); });
    await assert.rejects(core.patchNamespacedPodEphemeralcontainers({ namespace: 'default', name: 'box', body: [{ op: 'add', path: '/spec/ephemeralContainers/-', value: { name: 'no-image' } }] }),
      (e: unknown) => { const s = apiBody(e); return s.code === 422 && s.message === 'Pod "box" is invalid: spec.ephemeralContainers[2].image: Required value'; });
  });

  test('list with limit and continue pages through the items', async () => {
    lab.lab?.workloads.addNamespace('page-a');
    lab.lab?.workloads.addNamespace('page-b');
    const ns = await core.listNamespace({ limit: 1 });
    assert.equal(ns.items.length, 1);
    assert.ok(ns.metadata?._continue, 'continue token');
    assert.ok((ns.metadata?.remainingItemCount ?? 0) >= 0);
    const all = await core.listNamespace();
    const names: string[] = ns.items.map((i) => i.metadata?.name ?? '');
    let cont: string | undefined = ns.metadata?._continue;
    while (cont) {
      const page = await core.listNamespace({ limit: 1, _continue: cont });
      names.push(...page.items.map((i) => i.metadata?.name ?? ''));
      cont = page.metadata?._continue;
    }
    assert.deepEqual(names, all.items.map((i) => i.metadata?.name ?? ''));
    assert.equal(names.length, 3);
  });

  test('logs with sinceTime only return newer lines', async () => {
    await new Promise((r) => setTimeout(r, 600));
    const since = new Date(Date.now() - 300).toISOString();
    const all = await core.readNamespacedPodLog({ namespace: 'default', name: 'box', container: 'main' });
    const chunks: Buffer[] = [];
    const sink = new Writable({ write(c: Buffer, _e, cb) { chunks.push(Buffer.from(c)); cb(); } });
    await new Promise<void>((resolve, reject) => {
      sink.on('finish', () => resolve());
      new Log(lab.kubeConfig()).log('default', 'box', 'main', sink, { follow: false, sinceTime: since }).catch(reject);
    });
    const recent = Buffer.concat(chunks).toString();
    const n = (s: string): number => s.trim().split('\n').length;
    assert.ok(n(recent) >= 1 && n(recent) < n(all), `${n(recent)} of ${n(all)}`);
  });

  test('an informer lists then watches (add and delete events)', async () => {
    const informer = makeInformer(lab.kubeConfig(), '/api/v1/namespaces/default/pods', () => core.listNamespacedPod({ namespace: 'default' }));
    const seen: string[] = [];
    informer.on('add', (p: V1Pod) => seen.push(`add ${p.metadata?.name ?? ''}`));
    informer.on('delete', (p: V1Pod) => seen.push(`delete ${p.metadata?.name ?? ''}`));
    await informer.start();
    lab.lab?.runtime.createPod('default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'other', uid: '', resourceVersion: '', creationTimestamp: '' }, spec: { containers: [{ name: 'c', image: 'x', command: ['sleep', 'infinity'] }] } });
    await new Promise((r) => setTimeout(r, 500));
    await lab.kubectl(['delete', 'pod', '-n', 'default', 'other', '--wait=false'], { role: 'admin' });
    const end = Date.now() + 5000;
    while (Date.now() < end && !seen.includes('delete other')) await new Promise((r) => setTimeout(r, 100));
    await informer.stop();
    assert.ok(seen.includes('add box') && seen.includes('add other') && seen.includes('delete other'), seen.join());
  });
});
