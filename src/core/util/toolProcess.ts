// Every program falcoshark runs (capture tools, dumpcap's filter check, Wireshark) runs through
// execa: an argv array (never a shell), the child killed when we exit, a stop that escalates to
// SIGKILL, and what went wrong said once, here. execa is ESM-only: it is imported on first use
// (esbuild bundles it into the CJS outputs; tsx and tsc load it through import()).
import type { Options, Result, ResultPromise } from 'execa' with { 'resolution-mode': 'import' };
import { toolMessages } from './toolMessages.js';

type Execa = typeof import('execa', { with: { 'resolution-mode': 'import' } });
let loaded: Promise<Execa> | undefined;
const execaModule = (): Promise<Execa> => (loaded ??= import('execa'));

/** Why a program did not start, in words a person can act on. */
export function notStartedReason(program: string, e: { code?: unknown; message?: unknown }): string {
  if (e.code === 'ENOENT') return `${program} is not installed on this machine (it is not on PATH)`;
  if (e.code === 'EACCES') return `${program} may not be run by this user (permission denied)`;
  const why = typeof e.message === 'string' ? e.message.split('\n')[0] : String(e.code ?? 'unknown error');
  return `${program} could not start: ${why}`;
}

/** A result that never started (spawn failed) has no exit code and no signal. */
function failedToStart(r: Result): boolean {
  return r.failed && r.exitCode === undefined && r.signal === undefined && typeof r.code === 'string' && !r.timedOut && !r.isCanceled;
}

export type ToolRun =
  | { ok: true; stdout: string; stderr: string }
  | { ok: false; started: boolean; reason: string; stdout: string; stderr: string };

/** Runs a program to its end and keeps its output (small: a check, a version). Never throws. */
export async function runTool(program: string, args: readonly string[], o: { timeoutMs: number; maxBufferBytes?: number }): Promise<ToolRun> {
  const { execa } = await execaModule();
  const r = await execa(program, args, { timeout: o.timeoutMs, maxBuffer: o.maxBufferBytes ?? 1024 * 1024, reject: false, stdin: 'ignore' });
  const stdout = String(r.stdout ?? '');
  const stderr = String(r.stderr ?? '');
  if (!r.failed) return { ok: true, stdout, stderr };
  if (failedToStart(r)) return { ok: false, started: false, reason: notStartedReason(program, r), stdout, stderr };
  const how = r.timedOut ? `did not finish within ${Math.round(o.timeoutMs / 1000)} s` : r.exitCode !== undefined ? `exited with code ${r.exitCode}` : `was stopped by ${r.signal ?? 'a signal'}`;
  const said = toolMessages(stderr);
  return { ok: false, started: true, reason: `${program} ${how}${said ? `: ${said}` : ''}`, stdout, stderr };
}

export interface StreamingTool {
  /** The program's standard output, chunk by chunk, until it exits. */
  stdout: AsyncIterable<Uint8Array>;
  /** Asks it to stop (`stopSignal`, then SIGKILL after `killAfterMs`); safe to call again. */
  stop(): void;
  /** Its end: a clean exit or one we asked for is ok; otherwise why, with its last words. */
  done: Promise<{ ok: boolean; detail: string; exitCode?: number; signal?: string; stderr: string }>;
}

const STDERR_TAIL = 4096;

/** Starts a long-running program whose output is streamed (a capture tool). */
export function startStreamingTool(argv: readonly string[], o: { stopSignal: 'SIGINT' | 'SIGTERM'; killAfterMs: number }): StreamingTool {
  const [program, ...args] = argv;
  const options = { stdin: 'ignore', stdout: 'pipe', stderr: 'pipe', buffer: false, encoding: 'buffer', reject: false,
    killSignal: o.stopSignal, forceKillAfterDelay: o.killAfterMs } as const satisfies Options;
  // Boxed: a ResultPromise is a thenable, and would be awaited to the program's end by then().
  const started: Promise<{ sub: ResultPromise<typeof options> }> = execaModule().then(({ execa }) => ({ sub: execa(program, args, options) }));
  let stopped = false;
  let stderr = '';
  void started.then(({ sub }) => {
    sub.stderr.setEncoding('utf8');
    sub.stderr.on('data', (d: string) => { stderr = (stderr + d).slice(-STDERR_TAIL); });
  });
  const done = started.then(async ({ sub }) => {
    const r = await sub;
    const base = { stderr, ...(r.exitCode !== undefined ? { exitCode: r.exitCode } : {}), ...(r.signal ? { signal: r.signal } : {}) };
    if (failedToStart(r)) return { ok: false, detail: notStartedReason(program, r), ...base };
    const said = toolMessages(stderr);
    // A stop we asked for, or one from outside that lets the tool flush (SIGINT, SIGTERM), is a normal end.
    if (!r.failed || stopped || r.signal === 'SIGINT' || r.signal === 'SIGTERM') return { ok: true, detail: said, ...base };
    return { ok: false, detail: `${program} exited with ${r.exitCode !== undefined ? `code ${r.exitCode}` : `signal ${r.signal ?? '?'}`}${said ? `: ${said}` : ''}`, ...base };
  });
  return {
    stdout: (async function* () {
      const { sub } = await started;
      for await (const chunk of sub.stdout) yield chunk as Uint8Array;
    })(),
    stop: () => {
      if (stopped) return;
      stopped = true;
      void started.then(({ sub }) => { if (sub.exitCode === null) sub.kill(); }); // killSignal, then SIGKILL
    },
    done,
  };
}

/** Starts a program that outlives us (Wireshark): detached, no output kept; resolves once it
 *  runs, rejects with the reason it could not start. */
export async function startDetachedTool(program: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<{ pid: number | undefined }> {
  const { execa } = await execaModule();
  const sub = execa(program, args, { detached: true, stdio: 'ignore', cleanup: false, env, extendEnv: false, reject: false });
  return new Promise((resolve, reject) => {
    sub.once('spawn', () => { sub.unref(); resolve({ pid: sub.pid }); });
    void sub.then((r) => { if (failedToStart(r)) reject(new Error(notStartedReason(program, r))); });
  });
}
