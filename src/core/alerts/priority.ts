// Falco priorities, ordered from least to most severe (syslog order reversed).
export const PRIORITIES = ['debug', 'informational', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'] as const;
export type Priority = (typeof PRIORITIES)[number];

const ALIASES: Record<string, Priority> = {
  debug: 'debug',
  info: 'informational',
  informational: 'informational',
  notice: 'notice',
  warn: 'warning',
  warning: 'warning',
  err: 'error',
  error: 'error',
  crit: 'critical',
  critical: 'critical',
  alert: 'alert',
  emerg: 'emergency',
  emergency: 'emergency',
};

/** `"NOTICE"`, `"Notice"`, `"notice"`, `"Info"` … to a Priority, or null if it is none. */
export function parsePriority(value: unknown): Priority | null {
  if (typeof value !== 'string' || value.length > 20) return null;
  return Object.prototype.hasOwnProperty.call(ALIASES, value.trim().toLowerCase()) ? ALIASES[value.trim().toLowerCase()] : null;
}

/** 0 (debug) … 7 (emergency). */
export function priorityRank(p: Priority): number {
  return PRIORITIES.indexOf(p);
}

/** True when `p` is at least as severe as `min`. */
export function atLeast(p: Priority | null, min: Priority): boolean {
  return p !== null && priorityRank(p) >= priorityRank(min);
}

/** Falco's spelling, for display: `Notice`, `Informational`, … */
export function priorityLabel(p: Priority): string {
  return p.charAt(0).toUpperCase() + p.slice(1);
}
