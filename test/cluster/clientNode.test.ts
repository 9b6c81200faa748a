// @kubernetes/client-node 1.x (what falcoshark uses) against the real apiserver of the lab:
// list/get with selectors, the owner chain, errors as Status, watch (events, 410), logs, exec
// (binary clean, exit codes on channel 3), attach, ephemeral containers (JSON patch, strategic
// merge, Pod Security, 422, 415) — the facts of k8s-protocol.md, checked on the real thing.
// (Formerly test/integration/lab/clientNode.test.ts against the imitation.)
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough, Writable } from 'node:stream';
import { AppsV1Api, Attach, CoreV1Api, DiscoveryV1Api, Exec, Log, PatchStrategy, Watch, setHeaderOptions, type V1Pod, type V1Status } from '@kubernetes/client-node';
import { DEMO, clusterSkipReason, useClusterLab, type ClusterLab } from '../support/clusterLab.js';

const skip = clusterSkipReason();
const run = Date.now().toString(36);

function collect(): { w: Writable; text: () => string; buf: () => Buffer } {
  const chunks: Buffer[] = [];
  const w = new Writable({ write(c: Buffer, _e, cb) { chunks.push(Buffer.from(c)); cb(); } });
  return { w, text: () => Buffer.concat(chunks).toString('utf8'), buf: () => Buffer.concat(chunks) };
}

function apiBody(e: unknown): { code?: number; reason?: string; message?: string } {
  const body = (e as { body?: unknown }).body;
  return typeof body === 'string' ? JSON.parse(body) as { code?: number; reason?: string; message?: string } : {};
}

async function execIn(lab: ClusterLab, ns: string, pod: string, container: string, cmd: string[], stdin: Buffer | null = null): Promise<{ out: Buffer; err: string; status: V1Status }> {
  const out = collect(); const err = collect();
  const input = stdin ? new PassThrough() : null;
  const status = await new Promise<V1Status>((resolve, reject) => {
    new Exec(lab.kubeConfig()).exec(ns, pod, container, cmd, out.w, err.w, input, false, resolve).catch(reject);
    if (input && stdin) { input.end(stdin); }
  });
  return { out: out.buf(), err: err.text(), status };
}

