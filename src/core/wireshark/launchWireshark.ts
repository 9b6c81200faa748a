// Starts Wireshark on a capture, detached, with an argv array (never a shell string).
import { spawn, type ChildProcess } from 'node:child_process';

export function wiresharkArgv(file: string, displayFilter: string | undefined): string[] {
  // `-r` opens the file; `-Y` applies the display filter. A leading "-" in a file name would
  // read as an option: make it a path.
  const f = file.startsWith('-') ? `./${file}` : file;
  return displayFilter ? ['-r', f, '-Y', displayFilter] : ['-r', f];
}

export interface LaunchResult { pid: number | undefined; argv: string[] }

/** Spawns Wireshark detached; resolves once it has started (rejects when it cannot start). */
export function launchWireshark(program: string, file: string, displayFilter: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<LaunchResult> {
  const argv = wiresharkArgv(file, displayFilter);
  return new Promise((resolve, reject) => {
    let child: ChildProcess;
    try {
      child = spawn(program, argv, { detached: true, stdio: 'ignore', env, shell: false });
    } catch (e) {
      reject(e instanceof Error ? e : new Error(String(e)));
      return;
    }
    child.once('error', (e) => reject(new Error(`cannot start ${program}: ${e.message}`)));
    child.once('spawn', () => { child.unref(); resolve({ pid: child.pid, argv }); });
  });
}
