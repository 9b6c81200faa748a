// The flight recorder on the real lab cluster (issue 13), installed as the README says (its
// `recorder-install` block run by bash, after serve's `serve-install`):
//   - the DaemonSet runs on the node with exactly its RBAC (list/watch pods) and answers nothing
//     without its token;
//   - the demo's C2 alert fed to serve's webhook (as Falcosidekick would) becomes a capture cut
//     from the recorder: it holds the SYN of the very connection the alert names (its client port)
//     and the DNS query for the C2 name before it, both timestamped before the alert; the packets
//     marked as the alerted flow are exactly that 5-tuple; the interface is the pod's;
//   - its own webhook (no serve in the path): the alert straight to the recorder, cut and kept by it;
//   - a workload request (deploy/api at 2 replicas, `capture --workload … --from-recorder` as the lab
//     user): each pod cut from the recorder, merged into one pcapng with one interface per pod;
//   - under a flood (a pod sending UDP as fast as it can for a minute) with a small budget, the
//     memory held never exceeds the budget, the flood loses its own oldest packets (counted in
//     the metrics), and the api pod's recording from before the flood is all still there.
// Everything installed is removed at the end: the shared cluster is left as it was found.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { C2, CLI, clusterPrereqs, runCmd, sharedCluster, type Cluster } from '../support/realCluster.js';
import { adminEnv, installServe, portForward, requireServeImage, serveInstalled, serveTokens, SERVE_NS, UndoList, type PortForward } from '../support/serveInstall.js';
import { installRecorder, recorderInstalled, recorderToken as readRecorderToken } from '../support/recorderInstall.js';
import { parseAlert } from '../../src/core/alerts/alertParser.js';
import type { FalcoAlert } from '../../src/core/alerts/types.js';

const C2_RULE = 'Outbound Connection to C2 Servers';
const SA = `system:serviceaccount:${SERVE_NS}:falcoshark-recorder`;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function recorderPod(c: Cluster): Promise<string> {
  return c.podName(SERVE_NS, 'app.kubernetes.io/name=falcoshark-recorder');
}

/** `kubectl port-forward pod/<recorder> :2803` (a hostNetwork pod: the node's port 2803). */
async function forwardRecorder(c: Cluster): Promise<PortForward> {
  return portForward(c, [2803], `pod/${await recorderPod(c)}`);
}

/** A C2 alert the falco pod logged in the last `freshSeconds`, as Falco wrote it. */
async function freshC2Alert(c: Cluster, freshSeconds: number): Promise<{ line: string; alert: FalcoAlert }> {
  for (let i = 0; i < 60; i++) {
    const log = await c.ok(['logs', '-n', 'falco', 'daemonset/falco', '--tail=50']);
    for (const line of log.split('\n').reverse()) {
      const p = parseAlert(line);
      if (p.ok && p.alert.rule === C2_RULE && p.alert.timeMs && Date.now() - p.alert.timeMs < freshSeconds * 1000) return { line, alert: p.alert };
    }
    await sleep(1000);
  }
  throw new Error(`no C2 alert in the falco pod's log within the last ${freshSeconds} s`);
}

async function metrics(base: string, token: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();
  const m = new Map<string, number>();
  for (const l of text.split('\n')) { const x = /^(\S+) (\S+)$/.exec(l); if (x) m.set(x[1], Number(x[2])); }
  return m;
}

