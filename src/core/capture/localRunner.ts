// Local captures: on this host or inside a named network namespace (standalone Linux, edge
// devices, and the lab's pods), with the same plan, caps and output as cluster captures.
import { spawn } from 'node:child_process';
import type { CaptureSource } from './captureSession.js';
import type { CaptureTool, CaptureCaps } from './capturePlan.js';
import { captureToolArgv } from './toolArgv.js';
import { toolMessages } from '../util/toolMessages.js';

const NETNS = /^[A-Za-z0-9_.-]{1,64}$/;

export interface LocalCaptureSpec {
  tool: CaptureTool;
  iface: string;
  bpf: string;
  caps: CaptureCaps;
  netns?: string;
}

/** argv of the whole local capture command (with `ip netns exec NS` in front when asked). */
export function localCaptureArgv(spec: LocalCaptureSpec): string[] {
  const tool = captureToolArgv(spec.tool, spec.iface, spec.bpf, spec.caps);
  if (spec.netns === undefined) return tool;
  if (!NETNS.test(spec.netns)) throw new Error(`${JSON.stringify(spec.netns.slice(0, 70))} is not a network namespace name`);
  return ['ip', 'netns', 'exec', spec.netns, ...tool];
}

const STDERR_TAIL = 4096;

/** Starts the tool and exposes it as a CaptureSource. */
export function startLocalCapture(spec: LocalCaptureSpec): CaptureSource {
  const argv = localCaptureArgv(spec);
  const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => { stderr = (stderr + d).slice(-STDERR_TAIL); });
  let killTimer: NodeJS.Timeout | undefined;
  const done = new Promise<{ ok: boolean; detail: string }>((resolve) => {
    child.on('error', (e: NodeJS.ErrnoException) => {
      resolve({ ok: false, detail: e.code === 'ENOENT' ? `${argv[0]} is not installed on this machine` : `${argv[0]} could not start: ${e.message}` });
    });
    child.on('close', (code, sig) => {
      if (killTimer) clearTimeout(killTimer);
      const said = toolMessages(stderr);
      if (code === 0 || sig === 'SIGINT' || sig === 'SIGTERM' || stopped) resolve({ ok: true, detail: said });
      else resolve({ ok: false, detail: explain(argv, code, sig, said) });
    });
  });
  let stopped = false;
  const stop = (): void => {
    if (stopped || child.exitCode !== null) return;
    stopped = true;
    child.kill('SIGINT'); // lets the tool flush its last packets
    killTimer = setTimeout(() => child.kill('SIGKILL'), 3000);
    killTimer.unref();
  };
  return { stream: child.stdout, stop, done };
}

function explain(argv: string[], code: number | null, sig: NodeJS.Signals | null, said: string): string {
  const tool = argv[0] === 'ip' ? argv[4] : argv[0];
  if (/permission|Operation not permitted|don't have permission/i.test(said)) {
    return `${tool} may not open the interface (needs CAP_NET_RAW/CAP_NET_ADMIN, i.e. root or dumpcap's capabilities): ${said}`;
  }
  if (/Cannot open network namespace/i.test(said)) return `no such network namespace: ${said}`;
  return `${tool} exited with ${code !== null ? `code ${code}` : `signal ${sig}`}${said ? `: ${said}` : ''}`;
}
