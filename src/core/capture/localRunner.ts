// Local captures: on this host or inside a named network namespace (standalone Linux, edge
// devices, and the lab's pods), with the same plan, caps and output as cluster captures.
import type { CaptureSource } from './captureSession.js';
import type { CaptureTool, CaptureCaps } from './capturePlan.js';
import { captureToolArgv } from './toolArgv.js';
import { toolMessages } from '../util/toolMessages.js';
import { startStreamingTool } from '../util/toolProcess.js';

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

/** Starts the tool and exposes it as a CaptureSource (stop: SIGINT, which lets it flush its last
 *  packets, then SIGKILL after 3 s). */
export function startLocalCapture(spec: LocalCaptureSpec): CaptureSource {
  const argv = localCaptureArgv(spec);
  const tool = startStreamingTool(argv, { stopSignal: 'SIGINT', killAfterMs: 3000 });
  return {
    stream: tool.stdout,
    stop: () => tool.stop(),
    done: tool.done.then((r) => (r.ok || r.exitCode === undefined && !r.signal ? r : { ok: false, detail: explain(argv, r.exitCode, r.signal, toolMessages(r.stderr)) })),
  };
}

function explain(argv: string[], code: number | undefined, sig: string | undefined, said: string): string {
  const tool = argv[0] === 'ip' ? argv[4] : argv[0];
  if (/permission|Operation not permitted|don't have permission/i.test(said)) {
    return `${tool} may not open the interface (needs CAP_NET_RAW/CAP_NET_ADMIN, i.e. root or dumpcap's capabilities): ${said}`;
  }
  if (/Cannot open network namespace/i.test(said)) return `no such network namespace: ${said}`;
  return `${tool} exited with ${code !== undefined ? `code ${code}` : `signal ${sig ?? '?'}`}${said ? `: ${said}` : ''}`;
}
