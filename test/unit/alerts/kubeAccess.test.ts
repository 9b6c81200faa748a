// Kubeconfig handling as kubectl does it ($KUBECONFIG list, current context, --context) and the
// RBAC error messages that name the verb, resource and namespace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, delimiter } from 'node:path';
import { ApiException } from '@kubernetes/client-node';
import { loadKubeConfig, describeKubeError, KubeConfigError } from '../../../src/core/k8s/kubeAccess.js';
import { ResumePoint } from '../../../src/core/alerts/sources/podLogFollower.js';

const cfg = (name: string, server: string, current?: string) => `apiVersion: v1
kind: Config
${current ? `current-context: ${current}\n` : ''}clusters:
- name: ${name}
  cluster:
    server: ${server}
    insecure-skip-tls-verify: true
users:
- name: ${name}-user
  user:
    token: t
contexts:
- name: ${name}
  context:
    cluster: ${name}
    user: ${name}-user
`;

test('loadKubeConfig: $KUBECONFIG list merged, current context by default, any context on request', () => {
  const dir = mkdtempSync(join(tmpdir(), 'falcoshark-kc-'));
  const a = join(dir, 'a.yaml'), b = join(dir, 'b.yaml');
  writeFileSync(a, cfg('ctx-a', 'https://a.example:6443', 'ctx-a'));
  writeFileSync(b, cfg('ctx-b', 'https://b.example:6443'));
  const saved = process.env['KUBECONFIG'];
  process.env['KUBECONFIG'] = [a, b].join(delimiter);
  try {
    const def = loadKubeConfig();
    assert.equal(def.getCurrentContext(), 'ctx-a');
    assert.equal(def.getCurrentCluster()?.server, 'https://a.example:6443');
    const other = loadKubeConfig('ctx-b');
    assert.equal(other.getCurrentCluster()?.server, 'https://b.example:6443');
    assert.throws(() => loadKubeConfig('nope'), (e: unknown) => e instanceof KubeConfigError && e.code === 'no-kubeconfig'
      && /no context "nope" in \$KUBECONFIG .*available: ctx-a, ctx-b/.test(e.message));
  } finally {
    if (saved === undefined) delete process.env['KUBECONFIG']; else process.env['KUBECONFIG'] = saved;
    rmSync(dir, { recursive: true, force: true });
  }
});

test('describeKubeError names the refused verb/resource/namespace', () => {
  assert.match(describeKubeError(new ApiException(403, 'x', undefined, {}), 'get', 'pods/log', 'falco', 'prod').message, /^403: cannot get pods\/log in namespace falco \(context "prod"\)/);
  assert.match(describeKubeError(Object.assign(new Error('Forbidden'), { statusCode: 403 }), 'watch', 'pods', undefined, 'prod').message, /^403: cannot watch pods at the cluster scope/);
  assert.match(describeKubeError(new ApiException(401, 'x', undefined, {}), 'list', 'pods', undefined, 'prod').message, /^401: the API server rejected the credentials of context "prod"/);
  const net = Object.assign(new Error('request to https://x failed'), { code: 'ECONNREFUSED' });
  assert.match(describeKubeError(net, 'list', 'pods', 'falco', 'prod').message, /cannot list pods in namespace falco: ECONNREFUSED/);
  // The code a front-end switches on, from the status (never from the message).
  assert.deepEqual([403, 401, 404, 500].map((s) => describeKubeError(new ApiException(s, 'x', undefined, {}), 'list', 'pods', undefined, 'prod').code),
    ['forbidden', 'unauthorized', 'not-found', 'server-error']);
  assert.equal(describeKubeError(net, 'list', 'pods', 'falco', 'prod').code, 'unreachable');
});

test('ResumePoint: drops lines at or before the last (timestamp, hash); sinceTime is the last second', () => {
  const r = new ResumePoint();
  const ns = (s: string) => BigInt(Date.parse(s.slice(0, 19) + 'Z')) * 1_000_000n + BigInt(s.slice(20, 29));
  const t1 = '2026-11-28T10:00:01.100000000Z', t2 = '2026-11-28T10:00:01.300000000Z';
  assert.ok(r.accept(t1, ns(t1), Buffer.from('a')));
  assert.ok(r.accept(t2, ns(t2), Buffer.from('b')));
  assert.ok(r.accept(t2, ns(t2), Buffer.from('c')), 'same timestamp, other line');
  assert.equal(r.sinceTime(), '2026-11-28T10:00:01Z');
  assert.ok(!r.accept(t1, ns(t1), Buffer.from('a')), 'older: replayed');
  assert.ok(!r.accept(t2, ns(t2), Buffer.from('b')), 'same (timestamp, hash): replayed');
  assert.ok(!r.accept(t2, ns(t2), Buffer.from('c')));
});
