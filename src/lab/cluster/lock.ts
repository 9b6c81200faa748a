// A cache-wide lock (a directory made atomically with mkdir) so that two lab starts never build
// the same thing at once; a lock whose holder is dead is taken over.
import { readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CACHE_ROOT } from './versions.js';

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
}

export async function withLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const dir = join(CACHE_ROOT, 'locks', name);
  await mkdir(join(CACHE_ROOT, 'locks'), { recursive: true });
  for (;;) {
    try {
      await mkdir(dir);
      await writeFile(join(dir, 'pid'), String(process.pid));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let holder = 0;
      try { holder = Number(readFileSync(join(dir, 'pid'), 'utf8')); } catch { /* being written */ }
      if (holder > 0 && !alive(holder)) { await rm(dir, { recursive: true, force: true }); continue; }
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
