// The flight recorder installed in the shared real lab cluster as the README says (its
// `recorder-install` block run by bash, nothing composed here) and removed again; used by
// test/cluster/recorder.test.ts and test/cluster/e2e/recorderWorkbench.test.ts.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { type Cluster, ROOT, type Result } from './realCluster.js';
import { readmeBlock, runInRoot, SERVE_NS, type UndoList } from './serveInstall.js';

export const RECORDER_MANIFEST = join(ROOT, 'deploy', 'recorder.yaml');

export async function recorderInstalled(c: Cluster): Promise<boolean> {
  return (await c.kubectl(['get', 'daemonset', 'falcoshark-recorder', '-n', SERVE_NS])).code === 0;
}

export async function uninstallRecorder(c: Cluster): Promise<void> {
  const r = await c.kubectl(['delete', '-f', RECORDER_MANIFEST, '--ignore-not-found', '--wait=true', '--timeout=120s'], { timeoutMs: 150_000 });
  if (r.code !== 0) throw new Error(`kubectl delete -f deploy/recorder.yaml → ${r.code}: ${r.stderr}`);
  await c.ok(['delete', 'secret', '-n', SERVE_NS, 'falcoshark-recorder-token', '--ignore-not-found']);
}

/** Runs the README's recorder-install block with `env` (adminEnv); registers the removal first. */
export async function installRecorder(c: Cluster, env: NodeJS.ProcessEnv, undo: UndoList): Promise<{ block: string; result: Result }> {
  undo.push('the recorder', () => uninstallRecorder(c));
  const block = readmeBlock('recorder-install');
  const result = await runInRoot(['bash', '-euo', 'pipefail', '-c', block], env, 300_000);
  assert.equal(result.code, 0, `README recorder-install → ${result.code}\n${result.stdout}${result.stderr}`);
  assert.match(result.stdout, /daemon set "falcoshark-recorder" successfully rolled out/);
  return { block, result };
}

/** The recorder's token, from the Secret the README's lines made. */
export async function recorderToken(c: Cluster): Promise<string> {
  return Buffer.from((await c.ok(['get', 'secret', '-n', SERVE_NS, 'falcoshark-recorder-token', '-o', 'jsonpath={.data.token}'])).trim(), 'base64').toString();
}
