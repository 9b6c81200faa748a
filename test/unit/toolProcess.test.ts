// The one way falcoshark runs programs (execa): output kept or streamed, a stop that escalates
// to SIGKILL for a program that ignores it, and the reason a program did not start or failed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runTool, startDetachedTool, startStreamingTool } from '../../src/core/util/toolProcess.js';
import { launchWireshark } from '../../src/core/wireshark/launchWireshark.js';
import { startLocalCapture } from '../../src/core/capture/localRunner.js';
import { DEFAULT_CAPS } from '../../src/core/capture/capturePlan.js';

test('runTool: the output, or why it failed (not installed, exit code with its last words, too slow)', async () => {
  assert.deepEqual(await runTool('sh', ['-c', 'echo out; echo err >&2'], { timeoutMs: 5000 }), { ok: true, stdout: 'out', stderr: 'err' });
  const missing = await runTool('falcoshark-no-such-program', [], { timeoutMs: 5000 });
  assert.deepEqual(missing.ok ? {} : { started: missing.started, reason: missing.reason },
    { started: false, reason: 'falcoshark-no-such-program is not installed on this machine (it is not on PATH)' });
  const failed = await runTool('sh', ['-c', 'echo "Capturing on lo" >&2; echo "bad filter" >&2; exit 3'], { timeoutMs: 5000 });
  assert.equal(failed.ok ? '' : failed.reason, 'sh exited with code 3: bad filter');
  const slow = await runTool('sleep', ['5'], { timeoutMs: 200 });
  assert.match(slow.ok ? '' : slow.reason, /^sleep did not finish within 0 s/);
});

test('a streaming tool: stdout as it comes; stop sends the stop signal, then SIGKILL to one that ignores it', async () => {
  const polite = startStreamingTool(['sh', '-c', 'trap "echo bye; exit 0" INT; echo hello; while :; do sleep 0.05; done'], { stopSignal: 'SIGINT', killAfterMs: 2000 });
  const it = polite.stdout[Symbol.asyncIterator]();
  assert.match(Buffer.from((await it.next()).value as Uint8Array).toString(), /hello/);
  polite.stop();
  polite.stop(); // twice is fine
  let rest = '';
  for (let n = await it.next(); !n.done; n = await it.next()) rest += Buffer.from(n.value).toString();
  assert.match(rest, /bye/, 'the tool got the stop signal and could flush');
  const r = await polite.done;
  assert.equal(r.ok, true, r.detail);
  const t0 = Date.now();
  const stubborn = startStreamingTool(['sh', '-c', 'trap "" INT; echo started; exec sleep 30'], { stopSignal: 'SIGINT', killAfterMs: 300 });
  const sit = stubborn.stdout[Symbol.asyncIterator]();
  await sit.next();
  stubborn.stop();
  await sit.return?.(); // the reader stops reading (as a session does at a cap)
  const s = await stubborn.done;
  assert.ok(Date.now() - t0 < 5000, `killed after the delay, not after 30 s (${Date.now() - t0} ms)`);
  assert.equal(s.signal, 'SIGKILL');
  const crash = await startStreamingTool(['sh', '-c', 'echo "tcpdump: eth9: No such device" >&2; exit 1'], { stopSignal: 'SIGINT', killAfterMs: 300 }).done;
  assert.deepEqual({ ok: crash.ok, detail: crash.detail }, { ok: false, detail: 'sh exited with code 1: tcpdump: eth9: No such device' });
});

test('a local capture with a tool that is not there says so (no spawn error escapes)', async () => {
  const src = startLocalCapture({ tool: 'tshark', iface: 'lo', bpf: '', caps: DEFAULT_CAPS, netns: 'falcoshark-no-such-ns' });
  for await (const chunk of src.stream) assert.fail(`no output expected, got ${chunk.length} bytes`);
  const r = await src.done;
  assert.equal(r.ok, false);
  assert.match(r.detail, /no such network namespace|Cannot open network namespace|exited with/);
});

test('detached (Wireshark): resolves once it runs, or rejects with why it cannot start', async () => {
  const ok = await startDetachedTool('sleep', ['0.1'], process.env);
  assert.ok(typeof ok.pid === 'number' && ok.pid > 0);
  const w = await launchWireshark('true', '-capture.pcapng', 'tcp.port==1');
  assert.deepEqual(w.argv, ['-r', './-capture.pcapng', '-Y', 'tcp.port==1']);
  await assert.rejects(launchWireshark('/nonexistent/wireshark', 'x.pcapng', undefined), /\/nonexistent\/wireshark is not installed on this machine/);
});
