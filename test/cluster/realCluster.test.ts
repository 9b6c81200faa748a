// Issue 10's evidence on the real lab cluster (upstream kube-apiserver, kubelet, containerd …
// built on this machine): `falcoshark lab up` as a user runs it, the machine's kubectl against
// it, the falco stand-in's live alerts, a falcoshark capture from one of them, and `lab down`
// (also after a kill -9) leaving nothing behind. Timings are printed as diagnostics.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { C2, CAPTURE_IMAGE, CLI, type Cluster, clusterPrereqs, labDown, labUp, runCmd } from '../support/realCluster.js';

const NAME = 'citest';

interface HostState { netns: string[]; iptables: string; mounts: string[]; cgroups: string[]; procs: string[]; state: boolean }

/** The host's state once the processes the lab's down killed are reaped (PID 1 here reaps orphans late). */
async function settledHostState(want: HostState): Promise<HostState> {
  let now = await hostState();
  for (let i = 0; i < 40 && JSON.stringify(now) !== JSON.stringify(want); i++) {
    await new Promise((r) => setTimeout(r, 500));
    now = await hostState();
  }
  return now;
}

async function hostState(): Promise<HostState> {
  const netns = (await runCmd(['ip', 'netns', 'list'])).stdout.split('\n').filter(Boolean).map((l) => l.split(' ')[0]).sort();
  const ipt = (await runCmd(['iptables-save'])).stdout.split('\n').filter((l) => !l.startsWith('#')).join('\n');
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4]).filter(Boolean).sort();
  const cgroups = readdirSync('/sys/fs/cgroup').flatMap((h) => { try { return readdirSync(join('/sys/fs/cgroup', h)).filter((d) => d.startsWith('falcoshark-lab-')).map((d) => `${h}/${d}`); } catch { return []; } });
  const procs = (await runCmd(['ps', '-eo', 'args='])).stdout.split('\n')
    .filter((a) => /kube-apiserver|kubelet|containerd|etcd|kube-proxy|kube-scheduler|kube-controller|coredns|falcoshark-lab-demo|lab-cluster/.test(a) && !a.includes('ps -eo')).sort();
  return { netns, iptables: ipt, mounts, cgroups, procs, state: existsSync(`/var/lib/falcoshark-lab/${NAME}`) };
}

