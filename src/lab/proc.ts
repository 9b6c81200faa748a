// Running a command inside a pod's network namespace (`ip netns exec NS argv…`, host binaries).
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';

export const CONTAINER_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Resolves argv[0] like execvp would; undefined when it cannot be executed. */
export function resolveCommand(cmd: string): string | undefined {
  const ok = (p: string): boolean => { try { accessSync(p, constants.X_OK); return true; } catch { return false; } };
  if (cmd.includes('/')) return ok(cmd) ? cmd : undefined;
  for (const dir of CONTAINER_PATH.split(':')) {
    const p = join(dir, cmd);
    if (ok(p)) return p;
  }
  return undefined;
}

export interface SpawnInNetnsOptions {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  /** Extra pipe on fd 3 (the lab's "syscall tap" from its own agents). */
  tap?: boolean;
  env?: Record<string, string>;
}

export function spawnInNetns(netns: string, argv: string[], o: SpawnInNetnsOptions): ChildProcess {
  const stdio: ('pipe' | 'ignore')[] = [o.stdin ? 'pipe' : 'ignore', o.stdout ? 'pipe' : 'ignore', o.stderr ? 'pipe' : 'ignore'];
  if (o.tap) stdio.push('pipe');
  return spawn('ip', ['netns', 'exec', netns, ...argv], {
    stdio,
    env: { PATH: CONTAINER_PATH, HOME: '/root', LANG: 'C.UTF-8', ...o.env },
    detached: false,
  });
}

/** The runtime's error text for a missing executable (containerd/runc wording). */
export function notFoundMessage(cmd: string): string {
  return `failed to exec in container: failed to start exec: OCI runtime exec failed: exec failed: unable to start container process: exec: "${cmd}": executable file not found in $PATH: unknown`;
}
