// Running the lab's programs through execa (argv arrays only, never a shell): errors carry the
// command, its exit status and the tail of what it printed. The lab's daemons (the node process,
// the forwarder, the components the node runs) are started with plain spawn instead: they are
// detached from us or write straight to log files, and must outlive the command that started
// them, which is what execa's clean-up on exit is there to prevent.
import type { Options } from 'execa' with { 'resolution-mode': 'import' };

type Execa = typeof import('execa', { with: { 'resolution-mode': 'import' } });
let loaded: Promise<Execa> | undefined;
const execaModule = (): Promise<Execa> => (loaded ??= import('execa'));

export class LabCommandError extends Error {
  constructor(readonly argv: string[], readonly exitCode: number | null, readonly stderrTail: string) {
    super(`${argv.join(' ')} failed (exit ${exitCode ?? 'signal'}): ${stderrTail.trim().split('\n').slice(-8).join('\n') || 'no output'}`);
    this.name = 'LabCommandError';
  }
}

export interface RunOptions { env?: NodeJS.ProcessEnv; cwd?: string; input?: string | Buffer; timeoutMs?: number; maxBuffer?: number }

function failure(argv: string[], r: { exitCode?: number; code?: string; timedOut?: boolean; stderr?: unknown; message?: string }, tail?: string): LabCommandError {
  const stderr = tail ?? String(r.stderr ?? '');
  const why = r.code === 'ENOENT' ? `${argv[0]}: not found` : r.timedOut ? 'timed out' : '';
  return new LabCommandError(argv, r.exitCode ?? null, `${stderr}\n${why}`);
}

/** Runs argv to completion; resolves stdout, rejects with LabCommandError. */
export async function run(argv: string[], o: RunOptions = {}): Promise<string> {
  const { execa } = await execaModule();
  const opts = {
    env: o.env ?? process.env, extendEnv: false, cwd: o.cwd, timeout: o.timeoutMs ?? 0, maxBuffer: o.maxBuffer ?? 64 * 1024 * 1024,
    reject: false, stripFinalNewline: false, ...(o.input !== undefined ? { input: o.input } : { stdin: 'ignore' as const }),
  } satisfies Options;
  const r = await execa(argv[0], argv.slice(1), opts);
  if (r.failed) throw failure(argv, { ...r, stderr: r.stderr });
  return String(r.stdout);
}

/** Runs argv with its output going to a log callback line by line (long builds). */
export async function runLogged(argv: string[], log: (line: string) => void, o: RunOptions = {}): Promise<void> {
  const { execa } = await execaModule();
  const sub = execa(argv[0], argv.slice(1), { env: o.env ?? process.env, extendEnv: false, cwd: o.cwd, stdin: 'ignore', buffer: false, reject: false, all: true });
  let tail = '';
  sub.all?.setEncoding('utf8');
  sub.all?.on('data', (s: string) => {
    tail = (tail + s).slice(-8192);
    for (const l of s.split('\n')) if (l.trim()) log(l);
  });
  const r = await sub;
  if (r.failed) throw failure(argv, r, tail);
}

export function elapsed(startMs: number): string {
  const s = Math.round((Date.now() - startMs) / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}
