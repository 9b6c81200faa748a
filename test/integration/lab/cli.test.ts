// `falcoshark lab up|status|down` (the command module, run in this process; `up` starts the
// lab as a detached background process).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { labCommand } from '../../../src/cli/labCommand.js';
import { listNetns, netnsPrefix, stateDir } from '../../../src/lab/netns.js';
import { labSkipReason, uniqueLabName } from '../../../src/lab/testLab.js';

const skip = labSkipReason(['kubectl']);

const ROOT = join(__dirname, '..', '..', '..');
const RUN = "require('./src/cli/labCommand.ts').labCommand.run(process.argv.slice(1)).then((c) => { process.exitCode = c; })";

/** Runs the command module in a child process (its stdout is then the command's own). */
function cli(args: string[]): { code: number; out: string } {
  try {
    return { code: 0, out: execFileSync(process.execPath, ['--import', 'tsx', '-e', RUN, ...args], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 80_000 }) };
  } catch (e) {
    const err = e as { status?: number; stdout?: string };
    return { code: err.status ?? 1, out: err.stdout ?? '' };
  }
}

test('lab up prints the kubeconfig of a running lab; status lists it; down removes everything', { skip, timeout: 90_000 }, async () => {
  const name = uniqueLabName('cli');
  try {
    const upr = cli(['up', '--name', name, '--beacon-every', '5000']);
    assert.equal(upr.code, 0);
    const kubeconfig = upr.out.trim();
    assert.ok(existsSync(kubeconfig), kubeconfig);
    assert.match(readFileSync(kubeconfig, 'utf8'), /certificate-authority-data: \S+/);
    const out = execFileSync('kubectl', ['--kubeconfig', kubeconfig, 'get', 'namespaces', '-o', 'name'], { encoding: 'utf8' });
    assert.match(out, /namespace\/shop/);
    const st = cli(['status', '--name', name]);
    assert.match(st.out, new RegExp(`^${name}\\trunning\\tpid \\d+\\thttps://127\\.0\\.0\\.1:\\d+`));
  } finally {
    const down = cli(['down', '--name', name]);
    assert.equal(down.code, 0);
  }
  assert.deepEqual((await listNetns()).filter((n) => n.startsWith(netnsPrefix(name))), []);
  assert.ok(!existsSync(stateDir(name)));
});

test('lab without a subcommand prints its usage', async () => {
  const orig = process.stderr.write.bind(process.stderr);
  process.stderr.write = (() => true) as typeof process.stderr.write;
  try {
    assert.equal(await labCommand.run([]), 2);
  } finally {
    process.stderr.write = orig;
  }
});
