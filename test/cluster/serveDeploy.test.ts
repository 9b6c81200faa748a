// `falcoshark serve` deployed for real (issue 11), on the shared real lab cluster: the README's
// install lines run as they are written (bash runs the README's own block: nothing is composed
// here), serve's pod comes up from the image the lab built like deploy/images/serve/Containerfile,
// its ServiceAccount has exactly deploy/rbac.yaml (kubectl auth can-i --as=…, and a
// SubjectAccessReview of every resource and verb the API server offers), and the demo's C2
// alert goes falco pod → (http_output) Falcosidekick → serve's webhook with the Authorization
// header of deploy/falcosidekick-values.yaml's settings → an automatic capture listed by serve's
// API whose pcapng holds the C2 packets.
//
// Falco and Falcosidekick cannot be built on these machines: the lab's falco pod and its
// Falcosidekick pod run the lab's stand-ins (src/lab/build/demo `falco --http-output`, `sidekick`),
// configured the way the Falco chart configures Falco and Falcosidekick from the values file.
// Everything installed here is removed at the end: the shared cluster is left as it was found.
// The install, port-forward, tokens and removal are test/support/serveInstall.ts (also used by
// test/cluster/e2e/autoCapture.test.ts, which opens the deployed serve's capture in the workbench).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { C2, ROOT, clusterPrereqs, runCmd, sharedCluster } from '../support/realCluster.js';
import { type PortForward, SERVE_IMAGE, SERVE_NS as NS, UndoList, adminEnv, installServe, namespaceLabels, portForward, readmeBlock,
  requireServeImage, restoreNamespaceLabels, runInRoot, serveInstalled, serveTokens } from '../support/serveInstall.js';

const SA = `system:serviceaccount:${NS}:falcoshark-serve`;
const C2_RULE = 'Outbound Connection to C2 Servers';
/** Where Falco's http_output points when the chart installs Falcosidekick (release "falco"). */
const SIDEKICK_URL = 'http://falco-falcosidekick.falco.svc:2801/';
const SIDEKICK_MANIFEST = join(ROOT, 'src', 'lab', 'manifests', 'addons', 'falcosidekick.yaml');

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The API server as the admin user (client certificate), for SubjectAccessReviews by the thousand. */
function adminApi(kubeconfigFile: string, contextName: string): (method: string, path: string, body?: unknown) => Promise<{ status: number; json: unknown }> {
  const kc = parse(readFileSync(kubeconfigFile, 'utf8')) as {
    contexts: { name: string; context: { cluster: string; user: string } }[];
    clusters: { name: string; cluster: { server: string; 'certificate-authority-data': string } }[];
    users: { name: string; user: Record<string, string> }[];
  };
  const ctx = kc.contexts.find((x) => x.name === contextName)!.context;
  const cluster = kc.clusters.find((x) => x.name === ctx.cluster)!.cluster;
  const user = kc.users.find((x) => x.name === ctx.user)!.user;
  const b64 = (s: string): Buffer => Buffer.from(s, 'base64');
  const agent = new Agent({ keepAlive: true, maxSockets: 4, ca: b64(cluster['certificate-authority-data']),
    cert: b64(user['client-certificate-data']), key: b64(user['client-key-data']) });
  const server = new URL(cluster.server);
  return (method, path, body) => new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = request({ agent, host: server.hostname, port: server.port, method, path,
      headers: { accept: 'application/json', ...(data ? { 'content-type': 'application/json' } : {}) } }, (res) => {
      let text = '';
      res.on('data', (b: Buffer) => { text += b.toString(); });
      res.on('end', () => { try { resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) }); } catch (e) { reject(e); } });
    });
    req.on('error', reject);
    req.end(data);
  });
}

// deploy/rbac.yaml, as the permissions it must amount to: "group|resource|verb" cluster-wide, and in shop only.
const CLUSTER_WIDE = ['|pods|list', '|pods|watch', '|services|list', '|services|watch', '|nodes|list', '|nodes|watch',
  'discovery.k8s.io|endpointslices|list', 'discovery.k8s.io|endpointslices|watch', '|pods/log|get'];
