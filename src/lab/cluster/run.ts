// Running the lab's programs: argv arrays only (never a shell), errors that carry the
// command, its exit status and the tail of what it printed.
import { execFile, spawn } from 'node:child_process';

export class LabCommandError extends Error {
  constructor(readonly argv: string[], readonly exitCode: number | null, readonly stderrTail: string) {
    super(`${argv.join(' ')} failed (exit ${exitCode ?? 'signal'}): ${stderrTail.trim().split('\n').slice(-8).join('\n') || 'no output'}`);
    this.name = 'LabCommandError';
  }
}

export interface RunOptions { env?: NodeJS.ProcessEnv; cwd?: string; input?: string | Buffer; timeoutMs?: number; maxBuffer?: number }

/** Runs argv to completion; resolves stdout, rejects with LabCommandError. */
export function run(argv: string[], o: RunOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(argv[0], argv.slice(1), {
      env: o.env ?? process.env, cwd: o.cwd, timeout: o.timeoutMs ?? 0, maxBuffer: o.maxBuffer ?? 64 * 1024 * 1024, encoding: 'utf8',
    }, (err, stdout, stderr) => {
      if (err) {
        const code = typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : null;
        reject(new LabCommandError(argv, code, `${stderr}\n${(err as Error).message.includes('ENOENT') ? `${argv[0]}: not found` : ''}`));
      } else resolve(stdout);
    });
    if (o.input !== undefined) child.stdin?.end(o.input);
  });
}

/** Runs argv with its output going to a log callback line by line (long builds). */
export function runLogged(argv: string[], log: (line: string) => void, o: RunOptions = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { env: o.env ?? process.env, cwd: o.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let tail = '';
    const onData = (b: Buffer): void => {
      const s = b.toString('utf8');
      tail = (tail + s).slice(-8192);
      for (const l of s.split('\n')) if (l.trim()) log(l);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', (e) => reject(new LabCommandError(argv, null, e.message)));
    child.on('close', (code) => (code === 0 ? resolve() : reject(new LabCommandError(argv, code, tail))));
  });
}

export function elapsed(startMs: number): string {
  const s = Math.round((Date.now() - startMs) / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}
