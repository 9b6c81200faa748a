// The lab harness runs its programs through execa: stdout back, input on stdin, a failure that
// names the command, its exit status and its last words, a missing program said plainly, and a
// long build's output line by line.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LabCommandError, run, runLogged } from '../../../src/lab/cluster/run.js';

test('stdout comes back whole; input reaches stdin', async () => {
  assert.equal(await run(['echo', 'hi']), 'hi\n');
  assert.equal(await run(['cat'], { input: 'a b $(c)' }), 'a b $(c)');
});

test('a failure names the command, its exit code and its stderr', async () => {
  await assert.rejects(run(['sh', '-c', 'echo oops >&2; exit 3']), (e: unknown) =>
    e instanceof LabCommandError && e.exitCode === 3 && /sh -c echo oops >&2; exit 3 failed \(exit 3\): oops/.test(e.message));
});

test('a program that is not installed is said so', async () => {
  await assert.rejects(run(['falcoshark-no-such-program']), /falcoshark-no-such-program: not found/);
});

test('runLogged hands every line of stdout and stderr to the log, and fails with the tail', async () => {
  const lines: string[] = [];
  await runLogged(['sh', '-c', 'echo one; echo two >&2'], (l) => lines.push(l));
  assert.deepEqual(lines.sort(), ['one', 'two']);
  await assert.rejects(runLogged(['sh', '-c', 'echo last words >&2; exit 2'], () => undefined), /\(exit 2\): last words/);
});
