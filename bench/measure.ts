// One timed run of a command under GNU time (wall seconds, max RSS), with the load average
// before and after it: the bench's only way of timing tools. The command's stdout goes to a
// file (as `analyze --json > summary.json` would: no reading process shares the two cores
// with it), of which the first MB is kept.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';

const OUT = 'bench/data/.stdout';

function head(path: string, n: number): string {
  const fd = openSync(path, 'r');
  try {
    const b = Buffer.alloc(n);
    return b.toString('utf8', 0, readSync(fd, b, 0, n, 0));
  } finally {
    closeSync(fd);
  }
}

export interface Measure {
  tool: string;
  file: string;
  seconds: number;
  peakRssMiB: number;
  stdout: string;
  /** 1-minute load average just before and just after the run. */
  loadBefore: number;
  loadAfter: number;
}

export function measure(tool: string, file: string, argv: string[], env: Record<string, string> = {}): Promise<Measure> {
  return new Promise((resolve, reject) => {
    const loadBefore = loadavg()[0];
    const fd = openSync(OUT, 'w');
    const child = spawn('/usr/bin/time', ['-f', '__TIME__ %e %M', ...argv], { stdio: ['ignore', fd, 'pipe'], env: { ...process.env, ...env } });
    closeSync(fd);
    let err = '';
    child.stderr?.on('data', (d: Buffer) => { err += d.toString('utf8'); });
    child.on('error', reject);
    child.on('close', (code) => {
      const out = head(OUT, 1_000_000);
      rmSync(OUT, { force: true });
      const m = /__TIME__ ([\d.]+) (\d+)/.exec(err);
      // analyze exits 0 (or 3 for a capture cut short, which the bench's are not)
      if (code !== 0 || !m) {
        reject(new Error(`${tool} failed (exit ${code}): ${err.slice(-2000)}`));
        return;
      }
      resolve({ tool, file, seconds: Number(m[1]), peakRssMiB: Number(m[2]) / 1024, stdout: out, loadBefore, loadAfter: loadavg()[0] });
    });
  });
}

/** The fastest of `runs` runs (its load figures), with the highest peak RSS of them all. */
export async function best(tool: string, file: string, argv: string[], runs: number, env: Record<string, string> = {}): Promise<Measure> {
  let b: Measure | undefined;
  let rss = 0;
  for (let i = 0; i < runs; i++) {
    const m = await measure(tool, file, argv, env);
    rss = Math.max(rss, m.peakRssMiB);
    if (!b || m.seconds < b.seconds) b = m;
  }
  return { ...(b as Measure), peakRssMiB: rss };
}