/** Follows the falco pod's log with kubectl until a C2 alert shows; returns it and the time it took. */
async function firstC2Alert(c: Cluster, timeoutMs: number): Promise<{ alert: Record<string, unknown>; line: string; lines: string[]; ms: number }> {
  const t0 = Date.now();
  const child = spawn('kubectl', ['--kubeconfig', c.kubeconfig, '--context', c.context('readonly'), 'logs', '-f', '-n', 'falco',
    '-l', 'app.kubernetes.io/name=falco', '-c', 'falco', '--tail=-1'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  try {
    return await new Promise((resolve, reject) => {
      let buf = '';
      const timer = setTimeout(() => reject(new Error(`no C2 alert in the falco pod's log after ${timeoutMs} ms; log so far:\n${lines.join('\n')}`)), timeoutMs);
      child.stdout.on('data', (b: Buffer) => {
        buf += b.toString();
        let i;
        while ((i = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          lines.push(line);
          if (!line.startsWith('{')) continue;
          const a = JSON.parse(line) as Record<string, unknown>;
          if (a.rule === 'Outbound Connection to C2 Servers') { clearTimeout(timer); resolve({ alert: a, line, lines, ms: Date.now() - t0 }); }
        }
      });
    });
  } finally {
    child.kill();
  }
}

test('the lab is a real Kubernetes: kubectl, the demo, live Falco alerts, a capture, and a clean down', { timeout: 75 * 60_000 }, async (t) => {
  if (!clusterPrereqs(t)) return;
  await labDown(NAME);
  const before = await hostState();
  const up = await labUp(NAME);
  t.diagnostic(`lab up: ${up.seconds.toFixed(0)} s\n${up.stderr.split('\n').filter((l) => /built|made|is up|step|imported/.test(l)).join('\n')}`);
  const c = up.cluster;
  let cleaned = false;
  t.after(async () => { if (!cleaned) await labDown(NAME); });

  await t.test('lab status lists the running lab; the cluster\'s memory', async () => {
    const r = await runCmd([process.execPath, CLI, 'lab', 'status', '--name', NAME]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^${NAME}\\trunning\\thttps://127\\.0\\.0\\.1:\\d+\\tKUBECONFIG=${c.kubeconfig}`));
    const stat = readFileSync(`/sys/fs/cgroup/memory/falcoshark-lab-${NAME}/memory.stat`, 'utf8');
    const rss = Number(/^total_rss (\d+)$/m.exec(stat)?.[1]);
    t.diagnostic(`memory of the running cluster (every process of the lab, pods included): ${(rss / 2 ** 20).toFixed(0)} MiB RSS`);
    assert.ok(rss > 100 * 2 ** 20, `a real apiserver, etcd and kubelet use more than ${rss} bytes`);
  });

  await t.test('kubectl get nodes: the node is Ready, a real kubelet with containerd', async () => {
    const node = JSON.parse(await c.ok(['get', 'nodes', '-o', 'json'])) as { items: { status: { conditions: { type: string; status: string }[]; nodeInfo: Record<string, string> } }[] };
    assert.equal(node.items.length, 1);
    assert.equal(node.items[0].status.conditions.find((x) => x.type === 'Ready')?.status, 'True');
    assert.equal(node.items[0].status.nodeInfo.kubeletVersion, 'v1.34.4');
    assert.match(node.items[0].status.nodeInfo.containerRuntimeVersion, /^containerd:\/\/2\.2\.7/);
    const version = JSON.parse(await c.ok(['version', '-o', 'json'])) as { serverVersion: { gitVersion: string } };
    assert.equal(version.serverVersion.gitVersion, 'v1.34.4');
  });

  await t.test('kubectl get pods -A -o wide: the demo runs (CoreDNS, shop, payments, falco)', async () => {
    const out = await c.ok(['get', 'pods', '-A', '-o', 'wide']);
    t.diagnostic(out);
    for (const re of [/kube-system\s+coredns-\S+\s+1\/1\s+Running/, /shop\s+api-\S+\s+1\/1\s+Running/, /shop\s+db-\S+\s+1\/1\s+Running/,
      /shop\s+frontend-\S+\s+1\/1\s+Running/, /payments\s+ledger-\S+\s+1\/1\s+Running/, /falco\s+falco-\S+\s+1\/1\s+Running/]) assert.match(out, re);
  });

  let alert: Record<string, unknown> = {};
  let alertLine = '';
  await t.test('kubectl logs -f of the falco pod: Falco startup text, the stand-in notice, live C2 alerts of the api pod', async () => {
    const r = await firstC2Alert(c, 90_000);
    t.diagnostic(`first C2 alert ${r.ms} ms after following the log`);
    alert = r.alert;
    alertLine = r.line;
    const text = r.lines.join('\n');
    assert.match(text, /Falco version: 0\.40\.0/);
    assert.match(text, /stand-in: this is NOT Falco/);
    const f = alert.output_fields as Record<string, unknown>;
    assert.equal(f['k8s.ns.name'], 'shop');
    assert.match(String(f['k8s.pod.name']), /^api-/);
    assert.equal(f['fd.sip'], C2.ip);
    assert.equal(f['fd.sport'], C2.port);
    assert.match(String(f['fd.cip']), /^10\.244\.0\.\d+$/);
    const apiIp = (await c.ok(['get', 'pods', '-n', 'shop', '-l', 'app=api', '-o', 'jsonpath={.items[0].status.podIP}'])).trim();
    assert.equal(f['fd.cip'], apiIp, 'the alert names the api pod\'s real address');
    assert.equal(alert.hostname, `falcoshark-${NAME}`);
  });

  await t.test('kubectl exec … -- sh -c "exit 3" returns 3', async () => {
    const r = await c.kubectl(['exec', '-n', 'falco', 'ds/falco', '-c', 'falco', '--', 'sh', '-c', 'exit 3']);
    assert.equal(r.code, 3, r.stderr);
  });

  await t.test('kubectl debug -it --image=<capture image> <api pod> -- tshark -i any -c 5 sees that pod\'s traffic', async () => {
    const pod = await c.podName('shop', 'app=api');
    const ip = (await c.ok(['get', 'pod', '-n', 'shop', pod, '-o', 'jsonpath={.status.podIP}'])).trim();
    const name = `tshark-${Date.now().toString(36)}`;
    const r = await c.kubectl(['debug', '-it', '-n', 'shop', pod, `--container=${name}`, `--image=${CAPTURE_IMAGE}`, '--image-pull-policy=IfNotPresent', '--profile=baseline',
      '--', 'tshark', '-n', '-i', 'any', '-c', '5', '-f', 'tcp'], { timeoutMs: 90_000, keepStdin: true });
    assert.equal(r.code, 0, r.stderr);
    // tshark may be done before kubectl has attached (5 packets come fast), or kubectl may return
    // before it is: what the container printed is in its log once it has terminated.
    for (let i = 0; i < 120; i++) {
      const state = await c.ok(['get', 'pod', '-n', 'shop', pod, '-o', `jsonpath={.status.ephemeralContainerStatuses[?(@.name=="${name}")].state}`]);
      if (state.includes('terminated')) break;
      await new Promise((res) => setTimeout(res, 500));
    }
    const logs = await c.ok(['logs', '-n', 'shop', pod, '-c', name]);
    t.diagnostic(`${r.stdout}\n--- kubectl logs -c ${name}:\n${logs}`);
    const packets = `${r.stdout}\n${logs}`.split('\n').filter((l) => /^\s*\d+\s+\d+\.\d+/.test(l)).slice(0, 5);
    assert.equal(packets.length, 5, r.stdout);
    for (const p of packets) assert.ok(p.includes(ip), `packet of another host: ${p}`);
  });

  await t.test('kubectl auth can-i per user matches the RBAC objects', async () => {
    const can = async (role: Parameters<Cluster['context']>[0], args: string[]): Promise<boolean> => {
      const r = await c.kubectl(['auth', 'can-i', ...args], { role });
      return r.stdout.trim() === 'yes';
    };
    const expect: [Parameters<Cluster['context']>[0], string[], boolean][] = [
      ['falcoshark', ['list', 'pods', '-A'], true], ['falcoshark', ['get', 'pods', '--subresource=log', '-n', 'falco'], true],
      ['falcoshark', ['create', 'pods', '--subresource=exec', '-n', 'shop'], true], ['falcoshark', ['patch', 'pods', '--subresource=ephemeralcontainers', '-n', 'shop'], true],
      ['falcoshark', ['delete', 'pods', '-n', 'shop'], false], ['falcoshark', ['get', 'secrets', '-n', 'shop'], false],
      ['readonly', ['list', 'pods', '-A'], true], ['readonly', ['get', 'pods', '--subresource=log', '-n', 'falco'], true],
      ['readonly', ['create', 'pods', '--subresource=exec', '-n', 'shop'], false], ['readonly', ['patch', 'pods', '--subresource=ephemeralcontainers', '-n', 'shop'], false],
      ['no-ephemeral', ['create', 'pods', '--subresource=exec', '-n', 'shop'], true], ['no-ephemeral', ['patch', 'pods', '--subresource=ephemeralcontainers', '-n', 'shop'], false],
      ['serve', ['list', 'pods', '-A'], true], ['serve', ['get', 'pods', '--subresource=log', '-n', 'falco'], true],
      ['serve', ['patch', 'pods', '--subresource=ephemeralcontainers', '-n', 'shop'], true], ['serve', ['create', 'pods', '--subresource=exec', '-n', 'shop'], true],
      ['serve', ['patch', 'pods', '--subresource=ephemeralcontainers', '-n', 'payments'], false], ['serve', ['get', 'pods', '-n', 'shop'], false],
      ['serve', ['get', 'secrets', '-n', 'falcoshark'], false], ['serve', ['delete', 'pods', '-n', 'shop'], false],
      ['admin', ['delete', 'pods', '-n', 'shop'], true],
    ];
    const wrong: string[] = [];
    for (const [role, args, want] of expect) if (await can(role, args) !== want) wrong.push(`${role}: can-i ${args.join(' ')} should be ${want ? 'yes' : 'no'}`);
    assert.deepEqual(wrong, []);
  });

  await t.test('an ephemeral container asking for NET_ADMIN in the restricted namespace is refused by Pod Security', async () => {
    const pod = await c.podName('payments', 'app=ledger');
    const dir = mkdtempSync(join(tmpdir(), 'fs-debug-'));
    const custom = join(dir, 'netadmin.json');
    writeFileSync(custom, JSON.stringify({ securityContext: { capabilities: { add: ['NET_ADMIN'] } } }));
    const r = await c.kubectl(['debug', '-n', 'payments', pod, `--image=${CAPTURE_IMAGE}`, `--custom=${custom}`, '--profile=legacy', '--', 'sleep', '5'], { role: 'falcoshark' });
    t.diagnostic(r.stderr);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /violates PodSecurity "restricted:latest"/);
    assert.match(r.stderr, /NET_ADMIN/);
  });

  await t.test('deleting the falco pod gets a new one from the DaemonSet controller', async () => {
    const old = await c.podName('falco', 'app.kubernetes.io/name=falco');
    await c.ok(['delete', 'pod', '-n', 'falco', old, '--wait=true', '--timeout=60s']);
    await c.ok(['rollout', 'status', 'daemonset/falco', '-n', 'falco', '--timeout=120s']);
    const now = await c.podName('falco', 'app.kubernetes.io/name=falco');
    assert.ok(now && now !== old, `new pod ${now} vs ${old}`);
  });

  await t.test('falcoshark capture --alert <live C2 alert> writes a pcapng with the C2 packets (ephemeral container)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fs-capture-'));
    const alertFile = join(dir, 'alert.json');
    writeFileSync(alertFile, `${alertLine}\n`);
    const r = await runCmd([process.execPath, CLI, 'capture', '--alert', alertFile, '--image', CAPTURE_IMAGE, '--duration', '12', '--out', dir],
      { timeoutMs: 120_000, env: { ...process.env, KUBECONFIG: c.kubeconfig } });
    t.diagnostic(r.stdout + r.stderr);
    assert.equal(r.code, 0, r.stderr);
    const pcap = readdirSync(dir).find((f) => f.endsWith('.pcapng'));
    assert.ok(pcap, `no pcapng in ${readdirSync(dir).join(', ')}`);
    const c2 = await runCmd(['tshark', '-r', join(dir, pcap), '-Y', `ip.addr==${C2.ip} && tcp.port==${C2.port}`, '-T', 'fields', '-e', 'frame.number']);
    assert.equal(c2.code, 0, c2.stderr);
    assert.ok(c2.stdout.trim().split('\n').filter(Boolean).length >= 3, `C2 packets: ${c2.stdout}`);
    const sidecarFile = readdirSync(dir).find((f) => f.endsWith('.falcoshark.json'));
    assert.ok(sidecarFile, 'no sidecar');
    assert.match(readFileSync(join(dir, sidecarFile), 'utf8'), /"ephemeral"/);
  });

  await t.test('lab down leaves no process, mount, netns, iptables rule, cgroup or containerd state behind', async () => {
    const t0 = Date.now();
    const r = await labDown(NAME);
    cleaned = true;
    t.diagnostic(`lab down: ${((Date.now() - t0) / 1000).toFixed(1)} s: ${r.stdout}`);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await settledHostState(before), before);
  });

  await t.test('lab up after a kill -9 of the whole lab starts clean; lab down again leaves nothing', async () => {
    const again = await labUp(NAME);
    cleaned = false;
    const info = JSON.parse(readFileSync(`/var/lib/falcoshark-lab/${NAME}/lab.json`, 'utf8')) as { supervisorPid: number; forwarderPid: number };
    process.kill(info.supervisorPid, 'SIGKILL');
    process.kill(info.forwarderPid, 'SIGKILL');
    const third = await labUp(NAME);
    assert.match(third.stderr, /removed what an earlier lab 'citest' left/);
    assert.equal((await third.cluster.kubectl(['get', 'nodes'])).code, 0);
    void again;
    const r = await labDown(NAME);
    cleaned = true;
    assert.equal(r.code, 0);
    assert.deepEqual(await settledHostState(before), before);
  });
});