test('the flight recorder, installed as the README says: cuts the C2 alert\'s window with the packets from before it, and holds its bounds under a flood', { timeout: 30 * 60_000 }, async (t) => {
  if (!clusterPrereqs(t)) return;
  const c = await sharedCluster();
  const dir = mkdtempSync(join(tmpdir(), 'fs-recorder-'));
  const undo = new UndoList();
  const forwards: PortForward[] = [];
  t.after(async () => {
    for (const f of forwards) await f.stop().catch(() => undefined);
    await undo.runAll((what, e) => t.diagnostic(`cleanup (${what}) failed: ${e.message}`));
    rmSync(dir, { recursive: true, force: true });
  });
  const env = await adminEnv(c, dir);
  await requireServeImage(c);
  assert.equal(await serveInstalled(c), false, 'serve is not installed yet');
  assert.equal(await recorderInstalled(c), false, 'the recorder is not installed yet');

  let recorderToken = '';
  await t.test('serve, then the recorder: the README\'s lines as written; the DaemonSet has exactly its RBAC', async () => {
    await installServe(c, dir, env, undo);
    const { result: r } = await installRecorder(c, env, undo);
    t.diagnostic(`README recorder-install:\n${r.stdout}${r.stderr}`);
    assert.match(r.stdout, /deployment.apps\/falcoshark-serve restarted/, 'serve is restarted to read the recorder\'s token');
    await c.ok(['rollout', 'status', 'deployment/falcoshark-serve', '-n', SERVE_NS, '--timeout=180s'], { timeoutMs: 200_000 });
    recorderToken = await readRecorderToken(c);
    const pod = JSON.parse(await c.ok(['get', 'pod', '-n', SERVE_NS, await recorderPod(c), '-o', 'json'])) as { spec: { hostNetwork: boolean; nodeName: string } };
    assert.equal(pod.spec.hostNetwork, true);
    const can = async (args: string[]): Promise<string> => (await c.kubectl(['auth', 'can-i', `--as=${SA}`, ...args])).stdout.trim();
    for (const a of [['list', 'pods', '-A'], ['watch', 'pods', '-A']]) assert.equal(await can(a), 'yes', a.join(' '));
    for (const a of [['get', 'pods', '-n', 'shop'], ['get', 'secrets', '-n', SERVE_NS], ['create', 'pods', '--subresource=exec', '-n', 'shop'], ['list', 'services', '-A'], ['*', '*', '-A']]) {
      assert.equal(await can(a), 'no', a.join(' '));
    }
    // It learnt the demo's pods from their own packets, and leaves out the bridge and the excluded namespaces.
    let log = '';
    for (let i = 0; i < 30 && !/is pod shop\/api-/.test(log); i++) { await sleep(1000); log = await c.ok(['logs', '-n', SERVE_NS, 'daemonset/falcoshark-recorder']); }
    assert.match(log, new RegExp(`recording the pods of node ${pod.spec.nodeName} \\(not in kube-system, ${SERVE_NS}\\): the last 120 s, at most 256 MiB`));
    assert.match(log, /interface veth\w+ \(index \d+\) is pod shop\/api-[\w-]+'s \(10\.244\.\d+\.\d+\)/);
    assert.match(log, /interface cni0 \(index \d+\) is not recorded: a bridge/);
    assert.doesNotMatch(log, /is pod (kube-system|falcoshark)\//);
    const serveLog = await c.ok(['logs', '-n', SERVE_NS, 'deployment/falcoshark-serve']);
    assert.doesNotMatch(serveLog, /no recorder token/, 'serve found the recorder\'s token');

    const fwd = await forwardRecorder(c);
    forwards.push(fwd);
    const base = `http://127.0.0.1:${fwd.local.get(2803)}`;
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    for (const path of ['/metrics', '/api/v1/pods']) assert.equal((await fetch(`${base}${path}`)).status, 401, `${path} without the token`);
    const cut = await fetch(`${base}/api/v1/cut`, { method: 'POST', body: '{}', headers: { authorization: 'Bearer not-the-token-at-all' } });
    assert.equal(cut.status, 401);
  });

  await t.test('the demo\'s C2 alert → a capture cut from the recorder, holding the alerted SYN and the DNS query from before the alert', async () => {
    assert.ok(recorderToken, 'installed');
    const tokens = await serveTokens(c);
    const pf = await portForward(c, [2801, 2802]);
    forwards.push(pf);
    // Let the recorder hold a few beacons, then take the newest alert and give it to serve's webhook as Falcosidekick would.
    await sleep(12_000);
    const { line, alert } = await freshC2Alert(c, 8);
    const cport = alert.network?.client?.port;
    assert.ok(cport, `the alert names the client port: ${alert.output}`);
    const body = line.replace(/^\{/, `{"uuid":"${randomUUID()}",`);
    const post = await fetch(`http://127.0.0.1:${pf.local.get(2801)}/`, { method: 'POST', body, headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens.webhook}` } });
    assert.ok(post.status === 200 || post.status === 202, `webhook: ${post.status}`);
    const api = `http://127.0.0.1:${pf.local.get(2802)}`;
    const auth = { headers: { authorization: `Bearer ${tokens.api}` } };
    type Item = { id: string; outcome?: string; rule: string; links: { pcapng: string; sidecar: string } };
    let item: Item | undefined;
    for (let i = 0; i < 120 && !item; i++) {
      const list = await (await fetch(`${api}/api/v1/captures`, auth)).json() as { items: Item[] };
      item = list.items.find((x) => x.rule === C2_RULE && x.outcome);
      if (!item) await sleep(1000);
    }
    const serveLog = await c.ok(['logs', '-n', SERVE_NS, 'deployment/falcoshark-serve']);
    assert.ok(item, `no finished capture listed by serve after 120 s; serve said:\n${serveLog}`);
    assert.match(serveLog, /cut from the recorder falcoshark\/falcoshark-recorder-\w+ on node \S+ \(60 s before → 30 s after the alert\)/);
    const sidecar = await (await fetch(`${api}${item.links.sidecar}`, auth)).json() as {
      record: { outcome: string; packets: number; alertedPackets: number };
      plan: { method: string; target: { pod: string; node?: string }; recorded?: { alertTime: string; beforeSeconds: number; afterSeconds: number; from: string; to: string; heldFrom?: string } } };
    assert.equal(sidecar.plan.method, 'recorder');
    assert.equal(sidecar.plan.recorded?.beforeSeconds, 60);
    assert.equal(sidecar.plan.recorded?.afterSeconds, 30);
    assert.equal(sidecar.plan.recorded?.alertTime, alert.time);
    assert.equal(sidecar.record.outcome, 'complete', JSON.stringify(sidecar.record));
    const file = join(dir, `${item.id}.pcapng`);
    writeFileSync(file, Buffer.from(await (await fetch(`${api}${item.links.pcapng}`, auth)).arrayBuffer()));
    const alertEpoch = Number(BigInt(alert.timeNs!) / 1000n) / 1e6;
    const frames = async (filter: string, fields: string[]): Promise<string[][]> => {
      const r = await runCmd(['tshark', '-r', file, '-Y', filter, '-T', 'fields', '-E', 'separator=|', ...fields.flatMap((f) => ['-e', f])]);
      assert.equal(r.code, 0, r.stderr);
      return r.stdout.trim().split('\n').filter(Boolean).map((l) => l.split('|'));
    };
    const syn = await frames(`tcp.flags.syn==1 && tcp.flags.ack==0 && tcp.srcport==${cport} && ip.dst==${C2.ip} && tcp.dstport==${C2.port}`, ['frame.time_epoch', 'frame.interface_name']);
    assert.equal(syn.length, 1, `the SYN of the alerted connection (client port ${cport}): ${JSON.stringify(syn)}`);
    assert.ok(Number(syn[0][0]) < alertEpoch, `the SYN (${syn[0][0]}) is before the alert (${alertEpoch})`);
    assert.match(syn[0][1], new RegExp(`^shop/${sidecar.plan.target.pod}:veth\\w+$`), 'one interface, the pod\'s');
    const dns = await frames(`dns.flags.response==0 && dns.qry.name contains "${C2.domain}" && frame.time_epoch < ${alertEpoch}`, ['frame.time_epoch']);
    assert.ok(dns.length >= 1, 'a DNS query for the C2 name before the alert');
    assert.ok(Number(dns[dns.length - 1][0]) <= Number(syn[0][0]), 'the lookup preceded the connection');
    const after = await frames(`frame.time_epoch > ${alertEpoch}`, ['frame.number']);
    assert.ok(after.length > 0, 'the window goes on after the alert');
    // The marked packets are exactly the alerted 5-tuple.
    const tuple = `ip.addr==${C2.ip} && tcp.port==${C2.port} && tcp.port==${cport} && ip.addr==${alert.network!.client!.ip}`;
    const marked = (await frames('frame.comment contains "alerted flow"', ['frame.number'])).map((f) => f[0]);
    const inTuple = (await frames(tuple, ['frame.number'])).map((f) => f[0]);
    assert.ok(inTuple.length >= 3, `the alerted connection's packets: ${inTuple.length}`);
    assert.deepEqual(marked, inTuple, 'alert-marked packets = the alerted 5-tuple');
    assert.equal(marked.length, sidecar.record.alertedPackets);
    const cap = await runCmd(['capinfos', '-c', '-M', file]);
    assert.match(cap.stdout, new RegExp(`Number of packets:\\s+${sidecar.record.packets}\\b`));
    const shb = await runCmd(['capinfos', '-k', file]);
    assert.match(shb.stdout, /recorded: 60 s before → 30 s after the alert/);
    t.diagnostic(`${sidecar.record.packets} packets; SYN ${(alertEpoch - Number(syn[0][0])).toFixed(3)} s and DNS ${(alertEpoch - Number(dns[0][0])).toFixed(1)} s before the alert; ${marked.length} marked`);
  });

  await t.test('its own webhook: the C2 alert straight to the recorder becomes a capture it cuts, keeps and serves', async () => {
    const argsBefore = JSON.parse(await c.ok(['get', 'daemonset', 'falcoshark-recorder', '-n', SERVE_NS, '-o', 'jsonpath={.spec.template.spec.containers[0].args}'])) as string[];
    const patchArgs = (args: string[]): Promise<string> => c.ok(['patch', 'daemonset', 'falcoshark-recorder', '-n', SERVE_NS, '--type=json', '-p',
      JSON.stringify([{ op: 'replace', path: '/spec/template/spec/containers/0/args', value: args }])]);
    await patchArgs([...argsBefore, '--webhook-port=2805', '--api-port=2804', '--captures=/tmp/captures', '--after=5']);
    try {
      await c.ok(['rollout', 'status', 'daemonset/falcoshark-recorder', '-n', SERVE_NS, '--timeout=120s'], { timeoutMs: 150_000 });
      for (const f of forwards.splice(0)) await f.stop();
      const fwd = await portForward(c, [2805, 2804], `pod/${await recorderPod(c)}`);
      forwards.push(fwd);
      await sleep(12_000);
      const { line, alert } = await freshC2Alert(c, 8);
      const hook = `http://127.0.0.1:${fwd.local.get(2805)}/`;
      assert.equal((await fetch(hook, { method: 'POST', body: line, headers: { 'content-type': 'application/json' } })).status, 401, 'the webhook wants the token');
      const post = await fetch(hook, { method: 'POST', body: line, headers: { 'content-type': 'application/json', authorization: `Bearer ${recorderToken}` } });
      assert.ok(post.status === 200 || post.status === 202, `webhook: ${post.status}`);
      const api = `http://127.0.0.1:${fwd.local.get(2804)}`;
      const auth = { headers: { authorization: `Bearer ${recorderToken}` } };
      type Item = { id: string; outcome?: string; rule: string; links: { pcapng: string; sidecar: string } };
      let item: Item | undefined;
      for (let i = 0; i < 60 && !item; i++) {
        const list = await (await fetch(`${api}/api/v1/captures`, auth)).json() as { items: Item[] };
        item = list.items.find((x) => x.rule === C2_RULE && x.outcome);
        if (!item) await sleep(1000);
      }
      const log = await c.ok(['logs', '-n', SERVE_NS, 'daemonset/falcoshark-recorder']);
      assert.ok(item, `no capture listed by the recorder after 60 s:\n${log}`);
      const sidecar = await (await fetch(`${api}${item.links.sidecar}`, auth)).json() as { plan: { method: string; recorded?: { alertTime: string; afterSeconds: number } }; record: { alertedPackets: number } };
      assert.equal(sidecar.plan.method, 'recorder');
      assert.equal(sidecar.plan.recorded?.alertTime, alert.time);
      assert.equal(sidecar.plan.recorded?.afterSeconds, 5);
      assert.ok(sidecar.record.alertedPackets >= 3, 'the alerted connection is marked');
      const file = join(dir, `own-${item.id}.pcapng`);
      writeFileSync(file, Buffer.from(await (await fetch(`${api}${item.links.pcapng}`, auth)).arrayBuffer()));
      const alertEpoch = Number(BigInt(alert.timeNs!) / 1000n) / 1e6;
      const syn = await runCmd(['tshark', '-r', file, '-Y', `tcp.flags.syn==1 && tcp.flags.ack==0 && tcp.srcport==${alert.network!.client!.port} && frame.time_epoch < ${alertEpoch}`, '-T', 'fields', '-e', 'frame.number']);
      assert.equal(syn.stdout.trim().split('\n').filter(Boolean).length, 1, 'the alerted SYN, from before the alert');
      assert.match(log, /alerts in: POST http:\/\/0\.0\.0\.0:2805\/ \(bearer token\); captures: http:\/\/0\.0\.0\.0:2804\/api\/v1\/captures/);
    } finally {
      await patchArgs(argsBefore);
      await c.ok(['rollout', 'status', 'daemonset/falcoshark-recorder', '-n', SERVE_NS, '--timeout=120s'], { timeoutMs: 150_000 });
    }
  });

  await t.test('a workload request answered by the recorders: deploy/api at 2 replicas cut from the recorder into one pcapng, one interface per pod', async () => {
    const replicas = (await c.ok(['get', 'deployment', 'api', '-n', 'shop', '-o', 'jsonpath={.spec.replicas}'])).trim();
    undo.push('the api Deployment\'s replicas', () => c.ok(['scale', 'deployment', 'api', '-n', 'shop', `--replicas=${replicas}`]));
    await c.ok(['scale', 'deployment', 'api', '-n', 'shop', '--replicas=2']);
    await c.ok(['rollout', 'status', 'deployment/api', '-n', 'shop', '--timeout=120s'], { timeoutMs: 150_000 });
    await sleep(15_000); // the recorder holds the new replica's beacons
    const { line, alert } = await freshC2Alert(c, 8);
    const alertFile = join(dir, 'workload-alert.json');
    writeFileSync(alertFile, line);
    const out = join(dir, 'workload');
    const r = await runCmd([process.execPath, CLI, 'capture', '--workload', 'deploy/api', '-n', 'shop', '--alert', alertFile, '--from-recorder',
      '--before', '60', '--after', '3', '--context', c.context('falcoshark'), '--out', out], { env: { ...process.env, KUBECONFIG: c.kubeconfig }, timeoutMs: 120_000 });
    t.diagnostic(r.stderr);
    assert.equal(r.code, 0, r.stderr);
    const file = r.stdout.split('\n')[0];
    const sidecar = JSON.parse(readFileSync(file.replace(/\.pcapng$/, '.falcoshark.json'), 'utf8')) as {
      plan: { method: string; target: { kind: string }; recorded?: { alertTime: string } };
      pods?: { pod: string; outcome: string; packets: number; interfaces: string[] }[]; record: { packets: number; alertedPackets: number } };
    assert.equal(sidecar.plan.method, 'recorder');
    assert.equal(sidecar.plan.target.kind, 'workload');
    assert.equal(sidecar.plan.recorded?.alertTime, alert.time);
    assert.equal(sidecar.pods?.length, 2, JSON.stringify(sidecar.pods));
    for (const p of sidecar.pods!) assert.ok(p.outcome === 'complete' && p.packets > 0, JSON.stringify(p));
    const ifs = await runCmd(['tshark', '-r', file, '-T', 'fields', '-e', 'frame.interface_name']);
    const names = [...new Set(ifs.stdout.trim().split('\n'))].sort();
    assert.equal(names.length, 2, `one interface per pod: ${names.join(', ')}`);
    for (const n of names) assert.match(n, /^shop\/api-[\w-]+:veth\w+$/);
    const alertEpoch = Number(BigInt(alert.timeNs!) / 1000n) / 1e6;
    const syn = await runCmd(['tshark', '-r', file, '-Y', `tcp.flags.syn==1 && tcp.flags.ack==0 && tcp.srcport==${alert.network!.client!.port} && ip.src==${alert.network!.client!.ip} && frame.time_epoch < ${alertEpoch}`,
      '-T', 'fields', '-e', 'frame.interface_name']);
    assert.equal(syn.stdout.trim(), `shop/${alert.pod}:${names.find((n) => n.startsWith(`shop/${alert.pod}:`))!.split(':')[1]}`, 'the alerted SYN, from before the alert, on the alerted pod\'s interface');
    const times = (await runCmd(['tshark', '-r', file, '-T', 'fields', '-e', 'frame.time_epoch'])).stdout.trim().split('\n').map(Number);
    assert.ok(times.every((x, i) => i === 0 || x >= times[i - 1]), 'packets in time order');
    assert.equal(times.length, sidecar.record.packets);
    await c.ok(['scale', 'deployment', 'api', '-n', 'shop', `--replicas=${replicas}`]);
    await c.ok(['rollout', 'status', 'deployment/api', '-n', 'shop', '--timeout=120s'], { timeoutMs: 150_000 });
  });

  await t.test('under a flood, with a 24Mi budget: never more than the budget held, the flood drops its own oldest, the api pod keeps its window', async () => {
    const argsBefore = JSON.parse(await c.ok(['get', 'daemonset', 'falcoshark-recorder', '-n', SERVE_NS, '-o', 'jsonpath={.spec.template.spec.containers[0].args}'])) as string[];
    const budget = 24 * 1024 * 1024;
    await c.ok(['patch', 'daemonset', 'falcoshark-recorder', '-n', SERVE_NS, '--type=json', '-p',
      JSON.stringify([{ op: 'replace', path: '/spec/template/spec/containers/0/args', value: argsBefore.map((a) => (a.startsWith('--budget=') ? '--budget=24Mi' : a)) }])]);
    await c.ok(['rollout', 'status', 'daemonset/falcoshark-recorder', '-n', SERVE_NS, '--timeout=120s'], { timeoutMs: 150_000 });
    for (const f of forwards.splice(0)) await f.stop();
    const fwd = await forwardRecorder(c);
    forwards.push(fwd);
    const base = `http://127.0.0.1:${fwd.local.get(2803)}`;
    const auth = { headers: { authorization: `Bearer ${recorderToken}` } };
    type PodInfo = { namespace: string; pod: string; heldPackets: number; heldFrom?: string; droppedByBudget: number };
    const pods = async (): Promise<PodInfo[]> => ((await (await fetch(`${base}/api/v1/pods`, auth)).json()) as { items: PodInfo[] }).items;
    // The api pod's recording before the flood: 20 s of beacons.
    await sleep(20_000);
    const apiBefore = (await pods()).find((p) => p.namespace === 'shop' && p.pod.startsWith('api-'));
    assert.ok(apiBefore?.heldFrom && apiBefore.heldPackets > 0, `the api pod is recorded: ${JSON.stringify(apiBefore)}`);
    const floodStart = Date.now();
    undo.push('the flood pod', () => c.ok(['delete', 'pod', '-n', 'shop', 'flood', '--ignore-not-found', '--wait=true', '--timeout=60s'], { timeoutMs: 90_000 }));
    await c.ok(['run', 'flood', '-n', 'shop', '--image=localhost/falcoshark/lab-demo:0.1.0', '--image-pull-policy=IfNotPresent', '--restart=Never', '--labels=app=flood', '--',
      'flood', '--to', `${C2.ip}:9`, '--size', '1400', '--for', '60s']);
    const pid = (await runCmd(['pgrep', '-f', 'cli.js recorder'])).stdout.trim().split('\n')[0];
    assert.match(pid, /^\d+$/, 'the recorder\'s process on this machine');
    let maxHeld = 0;
    let maxRss = 0;
    while (Date.now() - floodStart < 75_000) {
      const m = await metrics(base, recorderToken);
      maxHeld = Math.max(maxHeld, m.get('falcoshark_recorder_held_bytes') ?? 0);
      const rss = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
      maxRss = Math.max(maxRss, rss);
      assert.ok(maxHeld <= budget, `held ${maxHeld} > budget ${budget}`);
      await sleep(2000);
    }
    const m = await metrics(base, recorderToken);
    const after = await pods();
    const flood = after.find((p) => p.pod === 'flood');
    const apiAfter = after.find((p) => p.pod === apiBefore.pod);
    t.diagnostic(`flood: ${m.get('falcoshark_recorder_captured_packets_total')} packets captured; held at most ${maxHeld} bytes (budget ${budget}); recorder RSS at most ${(maxRss / 2 ** 20).toFixed(0)} MiB; ` +
      `dropped for the budget ${m.get('falcoshark_recorder_dropped_packets_total{reason="budget"}')}; flood pod ${JSON.stringify(flood)}; api ${JSON.stringify(apiAfter)}`);
    assert.ok(flood && flood.droppedByBudget > 0, 'the flood pod lost its own oldest packets');
    assert.ok((m.get('falcoshark_recorder_dropped_packets_total{reason="budget"}') ?? 0) >= flood.droppedByBudget);
    assert.equal(m.get(`falcoshark_recorder_pod_dropped_packets_total{namespace="shop",pod="${flood.pod}"}`), flood.droppedByBudget);
    assert.ok(apiAfter && apiAfter.droppedByBudget === 0, `the api pod lost nothing to the flood: ${JSON.stringify(apiAfter)}`);
    assert.ok(apiAfter.heldFrom! <= new Date(floodStart - 15_000).toISOString(), `the api pod still holds its packets from before the flood (${apiAfter.heldFrom})`);
    assert.ok(maxRss < budget + 200 * 1024 * 1024, `RSS ${maxRss} within the budget plus Node's own`);
    await c.ok(['patch', 'daemonset', 'falcoshark-recorder', '-n', SERVE_NS, '--type=json', '-p', JSON.stringify([{ op: 'replace', path: '/spec/template/spec/containers/0/args', value: argsBefore }])]);
  });

  await t.test('everything installed is removed', async () => {
    for (const f of forwards.splice(0)) await f.stop();
    await undo.runAll();
    assert.equal(await recorderInstalled(c), false);
    assert.equal(await serveInstalled(c), false);
    assert.equal((await c.kubectl(['get', 'pod', 'flood', '-n', 'shop'])).code, 1);
  });
});
