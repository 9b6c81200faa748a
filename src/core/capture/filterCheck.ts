// Checks that a capture filter compiles before any capture starts, with the real libpcap
// compiler (dumpcap -d prints the BPF program and exits; it captures nothing).
import { execFile } from 'node:child_process';

export type FilterCheck = { ok: true; instructions: number } | { ok: false; reason: string };

export function checkCaptureFilter(bpf: string, opts: { iface?: string; dumpcap?: string } = {}): Promise<FilterCheck> {
  const argv = ['-i', opts.iface ?? 'lo', '-f', bpf, '-d'];
  return new Promise((resolve) => {
    execFile(opts.dumpcap ?? 'dumpcap', argv, { timeout: 10_000, maxBuffer: 1024 * 1024 }, (err, stdout, stderr) => {
      if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') {
        resolve({ ok: false, reason: 'dumpcap (Wireshark\'s capture tool) is not installed: cannot check the capture filter' });
        return;
      }
      // dumpcap 4.0 exits 0 even when it refuses the filter: judge by what it printed.
      const instructions = String(stdout).split('\n').filter((l) => /^\(\d+\)/.test(l)).length;
      const refused = /Invalid capture filter/.test(String(stderr));
      if (err || refused || instructions === 0) {
        const msg = String(stderr).split('\n').map((l) => l.trim())
          .filter((l) => l && !l.startsWith('Capturing on') && !l.startsWith('See the User')).join(' ');
        resolve({ ok: false, reason: msg || `dumpcap exited with ${String(err?.code ?? 0)} and printed no BPF program` });
        return;
      }
      resolve({ ok: true, instructions });
    });
  });
}
