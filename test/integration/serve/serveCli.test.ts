// `falcoshark serve` refuses bad flags before it listens or touches a cluster: a capture tool
// or method that does not exist would otherwise add an ephemeral container to a pod and fail
// there, once per alert.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';

function serve(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', ...args],
      { env: { ...process.env, FALCOSHARK_API_TOKEN: 'serve-cli-token-0123456789', KUBECONFIG: '/nonexistent/kubeconfig' } });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    c.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const kill = setTimeout(() => c.kill('SIGKILL'), 20_000);
    c.on('close', (code) => { clearTimeout(kill); resolve({ code, stdout, stderr }); });
  });
}

test('serve: an unknown tool, method, port or duration is a usage error (exit 2), nothing listens', async () => {
  const cases: Array<[string[], RegExp]> = [
    [['--tool', 'foo'], /the capture tool must be tshark, tcpdump, dumpcap, not "foo"/],
    [['--method', 'ssh'], /the capture method must be ephemeral or exec, not "ssh"/],
    [['--port', 'http'], /--port: a port is a whole number from 0 to 65535, not "http"/],
    [['--webhook-port', '70000'], /--webhook-port: a port is a whole number from 0 to 65535/],
    [['--duration', '1e3'], /--duration takes a whole number of seconds, not "1e3"/],
  ];
  const results = await Promise.all(cases.map(([args]) => serve(['--webhook-port', '0', '--port', '0', ...args])));
  for (const [i, [args, why]] of cases.entries()) {
    const r = results[i];
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, why);
    assert.doesNotMatch(r.stdout, /alerts in: POST/, 'the webhook never listened');
  }
});
