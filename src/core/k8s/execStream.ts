// A command run in a pod's container over the exec WebSocket (tty=false, so binary stdout
// arrives intact), exposed as a byte stream plus a promise that settles on the exit status
// that comes on channel 3. An exec whose socket closes before a status arrives is a lost
// connection, not a success.
import { Exec, type KubeConfig, type V1Status } from '@kubernetes/client-node';
import { PassThrough, Writable } from 'node:stream';
import { describeKubeError } from './kubeAccess.js';
import { toolMessages } from '../util/toolMessages.js';

export interface ExecResult {
  ok: boolean;
  /** Exit code when the command exited non-zero (from details.causes[reason=ExitCode]). */
  exitCode?: number;
  detail: string;
}

export interface ExecStream {
  stdout: PassThrough;
  /** Settles when the command has exited (status received) or the connection is gone. */
  done: Promise<ExecResult>;
  /** Closes the WebSocket; the remote command then dies of SIGPIPE or its own caps. */
  close(): void;
  /** With `stdinStop`: ends the command's stdin (the command is expected to stop on EOF, see
   *  podRunner's wrapper), then closes the socket if no status came within `graceMs`. */
  stop(graceMs?: number): void;
}

export interface ExecOptions {
  /** Keep the command's stdin open and end it to ask the command to stop. On a real cluster a
   *  closed exec stream does not stop the process (containerd keeps its pipes open), so this is
   *  the only way to stop a tool that has no duration of its own. */
  stdinStop?: boolean;
}

const STDERR_TAIL = 4096;

export function exitCodeOf(status: V1Status): number | undefined {
  const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
  const n = cause?.message !== undefined ? Number(cause.message) : NaN;
  return Number.isInteger(n) ? n : undefined;
}

export async function execStream(
  kc: KubeConfig,
  target: { namespace: string; pod: string; container: string },
  argv: string[],
  opts: ExecOptions = {},
): Promise<ExecStream> {
  const stdin = opts.stdinStop ? new PassThrough() : null;
  const stdout = new PassThrough({ highWaterMark: 1 << 20 });
  let stderr = '';
  const stderrSink = new Writable({
    write(chunk: Buffer, _enc, cb) { stderr = (stderr + chunk.toString('utf8')).slice(-STDERR_TAIL); cb(); },
  });
  let status: V1Status | undefined;
  let settle!: (r: ExecResult) => void;
  const done = new Promise<ExecResult>((resolve) => { settle = resolve; });
  const ctx = kc.getCurrentContext();
  let ws;
  try {
    ws = await new Exec(kc).exec(target.namespace, target.pod, target.container, argv, stdout, stderrSink, stdin, false, (s) => {
      status = s;
    });
  } catch (e) {
    // The upgrade was refused; client-node loses the Status body, only the HTTP code remains.
    const m = /Unexpected server response: (\d+)/.exec(String((e as { message?: string })?.message ?? e));
    const err = m ? Object.assign(new Error(String(e)), { statusCode: Number(m[1]) }) : e;
    throw describeKubeError(err, 'create', 'pods/exec', target.namespace, ctx);
  }
  ws.on('close', (code: number, reason: Buffer) => {
    const said = toolMessages(stderr);
    if (!status) {
      const why = `the exec connection closed (WebSocket ${code}${reason.length ? ` ${reason.toString('utf8')}` : ''}) before ${argv[0]} exited`;
      stdout.destroy(new Error(why));
      settle({ ok: false, detail: said ? `${why}; it said: ${said}` : why });
      return;
    }
    stdout.end();
    if (status.status === 'Success') settle({ ok: true, detail: said });
    else {
      const exitCode = exitCodeOf(status);
      settle({ ok: false, ...(exitCode !== undefined ? { exitCode } : {}), detail: `${argv[0]} in ${target.namespace}/${target.pod} (container ${target.container}) failed: ${said || status.message || status.reason || 'unknown error'}` });
    }
  });
  ws.on('error', (e: Error) => {
    if (!status) stdout.destroy(e);
  });
  let stopTimer: NodeJS.Timeout | undefined;
  void done.then(() => clearTimeout(stopTimer));
  return {
    stdout, done, close: () => ws.close(),
    stop: (graceMs = 10_000) => {
      if (!stdin) { ws.close(); return; }
      stdin.end();
      stopTimer ??= setTimeout(() => ws.close(), graceMs);
    },
  };
}
