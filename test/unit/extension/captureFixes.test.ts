// An error's buttons come from its code: a plan error whose message mentions an image is still
// a plan error, and a refusal is a refusal whatever its words.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixesFor } from '../../../src/extension/commands/captureFixes.js';
import { PlanError } from '../../../src/core/capture/capturePlan.js';
import { EphemeralContainerError } from '../../../src/core/k8s/ephemeralContainer.js';
import { KubeAccessError, KubeConfigError } from '../../../src/core/k8s/kubeAccess.js';
import { problemCode } from '../../../src/core/util/problem.js';

const titles = (e: unknown): string[] => fixesFor(problemCode(e)).map(([t]) => t);

test('the buttons of a capture error follow its code, not its words', () => {
  assert.deepEqual(titles(new PlanError('"pull-image-1" is not a valid Kubernetes pod name')), ['Open Settings']);
  assert.deepEqual(titles(new EphemeralContainerError('image', 'the capture container cannot start: ErrImagePull')), ['Set the Capture Image']);
  assert.deepEqual(titles(new KubeAccessError('cannot patch pods/ephemeralcontainers', 403, 'patch', 'pods/ephemeralcontainers', 'shop')), ['Pick Another Context', 'Show Log']);
  assert.deepEqual(titles(new KubeConfigError('no kubeconfig')), ['Pick a Context']);
  assert.deepEqual(titles(new EphemeralContainerError('pod-security', 'Pod Security refused the capture container')), ['Set the Capture Method', 'Show Log']);
  assert.deepEqual(titles(new Error('403 forbidden image pull')), ['Show Log'], 'an uncoded error: its words decide nothing');
  for (const [, cmd] of fixesFor('image')) assert.match(cmd, /^[a-zA-Z.]+(\?[a-zA-Z.]+)?$/);
});