const IN_SHOP = ['|pods/exec|get', '|pods/exec|create', '|pods/attach|get', '|pods/attach|create', '|pods/ephemeralcontainers|patch'];
/** What Kubernetes' default ClusterRoles (system:basic-user) give every authenticated user. */
const EVERYONE = ['authorization.k8s.io|selfsubjectaccessreviews|create', 'authorization.k8s.io|selfsubjectrulesreviews|create',
  'authentication.k8s.io|selfsubjectreviews|create'];
const STANDARD_VERBS = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'];

test('falcoshark serve deployed as the README says: its image, exactly its RBAC, and the C2 alert via Falcosidekick to an automatic capture', { timeout: 45 * 60_000 }, async (t) => {
  if (!clusterPrereqs(t)) return;
  const c = await sharedCluster();
  const dir = mkdtempSync(join(tmpdir(), 'fs-serve-deploy-'));
  const undo = new UndoList();
  const forwards: PortForward[] = [];
  t.after(async () => {
    for (const f of forwards) await f.stop();
    await undo.runAll((what, e) => t.diagnostic(`cleanup (${what}) failed: ${e.message}`));
    rmSync(dir, { recursive: true, force: true });
  });

  // The README's lines run with a kubeconfig whose current context is the lab's admin (a cluster admin installs serve).
  const env = await adminEnv(c, dir);
  await requireServeImage(c);

  const nsLabelsBefore = await namespaceLabels(c);
  undo.push('the namespace\'s labels', () => restoreNamespaceLabels(c, nsLabelsBefore));
  const falcoArgsBefore = JSON.parse(await c.ok(['get', 'daemonset', 'falco', '-n', 'falco', '-o', 'jsonpath={.spec.template.spec.containers[0].args}'])) as string[];
  assert.ok(!falcoArgsBefore.some((a) => a.startsWith('--http-output')), `the falco DaemonSet already has an http_output: ${falcoArgsBefore.join(' ')}`);
  assert.equal(await serveInstalled(c), false, 'serve is not installed yet');

  await t.test('the README\'s install lines, run as written, bring serve up from the image built like its Containerfile', async () => {
    // The cluster's storage for serve's PersistentVolumeClaim: the lab has no provisioner, so a
    // PersistentVolume on the node, owned by serve's user (hostPath volumes get no fsGroup).
    const { block, result: r } = await installServe(c, dir, env, undo);
    t.diagnostic(`README serve-install:\n${block}\n→ ${r.code}\n${r.stdout}${r.stderr}`);
    assert.equal(r.code, 0, r.stderr);
    for (const line of ['serviceaccount/falcoshark-serve', 'secret/falcoshark-serve-tokens created', 'deployment.apps/falcoshark-serve created',
      'service/falcoshark-serve created', 'persistentvolumeclaim/falcoshark-captures created', 'deployment "falcoshark-serve" successfully rolled out']) {
      assert.ok(r.stdout.includes(line), `${line}\n${r.stdout}`);
    }
    const pod = JSON.parse(await c.ok(['get', 'pods', '-n', NS, '-l', 'app.kubernetes.io/name=falcoshark-serve', '-o', 'json'])) as {
      items: { metadata: { name: string }; spec: { serviceAccountName: string; containers: { image: string }[] };
        status: { conditions: { type: string; status: string }[]; containerStatuses: { imageID: string; ready: boolean }[] } }[] };
    assert.equal(pod.items.length, 1);
    const p = pod.items[0];
    assert.equal(p.spec.serviceAccountName, 'falcoshark-serve');
    assert.equal(p.spec.containers[0].image, SERVE_IMAGE);
    assert.equal(p.status.conditions.find((x) => x.type === 'Ready')?.status, 'True');
    assert.equal((await c.ok(['get', 'pvc', '-n', NS, 'falcoshark-captures', '-o', 'jsonpath={.status.phase}'])).trim(), 'Bound');
    assert.deepEqual(JSON.parse((await c.ok(['get', 'namespace', NS, '-o', 'jsonpath={.metadata.labels}'])).trim()), JSON.parse(nsLabelsBefore),
      'deploy/namespace.yaml labels the namespace as the lab\'s own manifest does (the README\'s lines change nothing the lab made)');
    const logs = await c.ok(['logs', '-n', NS, p.metadata.name]);
    assert.match(logs, /alerts in: POST http:\/\/0\.0\.0\.0:2801\/ .*with a bearer token/);
    // In the pod: Node 20 running with no capability; dumpcap compiles a filter (its file capability).
    const status = await c.ok(['exec', '-n', NS, p.metadata.name, '--', '/usr/local/bin/node', '-p',
      'process.version + " " + require("fs").readFileSync("/proc/self/status", "utf8").match(/CapEff:\\s*(\\w+)/)[1]']);
    assert.match(status.trim(), /^v2\d\.\d+\.\d+ 0000000000000000$/);
    const bpf = await c.kubectl(['exec', '-n', NS, p.metadata.name, '--', 'dumpcap', '-i', 'lo', '-f', `tcp port ${C2.port}`, '-d']);
    assert.match(bpf.stdout, /^\(000\) /m, `dumpcap -d in serve's pod: ${bpf.stdout}${bpf.stderr}`);
  });

  await t.test('its ServiceAccount has exactly deploy/rbac.yaml: kubectl auth can-i --as and every resource and verb the API offers', async () => {
    const can = async (args: string[]): Promise<string> => (await c.kubectl(['auth', 'can-i', `--as=${SA}`, ...args])).stdout.trim();
    const yes: string[][] = [['list', 'pods', '-A'], ['watch', 'pods', '-A'], ['list', 'services', '-A'], ['watch', 'services', '-A'], ['list', 'nodes'], ['watch', 'nodes'],
      ['list', 'endpointslices.discovery.k8s.io', '-A'], ['watch', 'endpointslices.discovery.k8s.io', '-A'], ['get', 'pods', '--subresource=log', '-n', 'falco'],
      ['get', 'pods', '--subresource=exec', '-n', 'shop'], ['create', 'pods', '--subresource=exec', '-n', 'shop'], ['get', 'pods', '--subresource=attach', '-n', 'shop'],
      ['create', 'pods', '--subresource=attach', '-n', 'shop'], ['patch', 'pods', '--subresource=ephemeralcontainers', '-n', 'shop']];
    const no: string[][] = [['get', 'pods', '-n', 'shop'], ['get', 'secrets', '-n', NS], ['list', 'secrets', '-A'], ['list', 'configmaps', '-n', NS],
      ['create', 'pods', '-n', 'shop'], ['delete', 'pods', '-n', 'shop'], ['update', 'pods', '--subresource=ephemeralcontainers', '-n', 'shop'],
      ['patch', 'pods', '--subresource=ephemeralcontainers', '-n', 'payments'], ['create', 'pods', '--subresource=exec', '-n', 'falco'],
      ['list', 'replicasets.apps', '-A'], ['list', 'deployments.apps', '-A'], ['get', 'nodes'], ['create', 'pods', '--subresource=portforward', '-n', 'shop'],
      ['impersonate', 'serviceaccounts', '-A'], ['create', 'clusterrolebindings.rbac.authorization.k8s.io'], ['*', '*', '-A']];
    const wrong: string[] = [];
    for (const a of yes) if (await can(a) !== 'yes') wrong.push(`can-i ${a.join(' ')} should be yes`);
    for (const a of no) if (await can(a) !== 'no') wrong.push(`can-i ${a.join(' ')} should be no`);
    assert.deepEqual(wrong, []);

    // The same question to the authorizer for every resource and subresource of every API group
    // the server offers, with its verbs and the standard ones, cluster-wide and per namespace.
    const api = adminApi(c.kubeconfig, c.context('admin'));
    type Res = { name: string; namespaced: boolean; verbs: string[] };
    const groups: { group: string; path: string }[] = [{ group: '', path: '/api/v1' }];
    const apis = (await api('GET', '/apis')).json as { groups: { name: string; preferredVersion: { groupVersion: string } }[] };
    for (const g of apis.groups) groups.push({ group: g.name, path: `/apis/${g.preferredVersion.groupVersion}` });
    const checks: { group: string; resource: string; subresource: string; verb: string; namespace: string }[] = [];
    for (const g of groups) {
      const list = (await api('GET', g.path)).json as { resources: Res[] };
      for (const r of list.resources) {
        const [resource, subresource = ''] = r.name.split('/');
        const verbs = [...new Set([...r.verbs, ...STANDARD_VERBS])];
        const namespaces = r.namespaced ? ['', 'shop', 'payments', 'falco', NS, 'kube-system'] : [''];
        for (const verb of verbs) for (const namespace of namespaces) checks.push({ group: g.group, resource, subresource, verb, namespace });
      }
    }
    for (const [group, resource, verb] of [['', 'serviceaccounts', 'impersonate'], ['', 'users', 'impersonate'], ['', 'groups', 'impersonate'],
      ['rbac.authorization.k8s.io', 'clusterroles', 'bind'], ['rbac.authorization.k8s.io', 'clusterroles', 'escalate'], ['rbac.authorization.k8s.io', 'roles', 'escalate'],
      ['certificates.k8s.io', 'signers', 'approve'], ['certificates.k8s.io', 'signers', 'sign']]) {
      checks.push({ group, resource, subresource: '', verb, namespace: '' });
    }
    const expected = (x: typeof checks[number]): boolean => {
      const key = `${x.group}|${x.resource}${x.subresource ? `/${x.subresource}` : ''}|${x.verb}`;
      return CLUSTER_WIDE.includes(key) || EVERYONE.includes(key) || (x.namespace === 'shop' && IN_SHOP.includes(key));
    };
    const mismatches: string[] = [];
    let allowed = 0;
    for (let i = 0; i < checks.length; i += 8) {
      await Promise.all(checks.slice(i, i + 8).map(async (x) => {
        const r = await api('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview',
          spec: { user: SA, groups: ['system:serviceaccounts', `system:serviceaccounts:${NS}`, 'system:authenticated'],
            resourceAttributes: { group: x.group, resource: x.resource, subresource: x.subresource, verb: x.verb, namespace: x.namespace } } });
        assert.equal(r.status, 201, JSON.stringify(r.json));
        const got = (r.json as { status: { allowed: boolean } }).status.allowed;
        if (got) allowed++;
        if (got !== expected(x)) mismatches.push(`${got ? 'allowed' : 'denied'}: ${x.verb} ${x.group ? `${x.group}/` : ''}${x.resource}${x.subresource ? `/${x.subresource}` : ''} in ${x.namespace || '(cluster)'}`);
      }));
    }
    t.diagnostic(`${checks.length} SubjectAccessReviews, ${allowed} allowed`);
    assert.ok(checks.length > 1000, `only ${checks.length} checks: discovery came back short`);
    assert.deepEqual(mismatches.sort(), []);
  });

  let apiToken = '';
  let hookToken = '';
  let fwd: Map<number, number> = new Map();
  await t.test('Falcosidekick configured from deploy/falcosidekick-values.yaml (as the chart does), fed by the falco pod\'s http_output', async () => {
    ({ api: apiToken, webhook: hookToken } = await serveTokens(c));
    assert.match(hookToken, /^[A-Za-z0-9+/=]{32}$/);
    // The README's helm line sets the header from the Secret's webhook-token: run its $(…) as written.
    const helm = readmeBlock('falco-install');
    assert.match(helm, /helm upgrade --install falco falcosecurity\/falco -n falco --create-namespace -f deploy\/falcosidekick-values\.yaml/);
    const set = /--set-string falcosidekick\.config\.webhook\.customHeaders="([^"$]*)\$\((.*)\)"$/m.exec(helm);
    assert.ok(set, `the README's helm line sets falcosidekick.config.webhook.customHeaders from the Secret: ${helm}`);
    const fromReadme = await runInRoot(['bash', '-euo', 'pipefail', '-c', set[2]], env, 60_000);
    assert.equal(fromReadme.code, 0, fromReadme.stderr);
    assert.equal(fromReadme.stdout, hookToken, 'the README\'s command gives the webhook token');
    const values = parse(readFileSync(join(ROOT, 'deploy', 'falcosidekick-values.yaml'), 'utf8')) as {
      falco: Record<string, unknown>; falcosidekick: { enabled: boolean; config: { webhook: { address: string; minimumpriority: string; customHeaders: string } } } };
    assert.equal(values.falcosidekick.enabled, true);
    assert.equal(values.falco.json_output, true);
    const hook = values.falcosidekick.config.webhook;
    const customHeaders = `${set[1]}${fromReadme.stdout}`;
    assert.equal(customHeaders, hook.customHeaders.replace('REPLACE_WITH_WEBHOOK_TOKEN', hookToken), 'the README\'s header is the values file\'s, with the token');
    assert.equal(customHeaders, `Authorization:Bearer ${hookToken}`);

    // What the chart makes of those values: a Secret of Falcosidekick's environment variables,
    // its Deployment and Service, and Falco's http_output pointed at it.
    undo.push('Falcosidekick', async () => {
      await c.kubectl(['delete', '-f', SIDEKICK_MANIFEST, '--ignore-not-found', '--wait=true', '--timeout=60s']);
      await c.kubectl(['delete', 'secret', '-n', 'falco', 'falco-falcosidekick', '--ignore-not-found']);
    });
    await c.ok(['create', 'secret', 'generic', 'falco-falcosidekick', '-n', 'falco', `--from-literal=WEBHOOK_ADDRESS=${hook.address}`,
      `--from-literal=WEBHOOK_MINIMUMPRIORITY=${hook.minimumpriority}`, `--from-literal=WEBHOOK_CUSTOMHEADERS=${customHeaders}`]);
    await c.ok(['apply', '-f', SIDEKICK_MANIFEST]);
    await c.ok(['rollout', 'status', 'deployment/falco-falcosidekick', '-n', 'falco', '--timeout=120s'], { timeoutMs: 150_000 });
    const sidekickLog = await c.ok(['logs', '-n', 'falco', 'deployment/falco-falcosidekick']);
    assert.match(sidekickLog, /this is NOT Falcosidekick/);
    assert.match(sidekickLog, new RegExp(`Enabled Outputs : \\[Webhook\\] \\(address ${hook.address.replace(/[.]/g, '\\.')}, minimum priority Warning, custom headers \\[Authorization\\]\\)`));
    assert.ok(!sidekickLog.includes(hookToken), 'the token is not logged');

    // serve's webhook refuses a request without the token, or with another one.
    const pf = await portForward(c, [2801, 2802]);
    forwards.push(pf);
    fwd = pf.local;
    const falcoLine = (await c.ok(['logs', '-n', 'falco', 'daemonset/falco', '--tail=200'])).split('\n').find((l) => l.startsWith('{') && l.includes(C2_RULE));
    const probe = falcoLine ?? JSON.stringify({ rule: 'probe', priority: 'Warning', time: new Date().toISOString(), output: 'probe', output_fields: {} });
    for (const auth of [undefined, 'Bearer not-the-token']) {
      const r = await fetch(`http://127.0.0.1:${fwd.get(2801)}/`, { method: 'POST', body: probe, headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) } });
      assert.equal(r.status, 401, `webhook with ${auth ?? 'no'} Authorization`);
    }

    undo.push('the falco DaemonSet\'s args', async () => {
      await c.ok(['patch', 'daemonset', 'falco', '-n', 'falco', '--type=json', '-p', JSON.stringify([{ op: 'replace', path: '/spec/template/spec/containers/0/args', value: falcoArgsBefore }])]);
      await c.ok(['rollout', 'status', 'daemonset/falco', '-n', 'falco', '--timeout=120s'], { timeoutMs: 150_000 });
    });
    await c.ok(['patch', 'daemonset', 'falco', '-n', 'falco', '--type=json', '-p', JSON.stringify([{ op: 'add', path: '/spec/template/spec/containers/0/args/-', value: `--http-output=${SIDEKICK_URL}` }])]);
    await c.ok(['rollout', 'status', 'daemonset/falco', '-n', 'falco', '--timeout=120s'], { timeoutMs: 150_000 });
  });

  await t.test('the demo\'s C2 alert becomes an automatic capture listed by serve\'s API, with the C2 packets in its pcapng', async () => {
    assert.ok(apiToken && fwd.get(2802), 'serve is reachable (the previous steps passed)');
    const base = `http://127.0.0.1:${fwd.get(2802)}`;
    const auth = { headers: { authorization: `Bearer ${apiToken}` } };
    assert.equal((await fetch(`${base}/api/v1/captures`)).status, 401, 'the API wants its token');
    type Item = { id: string; automatic: boolean; outcome?: string; rule: string; target: string; packets: number; links: { pcapng: string; sidecar: string } };
    const t0 = Date.now();
    let item: Item | undefined;
    let listedAfter = 0;
    while (Date.now() - t0 < 180_000) {
      const list = await (await fetch(`${base}/api/v1/captures`, auth)).json() as { items: Item[] };
      const c2 = list.items.find((x) => x.rule === C2_RULE);
      if (c2 && !listedAfter) listedAfter = Date.now() - t0;
      if (c2?.outcome) { item = c2; break; }
      await sleep(1000);
    }
    const serveLog = await c.ok(['logs', '-n', NS, 'deployment/falcoshark-serve']);
    t.diagnostic(`capture listed ${listedAfter} ms after Falco's http_output was switched on, finished after ${Date.now() - t0} ms\n${serveLog.split('\n').slice(-12).join('\n')}`);
    assert.ok(item, `no finished C2 capture listed by serve's API after 180 s; serve said:\n${serveLog}`);
    assert.equal(item.automatic, true);
    assert.match(item.target, /^shop\/api-/);
    assert.equal(item.outcome, 'cap-reached');

    // It came through Falcosidekick: the alert in the sidecar has the uuid Falcosidekick gave it,
    // which Falcosidekick logged when serve's webhook accepted it (with the header from the values file).
    const sidecar = await (await fetch(`${base}${item.links.sidecar}`, auth)).json() as { automatic: boolean; alert: { uuid?: string; rule: string } };
    assert.equal(sidecar.alert.rule, C2_RULE);
    assert.match(String(sidecar.alert.uuid), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const sidekickLog = await c.ok(['logs', '-n', 'falco', 'deployment/falco-falcosidekick']);
    assert.ok(sidekickLog.includes(`Webhook - POST OK (200) uuid ${sidecar.alert.uuid} rule "${C2_RULE}"`), sidekickLog);
    assert.match(await c.ok(['logs', '-n', 'falco', 'daemonset/falco']), new RegExp(`http_output: posting every alert to ${SIDEKICK_URL.replace(/[.]/g, '\\.')}`));
    const metrics = await (await fetch(`${base}/metrics`)).text();
    assert.match(metrics, /^falcoshark_webhook_rejected_total\{reason="unauthorized"\} 2$/m, 'only the two probes were refused');
    assert.match(metrics, /^falcoshark_captures_started_total [1-9]/m);

    const pcap = Buffer.from(await (await fetch(`${base}${item.links.pcapng}`, auth)).arrayBuffer());
    const file = join(dir, `${item.id}.pcapng`);
    writeFileSync(file, pcap);
    const c2 = await runCmd(['tshark', '-r', file, '-Y', `ip.addr==${C2.ip} && tcp.port==${C2.port}`, '-T', 'fields', '-e', 'frame.number']);
    assert.equal(c2.code, 0, c2.stderr);
    const frames = c2.stdout.trim().split('\n').filter(Boolean).length;
    t.diagnostic(`${pcap.length} bytes, ${item.packets} packets, ${frames} of them to or from ${C2.ip}:${C2.port}`);
    assert.ok(frames >= 3, `C2 packets in the capture: ${c2.stdout}`);
  });

  await t.test('everything installed is removed: the shared cluster is as it was', async () => {
    for (const f of forwards) await f.stop();
    forwards.length = 0;
    await undo.runAll();
    assert.equal(await serveInstalled(c), false);
    assert.equal((await c.kubectl(['get', 'deployment', 'falco-falcosidekick', '-n', 'falco'])).code, 1);
    assert.equal((await c.kubectl(['get', 'pvc', '-n', NS, 'falcoshark-captures'])).code, 1);
    assert.deepEqual(JSON.parse(await c.ok(['get', 'daemonset', 'falco', '-n', 'falco', '-o', 'jsonpath={.spec.template.spec.containers[0].args}'])), falcoArgsBefore);
    assert.deepEqual(JSON.parse((await c.ok(['get', 'namespace', NS, '-o', 'jsonpath={.metadata.labels}'])).trim()), JSON.parse(nsLabelsBefore));
    // deploy/rbac.yaml stays: the lab applies it (the lab-<name>-serve context uses that ServiceAccount).
    assert.equal((await c.kubectl(['auth', 'can-i', 'list', 'pods', '-A'], { role: 'serve' })).stdout.trim(), 'yes');
  });
});
