// Finds the Wireshark program: the configured path, then PATH, then the platform's usual place.
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export interface FindOptions {
  /** The user's setting (empty: not set). */
  configured?: string;
  platform?: NodeJS.Platform;
  env?: NodeJS.ProcessEnv;
  /** Injectable for tests. */
  isExecutable?: (path: string) => boolean;
}

export type WiresharkLocation =
  | { found: true; path: string; from: 'setting' | 'PATH' | 'usual place' }
  | { found: false; reason: string; looked: string[] };

function defaultIsExecutable(p: string): boolean {
  try {
    if (!statSync(p).isFile()) return false;
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function usualPlaces(platform: NodeJS.Platform, env: NodeJS.ProcessEnv): string[] {
  switch (platform) {
    case 'darwin':
      return ['/Applications/Wireshark.app/Contents/MacOS/Wireshark', join(env['HOME'] ?? '/', 'Applications/Wireshark.app/Contents/MacOS/Wireshark')];
    case 'win32': {
      const pf = [env['ProgramFiles'], env['ProgramW6432'], env['ProgramFiles(x86)'], 'C:\\Program Files'].filter((x): x is string => !!x);
      return [...new Set(pf)].map((d) => `${d}\\Wireshark\\Wireshark.exe`);
    }
    default:
      return ['/usr/bin/wireshark', '/usr/local/bin/wireshark', '/snap/bin/wireshark', '/var/lib/flatpak/exports/bin/org.wireshark.Wireshark'];
  }
}

export function findWireshark(o: FindOptions = {}): WiresharkLocation {
  const platform = o.platform ?? process.platform;
  const env = o.env ?? process.env;
  const ok = o.isExecutable ?? defaultIsExecutable;
  const looked: string[] = [];
  const configured = o.configured?.trim();
  if (configured) {
    looked.push(configured);
    if (ok(configured)) return { found: true, path: configured, from: 'setting' };
    return { found: false, reason: `the falcoshark.wiresharkPath setting names ${configured}, which is not an executable file`, looked };
  }
  const names = platform === 'win32' ? ['Wireshark.exe', 'wireshark.exe'] : ['wireshark'];
  const sep = platform === 'win32' ? ';' : platform === process.platform ? delimiter : ':';
  for (const dir of (env['PATH'] ?? env['Path'] ?? '').split(sep).filter(Boolean)) {
    for (const n of names) {
      const p = platform === 'win32' ? `${dir.replace(/\\$/, '')}\\${n}` : `${dir.replace(/\/$/, '')}/${n}`;
      looked.push(p);
      if (ok(p)) return { found: true, path: p, from: 'PATH' };
    }
  }
  for (const p of usualPlaces(platform, env)) {
    looked.push(p);
    if (ok(p)) return { found: true, path: p, from: 'usual place' };
  }
  return { found: false, reason: 'Wireshark is not installed (not on PATH nor in the usual place)', looked };
}
