import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseBpf, parseBytes, parseCount, parseDuration, parsePodRef, planFromDraft, podRefFromExplorerNode, describeCaps, workloadRefFromExplorerNode } from '../../../src/extension/commands/planEdit.js';
import { parseAlert } from '../../../src/core/alerts/alertParser.js';

describe('capture plan quick pick: parsing edits', () => {
  it('durations', () => {
    assert.deepEqual(parseDuration('30'), { ok: true, value: 30 });
    assert.deepEqual(parseDuration(' 45s '), { ok: true, value: 45 });
    assert.deepEqual(parseDuration('2m'), { ok: true, value: 120 });
    assert.deepEqual(parseDuration('1h'), { ok: true, value: 3600 });
    for (const bad of ['0', '-5', '1.5', 'abc', '10d', '']) assert.equal(parseDuration(bad).ok, false, bad);
  });

  it('counts and sizes', () => {
    assert.deepEqual(parseCount('200k'), { ok: true, value: 200_000 });
    assert.deepEqual(parseCount('2M'), { ok: true, value: 2_000_000 });
    assert.equal(parseCount('0').ok, false);
    assert.deepEqual(parseBytes('100MB'), { ok: true, value: 100 * 1024 * 1024 });
    assert.deepEqual(parseBytes('1.5 GiB'), { ok: true, value: 1.5 * 1024 ** 3 });
    assert.deepEqual(parseBytes('512k'), { ok: true, value: 512 * 1024 });
    assert.deepEqual(parseBytes('4096'), { ok: true, value: 4096 });
    assert.equal(parseBytes('lots').ok, false);
  });

  it('pod references are validated Kubernetes names', () => {
    assert.deepEqual(parsePodRef('shop/api-7d9c'), { ok: true, value: { namespace: 'shop', pod: 'api-7d9c' } });
    assert.deepEqual(parsePodRef('shop/api-7d9c:app'), { ok: true, value: { namespace: 'shop', pod: 'api-7d9c', container: 'app' } });
    for (const bad of ['api', 'Shop/api', 'shop/api;rm -rf', 'shop/$(id)', 'a/b/c', 'shop/api:C_1']) assert.equal(parsePodRef(bad).ok, false, bad);
  });

  it('BPF filters: empty means the alert\'s; non-printable refused', () => {
    assert.deepEqual(parseBpf('  '), { ok: true, value: undefined });
    assert.deepEqual(parseBpf('tcp port 443'), { ok: true, value: 'tcp port 443' });
    assert.equal(parseBpf('tcp\nport 1').ok, false);
    assert.equal(parseBpf('x'.repeat(2001)).ok, false);
  });

  it('a draft becomes a validated plan; edits override the settings\' caps and the filter', () => {
    const r = parseAlert(JSON.stringify({ rule: 'Outbound C2', priority: 'Critical', time: '2026-01-01T00:00:00Z', output: 'x',
      output_fields: { 'k8s.ns.name': 'shop', 'k8s.pod.name': 'api-1', 'fd.name': '10.0.0.5:43122->203.0.113.9:4444', 'fd.l4proto': 'tcp' } }));
    assert.ok(r.ok);
    const settings = { caps: { durationSeconds: 30 }, maxCaps: { durationSeconds: 600, maxPackets: 1000, maxBytes: 1e9, snapLen: 262144 } };
    const p = planFromDraft({ pod: { namespace: 'shop', pod: 'api-1' }, caps: { durationSeconds: 90 } }, settings, r.alert);
    assert.equal(p.caps.durationSeconds, 90);
    assert.equal(p.filter.origin, 'alert');
    assert.match(p.filter.bpf, /203\.0\.113\.9/);
    assert.match(p.filter.bpf, /4444/);
    const q = planFromDraft({ pod: { namespace: 'shop', pod: 'api-1' }, caps: { durationSeconds: 5000 }, filterOverride: 'tcp port 4444' }, settings, r.alert);
    assert.equal(q.caps.durationSeconds, 600, 'lowered to the maximum');
    assert.equal(q.filter.bpf, 'tcp port 4444');
    assert.equal(q.filter.origin, 'user');
    assert.match(describeCaps(q.caps), /^600 s, at most 1,000 packets/);
    assert.throws(() => planFromDraft({ pod: { namespace: 'Bad!', pod: 'x' }, caps: {} }, settings, r.alert), /not a valid Kubernetes namespace/);
  });
});

describe('Kubernetes explorer pod nodes', () => {
  it('reads name and namespace defensively', () => {
    assert.deepEqual(podRefFromExplorerNode({ nodeType: 'resource', name: 'api-1', namespace: 'shop', kindName: 'pod/api-1' }), { namespace: 'shop', pod: 'api-1' });
    assert.deepEqual(podRefFromExplorerNode({ metadata: { name: 'api-1', namespace: 'shop' } }), { namespace: 'shop', pod: 'api-1' });
    assert.deepEqual(podRefFromExplorerNode({ kindName: 'pod/api-2' }), { pod: 'api-2' });
    assert.equal(podRefFromExplorerNode({ kindName: 'deployment/api' }), undefined);
    assert.equal(podRefFromExplorerNode(undefined), undefined);
    assert.equal(podRefFromExplorerNode('pod/x'), undefined);
    assert.equal(podRefFromExplorerNode({ name: 42 }), undefined);
  });
});

it('workload nodes of the Kubernetes explorer: kindName, resourceKind, pods, and anything else refused', () => {
  assert.deepEqual(workloadRefFromExplorerNode({ nodeType: 'resource', kindName: 'deployment/api', namespace: 'shop' }), { namespace: 'shop', kind: 'deployment', name: 'api' });
  assert.deepEqual(workloadRefFromExplorerNode({ resourceKind: { manifestKind: 'StatefulSet' }, name: 'db', namespace: 'data' }), { namespace: 'data', kind: 'StatefulSet', name: 'db' });
  assert.deepEqual(workloadRefFromExplorerNode({ kindName: 'pod/api-7d9c' }), { kind: 'pod', name: 'api-7d9c' });
  for (const n of [undefined, null, 'deploy/api', {}, { kindName: 'deployment/' }]) assert.equal(workloadRefFromExplorerNode(n), undefined);
});