describe('client-node against the real apiserver', { skip }, () => {
  let lab: ClusterLab;
  let core: CoreV1Api;
  let api: V1Pod;

  before(async () => {
    lab = await useClusterLab();
    core = lab.kubeConfig().makeApiClient(CoreV1Api);
    api = await lab.waitForPod('shop', 'app=api');
  });
  after(() => undefined);

  test('list, field selectors and the owner chain pod → ReplicaSet → Deployment, services, endpointslices', async () => {
    const all = await core.listPodForAllNamespaces();
    assert.ok(all.items.length >= 5);
    assert.match(all.metadata?.resourceVersion ?? '', /^\d+$/);
    const byIp = await core.listNamespacedPod({ namespace: 'shop', fieldSelector: `status.podIP=${api.status?.podIP ?? ''}` });
    assert.deepEqual(byIp.items.map((p) => p.metadata?.name), [api.metadata?.name]);
    const byName = await core.listNamespacedPod({ namespace: 'shop', fieldSelector: `metadata.name=${api.metadata?.name ?? ''},spec.nodeName=${api.spec?.nodeName ?? ''}` });
    assert.equal(byName.items.length, 1);
    const ref = api.metadata?.ownerReferences?.[0];
    assert.equal(ref?.kind, 'ReplicaSet');
    const apps = lab.kubeConfig().makeApiClient(AppsV1Api);
    const rs = await apps.readNamespacedReplicaSet({ namespace: 'shop', name: ref?.name ?? '' });
    const depRef = rs.metadata?.ownerReferences?.[0];
    assert.equal(depRef?.kind, 'Deployment');
    assert.equal((await apps.readNamespacedDeployment({ namespace: 'shop', name: depRef?.name ?? '' })).metadata?.name, 'api');
    const svc = await core.readNamespacedService({ namespace: 'shop', name: 'api' });
    assert.deepEqual(svc.spec?.selector, { app: 'api' });
    const slices = await lab.kubeConfig().makeApiClient(DiscoveryV1Api).listNamespacedEndpointSlice({ namespace: 'shop', labelSelector: 'kubernetes.io/service-name=api' });
    assert.equal(slices.items[0]?.endpoints[0]?.addresses[0], api.status?.podIP);
    assert.equal(slices.items[0]?.endpoints[0]?.targetRef?.name, api.metadata?.name);
    const labelled = await core.listNamespacedPod({ namespace: 'shop', labelSelector: 'tier in (web,data),app!=api' });
    assert.deepEqual(labelled.items.map((p) => p.metadata?.labels?.app).sort(), ['db', 'frontend']);
  });

  test('errors are Status objects: 404, 403 naming verb/resource/namespace, 400 for a bad field selector', async () => {
    await assert.rejects(core.readNamespacedPod({ namespace: 'shop', name: 'nope' }), (e: unknown) => {
      const s = apiBody(e);
      return s.code === 404 && s.reason === 'NotFound' && s.message === 'pods "nope" not found';
    });
    const ro = lab.kubeConfig('readonly').makeApiClient(CoreV1Api);
    await assert.rejects(ro.patchNamespacedPodEphemeralcontainers({ namespace: 'shop', name: api.metadata?.name ?? '', body: [] }), (e: unknown) => {
      const s = apiBody(e);
      return s.code === 403 && s.message === `pods "${api.metadata?.name ?? ''}" is forbidden: User "system:serviceaccount:lab:readonly" cannot patch resource "pods/ephemeralcontainers" in API group "" in the namespace "shop"`;
    });
    await assert.rejects(core.listNamespacedPod({ namespace: 'shop', fieldSelector: 'spec.bogus=1' }), (e: unknown) => apiBody(e).code === 400);
  });

  test('watch: ADDED/MODIFIED/DELETED of a pod replaced by its ReplicaSet', async (t) => {
    const list = await core.listNamespacedPod({ namespace: 'shop' });
    const events: string[] = [];
    let bookmarks = 0;
    const w = new Watch(lab.kubeConfig());
    const req = await w.watch('/api/v1/namespaces/shop/pods', { allowWatchBookmarks: true, resourceVersion: list.metadata?.resourceVersion, labelSelector: 'app=db' },
      (type: string, obj: V1Pod) => { if (type === 'BOOKMARK') bookmarks++; else events.push(`${type} ${obj.metadata?.name ?? ''}`); }, () => undefined);
    const db = list.items.find((p) => p.metadata?.labels?.app === 'db');
    await lab.kubectl(['delete', 'pod', '-n', 'shop', db?.metadata?.name ?? '', '--wait=false'], { role: 'admin' });
    const end = Date.now() + 60_000;
    while (Date.now() < end && !(events.some((e) => e === `DELETED ${db?.metadata?.name ?? ''}`) && events.some((e) => e.startsWith('ADDED ')))) await new Promise((r) => setTimeout(r, 200));
    req.abort();
    assert.ok(events.includes(`MODIFIED ${db?.metadata?.name ?? ''}`), events.join('\n'));
    assert.ok(events.includes(`DELETED ${db?.metadata?.name ?? ''}`), events.join('\n'));
    assert.ok(events.some((e) => e.startsWith('ADDED db-')), events.join('\n'));
    t.diagnostic(`bookmarks seen in the window: ${bookmarks} (a real apiserver sends them about once a minute)`);

    // (An old resourceVersion answers 410 Expired only once it has left the apiserver's watch
    // cache and etcd was compacted — minutes on a fresh cluster: not asserted here; the cluster
    // source's resume is tested by clusterSource.test.ts.)
  });

  test('logs: tailLines, timestamps (RFC3339Nano), limitBytes, follow', async () => {
    const name = api.metadata?.name ?? '';
    const out = collect();
    const log = new Log(lab.kubeConfig());
    await new Promise<void>((resolve, reject) => {
      out.w.on('finish', () => resolve());
      log.log('shop', name, 'api', out.w, { follow: false, tailLines: 2, timestamps: true }).catch(reject);
    });
    const lines = out.text().trim().split('\n');
    assert.equal(lines.length, 2, out.text());
    for (const l of lines) assert.match(l, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z /);
    const limited = await core.readNamespacedPodLog({ namespace: 'shop', name, container: 'api', limitBytes: 10 });
    assert.equal(Buffer.byteLength(limited), 10);
    const falco = (await core.listNamespacedPod({ namespace: 'falco', labelSelector: 'app.kubernetes.io/name=falco' })).items[0];
    const follow = collect();
    const ctl = await log.log('falco', falco?.metadata?.name ?? '', 'falco', follow.w, { follow: true, tailLines: 0 });
    const end = Date.now() + 30_000;
    // (Another api pod may still be going away after an earlier test's restart: wait for this one's alert.)
    const mine = (): string | undefined => follow.text().split('\n').find((l) => l.startsWith('{') && l.includes('"Outbound Connection to C2 Servers"') && l.includes(`"k8s.pod.name":"${name}"`));
    while (Date.now() < end && !mine()) await new Promise((r) => setTimeout(r, 100));
    ctl.abort();
    const alert = JSON.parse(mine() ?? '{}') as { output_fields?: Record<string, unknown>; hostname?: string; time?: string };
    assert.equal(alert.output_fields?.['k8s.pod.name'], name);
    assert.equal(alert.output_fields?.['fd.cip'], api.status?.podIP);
    assert.equal(alert.hostname, api.spec?.nodeName);
    assert.match(alert.time ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
  });

  test('exec: binary clean both ways, stdin, exit codes on channel 3 (in the falco pod: its image has a shell)', async () => {
    const falco = await lab.waitForPod('falco', 'app.kubernetes.io/name=falco');
    const name = falco.metadata?.name ?? '';
    const all = Buffer.from(Array.from({ length: 256 }, (_v, i) => i));
    const bin = await execIn(lab, 'falco', name, 'falco', ['cat'], all);
    assert.equal(bin.status.status, 'Success');
    assert.ok(bin.out.equals(all), `got ${bin.out.length} bytes`);
    const fail = await execIn(lab, 'falco', name, 'falco', ['sh', '-c', 'echo oops >&2; exit 3']);
    assert.equal(fail.status.reason, 'NonZeroExitCode');
    assert.equal(fail.status.details?.causes?.[0]?.message, '3');
    assert.equal(fail.err, 'oops\n');
  });

  test('ephemeral containers: JSON patch and strategic merge, waiting → running → terminated, attach, Pod Security, 422, 415', async () => {
    const name = api.metadata?.name ?? '';
    // JSON patch: a real apiserver refuses an `add` of the whole array once the pod has ephemeral
    // containers ("existing ephemeral containers … may not be removed"): append with `/-` then.
    const dbg1 = { name: `dbg1-${run}`, image: DEMO.captureImage, command: ['sh', '-c', 'sleep 1; echo from-ephemeral; ip -4 -o addr show dev eth0; exit 4'], targetContainerName: 'api' };
    const has = ((await core.readNamespacedPod({ namespace: 'shop', name })).spec?.ephemeralContainers ?? []).length > 0;
    const patched = await core.patchNamespacedPodEphemeralcontainers({ namespace: 'shop', name, body: [
      has ? { op: 'add', path: '/spec/ephemeralContainers/-', value: dbg1 } : { op: 'add', path: '/spec/ephemeralContainers', value: [dbg1] }] });
    assert.ok(patched.spec?.ephemeralContainers?.some((c) => c.name === `dbg1-${run}`));
    // Like the apiserver, the PATCH answer precedes the kubelet's status for the new container.
    let st = patched.status?.ephemeralContainerStatuses?.find((s) => s.name === `dbg1-${run}`);
    assert.ok(st === undefined || st.state?.waiting?.reason === 'ContainerCreating');
    const seen = new Set<string>();
    const end = Date.now() + 30_000;
    while (Date.now() < end) {
      const p = await core.readNamespacedPod({ namespace: 'shop', name });
      st = p.status?.ephemeralContainerStatuses?.find((s) => s.name === `dbg1-${run}`);
      if (st?.state?.running) seen.add('running');
      if (st?.state?.terminated) { seen.add('terminated'); break; }
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(seen.has('running') && seen.has('terminated'), [...seen].join());
    assert.equal(st?.state?.terminated?.exitCode, 4);
    const logs = await core.readNamespacedPodLog({ namespace: 'shop', name, container: `dbg1-${run}` });
    assert.ok(logs.includes('from-ephemeral') && logs.includes(api.status?.podIP ?? 'x'), logs);

    const smp = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);
    await core.patchNamespacedPodEphemeralcontainers({ namespace: 'shop', name, body: { spec: { ephemeralContainers: [{ name: `dbg2-${run}`, image: DEMO.captureImage, command: ['sh', '-c', 'for i in 1 2 3 4 5 6 7 8 9 10; do echo tick $i; sleep 0.3; done'] }] } } }, smp);
    await lab.waitForPod('shop', 'app=api');
    let running = false;
    for (let i = 0; i < 50 && !running; i++) {
      const p = await core.readNamespacedPod({ namespace: 'shop', name });
      running = !!p.status?.ephemeralContainerStatuses?.find((s) => s.name === `dbg2-${run}`)?.state?.running;
      if (!running) await new Promise((r) => setTimeout(r, 100));
    }
    const attached = collect();
    await new Promise<void>((resolve, reject) => {
      attached.w.on('finish', () => resolve());
      new Attach(lab.kubeConfig()).attach('shop', name, `dbg2-${run}`, attached.w, null, null, false).then((ws) => ws.on('close', () => resolve()), reject);
    });
    assert.match(attached.text(), /tick \d+\n/);

    const dup = core.patchNamespacedPodEphemeralcontainers({ namespace: 'shop', name, body: { spec: { ephemeralContainers: [{ name: 'api', image: 'x' }] } } }, smp);
    await assert.rejects(dup, (e: unknown) => { const s = apiBody(e); return s.code === 422 && s.reason === 'Invalid' && /spec\.ephemeralContainers\[\d+\]\.name: Duplicate value: "api"/.test(s.message ?? ''); });
    const bad = core.patchNamespacedPodEphemeralcontainers({ namespace: 'shop', name, body: { spec: {} } }, setHeaderOptions('Content-Type', 'application/x-yaml'));
    await assert.rejects(bad, (e: unknown) => apiBody(e).code === 415);

    // Pod Security baseline (namespace shop) rejects added NET_RAW/NET_ADMIN, with the apiserver's own message.
    const denied = core.patchNamespacedPodEphemeralcontainers({ namespace: 'shop', name, body: { spec: { ephemeralContainers: [{ name: `debugger-${run}`, image: DEMO.captureImage, securityContext: { capabilities: { add: ['NET_ADMIN', 'NET_RAW'] } } }] } } }, smp);
    await assert.rejects(denied, (e: unknown) => apiBody(e).message === `pods "${name}" is forbidden: violates PodSecurity "baseline:latest": non-default capabilities (container "debugger-${run}" must not include "NET_ADMIN", "NET_RAW" in securityContext.capabilities.add)`);
  });
  test('list with limit and continue pages through every item (what the cluster snapshot relies on)', async () => {
    const first = await core.listNamespace({ limit: 2 });
    assert.equal(first.items.length, 2);
    assert.ok(first.metadata?._continue, 'a continue token');
    const names: string[] = first.items.map((i) => i.metadata?.name ?? '');
    let cont: string | undefined = first.metadata?._continue;
    while (cont) {
      const page = await core.listNamespace({ limit: 2, _continue: cont });
      names.push(...page.items.map((i) => i.metadata?.name ?? ''));
      cont = page.metadata?._continue;
    }
    const all = await core.listNamespace();
    assert.deepEqual(names, all.items.map((i) => i.metadata?.name ?? ''));
    assert.ok(names.length >= 7, names.join());
  });

  test('logs with sinceTime only return newer lines (what the cluster source resumes with)', async () => {
    const name = api.metadata?.name ?? '';
    const all = await core.readNamespacedPodLog({ namespace: 'shop', name, container: 'api' });
    const since = new Date(Date.now() - 4000).toISOString();
    const out = collect();
    await new Promise<void>((resolve, reject) => {
      out.w.on('finish', () => resolve());
      new Log(lab.kubeConfig()).log('shop', name, 'api', out.w, { follow: false, sinceTime: since }).catch(reject);
    });
    const recent = out.text();
    const n = (x: string): number => x.trim().split('\n').filter(Boolean).length;
    assert.ok(n(recent) >= 1 && n(recent) < n(all), `${n(recent)} of ${n(all)} lines`);
  });
});
