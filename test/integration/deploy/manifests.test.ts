// The manifests in deploy/: valid Kubernetes objects (schema check with kubernetes-models'
// JSON schemas), accepted by the real kubectl (`apply --dry-run=client` against the lab's
// discovery), and granting exactly the permissions `falcoshark serve` needs — nothing more.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { Deployment } from 'kubernetes-models/apps/v1';
import { ConfigMap, PersistentVolumeClaim, Service, ServiceAccount } from 'kubernetes-models/v1';
import { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';

interface KObj { apiVersion: string; kind: string; metadata: { name: string; namespace?: string }; rules?: Array<{ apiGroups: string[]; resources: string[]; verbs: string[] }> }

function docs(file: string): KObj[] {
  return parseAllDocuments(readFileSync(file, 'utf8')).map((d) => d.toJSON() as KObj).filter((d) => d !== null);
}
const FILES = ['deploy/rbac.yaml', 'deploy/serve.yaml'];
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'v1/ServiceAccount': ServiceAccount, 'v1/ConfigMap': ConfigMap, 'v1/PersistentVolumeClaim': PersistentVolumeClaim, 'v1/Service': Service,
  'apps/v1/Deployment': Deployment, 'rbac.authorization.k8s.io/v1/ClusterRole': ClusterRole, 'rbac.authorization.k8s.io/v1/ClusterRoleBinding': ClusterRoleBinding,
  'rbac.authorization.k8s.io/v1/Role': Role, 'rbac.authorization.k8s.io/v1/RoleBinding': RoleBinding,
};

test('every object validates against the Kubernetes schema', () => {
  for (const f of FILES) {
    for (const d of docs(f)) {
      const M = MODELS[`${d.apiVersion}/${d.kind}`];
      assert.ok(M, `${f}: no schema for ${d.apiVersion} ${d.kind}`);
      assert.doesNotThrow(() => new M(d as never).validate(), `${f}: ${d.kind} ${d.metadata.name}`);
    }
  }
  // The schema check is not toothless: a wrong field type is refused.
  assert.throws(() => new Deployment({ metadata: { name: 'x' }, spec: { replicas: 'one' } } as never).validate());
});

test('the roles grant exactly what serve needs, nothing more', () => {
  const granted = new Set<string>();
  for (const d of docs('deploy/rbac.yaml')) {
    for (const r of d.rules ?? []) for (const g of r.apiGroups) for (const res of r.resources) for (const v of r.verbs) granted.add(`${g}|${res}|${v}`);
  }
  const expected = [
    '|pods|list', '|pods|watch', '|services|list', '|services|watch', '|nodes|list', '|nodes|watch',
    'discovery.k8s.io|endpointslices|list', 'discovery.k8s.io|endpointslices|watch', '|pods/log|get',
    '|pods/exec|get', '|pods/exec|create', '|pods/attach|get', '|pods/attach|create', '|pods/ephemeralcontainers|patch',
  ];
  assert.deepEqual([...granted].sort(), expected.sort());
  for (const g of granted) assert.ok(!g.includes('*'), `no wildcard: ${g}`);
});
