// Starts Wireshark on a capture, detached, with an argv array (never a shell string).
import { startDetachedTool } from '../util/toolProcess.js';

export function wiresharkArgv(file: string, displayFilter: string | undefined): string[] {
  // `-r` opens the file; `-Y` applies the display filter. A leading "-" in a file name would
  // read as an option: make it a path.
  const f = file.startsWith('-') ? `./${file}` : file;
  return displayFilter ? ['-r', f, '-Y', displayFilter] : ['-r', f];
}

export interface LaunchResult { pid: number | undefined; argv: string[] }

/** Starts Wireshark detached; resolves once it has started (rejects with the reason it cannot start). */
export async function launchWireshark(program: string, file: string, displayFilter: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<LaunchResult> {
  const argv = wiresharkArgv(file, displayFilter);
  const { pid } = await startDetachedTool(program, argv, env);
  return { pid, argv };
}
