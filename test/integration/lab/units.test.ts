// Pure parts of the lab (no root needed): selectors, patches, the Falco alert format, Table,
// Forbidden messages, and the plain "needs root" answer of `lab up`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { buildSync } from 'esbuild';
import { join } from 'node:path';
import { applyJsonPatch, applyMergePatch, applyStrategicMerge } from '../../../src/lab/patch.js';
import { parseFieldSelector, parseLabelSelector } from '../../../src/lab/selectors.js';
import { c2Alert, falcoStartupLines } from '../../../src/lab/falcoLog.js';
import { forbidden, makeUsers } from '../../../src/lab/rbac.js';
import { rfc3339Nano, falcoTime } from '../../../src/lab/clock.js';
import { toTable, wantsTable } from '../../../src/lab/table.js';
import type { KObject } from '../../../src/lab/types.js';

const pod = (name: string, labels: Record<string, string>, podIP?: string): KObject => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'shop', uid: 'u', resourceVersion: '1', creationTimestamp: '2026-01-01T00:00:00Z', labels },
  spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'i' }] }, status: { phase: 'Running', ...(podIP ? { podIP } : {}) },
});

test('label selectors: equality, sets, existence', () => {
  const l = { app: 'api', tier: 'backend' };
  assert.ok(parseLabelSelector('app=api,tier==backend')(l));
  assert.ok(parseLabelSelector('app in (api, db),!missing')(l));
  assert.ok(!parseLabelSelector('tier notin (backend)')(l));
  assert.ok(parseLabelSelector('app')(l));
  assert.ok(!parseLabelSelector('app!=api')(l));
  assert.throws(() => parseLabelSelector('app=(x'), /unable to parse requirement/);
  assert.throws(() => parseLabelSelector('app in (a,b'), /unable to parse requirement/);
});

test('field selectors: pod fields and unsupported labels', () => {
  const p = pod('a', {}, '10.244.0.5');
  assert.ok(parseFieldSelector('status.podIP=10.244.0.5,spec.nodeName=n1', 'Pod')(p));
  assert.ok(!parseFieldSelector('metadata.name!=a', 'Pod')(p));
  assert.throws(() => parseFieldSelector('status.hostIP=1', 'Pod'), /field label not supported: status.hostIP/);
});

test('patches: JSON patch, merge patch, strategic merge by name with kubectl directives', () => {
  const base = { spec: { ephemeralContainers: [{ name: 'a', image: 'x' }] } };
  assert.deepEqual(applyJsonPatch(base, [{ op: 'add', path: '/spec/ephemeralContainers/-', value: { name: 'b', image: 'y' } }]),
    { spec: { ephemeralContainers: [{ name: 'a', image: 'x' }, { name: 'b', image: 'y' }] } });
  assert.throws(() => applyJsonPatch(base, [{ op: 'replace', path: '/spec/nope', value: 1 }]), /missing/);
  assert.deepEqual(applyMergePatch({ a: 1, b: { c: 2 } }, { b: { c: null, d: 3 } }), { a: 1, b: { d: 3 } });
  assert.deepEqual(applyStrategicMerge(base, { spec: { '$setElementOrder/ephemeralContainers': [{ name: 'a' }, { name: 'b' }], ephemeralContainers: [{ name: 'b', image: 'y' }] } }),
    { spec: { ephemeralContainers: [{ name: 'a', image: 'x' }, { name: 'b', image: 'y' }] } });
});

test('Falco alert: sorted keys, 9-digit time, rule text with the real connection', () => {
  const line = c2Alert({ evt: 'connect', proto: 'tcp', lip: '10.244.0.12', lport: 40000, rip: '203.0.113.66', rport: 4444, domain: 'c2.example', exe: '/usr/bin/node', cmdline: 'app.js' },
    { hostname: 'lab-worker', namespace: 'shop', pod: 'api-1', container: 'api', containerId: 'containerd://0123456789abcdef', image: 'repo/api:1.2', parent: 'containerd-shim' }, 1_700_000_000_123_456_789n);
  assert.equal(line.indexOf('{"hostname":"lab-worker","output":"22:13:20.123456789: Warning Outbound connection to C2 server (c2_domain=c2.example c2_addr=203.0.113.66 connection=10.244.0.12:40000->203.0.113.66:4444 '), 0);
  const a = JSON.parse(line) as { time: string; output_fields: Record<string, unknown>; output: string; tags: string[] };
  assert.equal(a.time, '2023-11-14T22:13:20.123456789Z');
  assert.deepEqual(Object.keys(a), ['hostname', 'output', 'output_fields', 'priority', 'rule', 'source', 'tags', 'time']);
  assert.deepEqual(Object.keys(a.output_fields), [...Object.keys(a.output_fields)].sort());
  assert.equal(a.output_fields['container.id'], '0123456789ab');
  assert.ok(line.includes('"evt.time":1700000000123456789,'), 'exact nanosecond integer');
  assert.equal(a.output_fields['fd.sport'], 4444);
  assert.ok(a.output.includes('fd_proto=fd.l4proto') && a.output.endsWith('k8s_ns=shop k8s_pod_name=api-1)'));
  assert.match(falcoStartupLines('n')[0], /^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}: Falco version: 0\.40\.0 \(x86_64\)$/);
});

