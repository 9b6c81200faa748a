// The capture audit log: one JSON object per line, appended, never rewritten.
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { userInfo } from 'node:os';

export interface AuditEntry {
  event: string;
  id?: string;
  [key: string]: unknown;
}

function currentUser(): string {
  try { return userInfo().username; } catch { return `uid ${process.getuid?.() ?? '?'}`; }
}

/** Appends one entry (with time and user) to `file`; does nothing when `file` is undefined. */
export async function appendAudit(file: string | undefined, entry: AuditEntry): Promise<void> {
  if (!file) return;
  await mkdir(dirname(file), { recursive: true });
  const line = JSON.stringify({ time: new Date().toISOString(), ...entry, user: entry.user ?? currentUser() });
  await appendFile(file, `${line}\n`, { mode: 0o600 });
}
