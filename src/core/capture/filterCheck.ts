// Checks that a capture filter compiles before any capture starts, with the real libpcap
// compiler (dumpcap -d prints the BPF program and exits; it captures nothing).
import { runTool } from '../util/toolProcess.js';

export type FilterCheck = { ok: true; instructions: number } | { ok: false; reason: string };

export async function checkCaptureFilter(bpf: string, opts: { iface?: string; dumpcap?: string } = {}): Promise<FilterCheck> {
  const dumpcap = opts.dumpcap ?? 'dumpcap';
  const r = await runTool(dumpcap, ['-i', opts.iface ?? 'lo', '-f', bpf, '-d'], { timeoutMs: 10_000 });
  if (!r.ok && !r.started) return { ok: false, reason: `${r.reason}: cannot check the capture filter (dumpcap is Wireshark's capture tool)` };
  // dumpcap 4.0 exits 0 even when it refuses the filter: judge by what it printed.
  const instructions = r.stdout.split('\n').filter((l) => /^\(\d+\)/.test(l)).length;
  if (!r.ok || /Invalid capture filter/.test(r.stderr) || instructions === 0) {
    const msg = r.stderr.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('Capturing on') && !l.startsWith('See the User')).join(' ');
    return { ok: false, reason: msg || (r.ok ? 'dumpcap printed no BPF program' : r.reason) };
  }
  return { ok: true, instructions };
}