test('time formats: RFC3339Nano trims zeros; Falco keeps nine digits', () => {
  assert.equal(rfc3339Nano(1_700_000_000_120_000_000n), '2023-11-14T22:13:20.12Z');
  assert.equal(rfc3339Nano(1_700_000_000_000_000_000n), '2023-11-14T22:13:20Z');
  assert.equal(falcoTime(1_700_000_000_120_000_000n), '2023-11-14T22:13:20.120000000Z');
});

test('Forbidden messages name user, verb, resource, group and scope like the RBAC authorizer', () => {
  const ro = makeUsers().find((u) => u.role === 'readonly');
  assert.ok(ro);
  assert.equal(forbidden(ro, { verb: 'patch', group: '', resource: 'pods', subresource: 'ephemeralcontainers', namespace: 'shop', name: 'x' }).message,
    'pods "x" is forbidden: User "system:serviceaccount:lab:readonly" cannot patch resource "pods/ephemeralcontainers" in API group "" in the namespace "shop"');
  assert.equal(forbidden(ro, { verb: 'list', group: 'apps', resource: 'deployments' }).message,
    'deployments.apps is forbidden: User "system:serviceaccount:lab:readonly" cannot list resource "deployments" in API group "apps" at the cluster scope');
});

test('Table: kubectl\'s Accept header selects it; pod rows carry the wide columns and metadata', () => {
  assert.ok(wantsTable('application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json'));
  assert.ok(!wantsTable('application/json, */*'));
  const t = toTable('Pod', [pod('a', {}, '10.244.0.9')], '5') as { rows: { cells: unknown[]; object: { metadata: { namespace: string } } }[] };
  assert.deepEqual(t.rows[0].cells.slice(5, 7), ['10.244.0.9', 'n1']);
  assert.equal(t.rows[0].object.metadata.namespace, 'shop');
});

/** Runs `code` (TypeScript, resolved from the repository) as the unprivileged user 65534. The
 *  code is bundled into a world-readable temporary folder first: a checkout may sit in a folder
 *  only root can read (e.g. one made by mktemp -d), which the unprivileged user cannot load from. */
function runAsNobody(code: string, env: NodeJS.ProcessEnv): string {
  const dir = mkdtempSync(join(tmpdir(), 'fs-nobody-'));
  try {
    chmodSync(dir, 0o755);
    const out = join(dir, 'main.js');
    buildSync({ stdin: { contents: code, resolveDir: join(__dirname, '..', '..', '..'), loader: 'ts' }, bundle: true, platform: 'node', format: 'cjs', outfile: out, logLevel: 'silent' });
    chmodSync(out, 0o644);
    return execFileSync(process.execPath, [out], { cwd: dir, uid: 65534, gid: 65534, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '', HOME: '/tmp', ...env } });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('lab up without root says plainly that it needs root', { skip: process.getuid?.() !== 0 ? 'needs root to switch to an unprivileged user' : undefined }, () => {
  const code = "require('./src/cli/labCommand.ts').labCommand.run(['up']).then((c) => { process.exitCode = c; })";
  let stderr = ''; let status = 0;
  try {
    runAsNobody(code, {});
  } catch (e) {
    const err = e as { status?: number; stderr?: string };
    status = err.status ?? -1; stderr = err.stderr ?? '';
  }
  assert.equal(status, 1, stderr);
  assert.match(stderr, /falcoshark lab needs root: it runs a kubelet, containerd and network namespaces/);
});

test('under CI=true a missing prerequisite fails loudly instead of skipping', { skip: process.getuid?.() !== 0 ? 'needs root to switch to an unprivileged user' : undefined }, () => {
  const code = "const { labSkipReason } = require('./src/lab/testLab.ts'); console.log(String(labSkipReason()))";
  const run = (ci: string): { status: number; out: string } => {
    try {
      return { status: 0, out: runAsNobody(code, { CI: ci }) };
    } catch (e) {
      const err = e as { status?: number; stderr?: string };
      return { status: err.status ?? -1, out: err.stderr ?? '' };
    }
  };
  const local = run('');
  assert.equal(local.status, 0);
  assert.match(local.out, /lab tests need root/);
  const ci = run('true');
  assert.notEqual(ci.status, 0);
  assert.match(ci.out, /CI=true: failing instead of skipping/);
});
