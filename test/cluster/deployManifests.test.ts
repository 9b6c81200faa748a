// deploy/'s manifests against the real apiserver: a server-side dry run validates them with the
// apiserver's own OpenAPI schema, admission included (the old imitation had no OpenAPI, so this
// ran client-side with validation off).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clusterSkipReason, useClusterLab } from '../support/clusterLab.js';

const skip = clusterSkipReason();

test('kubectl apply --dry-run=server accepts deploy/rbac.yaml and deploy/serve.yaml (real apiserver, strict validation)', { skip, timeout: 300_000 }, async () => {
  const lab = await useClusterLab();
  const r = await lab.kubectl(['apply', '--dry-run=server', '--validate=strict', '-f', 'deploy/rbac.yaml', '-f', 'deploy/serve.yaml'], { role: 'admin' });
  assert.equal(r.code, 0, r.stderr);
  for (const line of ['serviceaccount/falcoshark-serve', 'clusterrole.rbac.authorization.k8s.io/falcoshark-serve-read',
    'role.rbac.authorization.k8s.io/falcoshark-capture', 'deployment.apps/falcoshark-serve', 'service/falcoshark-serve']) {
    assert.match(r.stdout, new RegExp(`${line.replace(/\./g, '\\.')} (created|configured|unchanged) \\(server dry run\\)`), r.stdout);
  }
});
