// Display helpers: every string that came from an alert or a packet goes through `clip`
// before it reaches the DOM (always as text, never as HTML).

/** Longest text put in a table cell or label; the full value (up to TITLE_MAX) is in the title. */
export const CELL_MAX = 240;
export const TITLE_MAX = 2000;

/** Cuts a string to `max` characters (code points kept whole), marking the cut. */
export function clip(s: string, max = CELL_MAX): string {
  if (s.length <= max) return s;
  let cut = s.slice(0, max);
  const last = cut.charCodeAt(cut.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut = cut.slice(0, -1);
  return `${cut}… (+${s.length - cut.length} chars)`;
}

/** Cuts a label to `max` characters with a plain ellipsis (charts: the full text is in the title). */
export function shorten(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

/** A string from untrusted data, or `fallback` when it is not one. Huge strings are cut. */
export function str(v: unknown, fallback = '', max = 64 * 1024): string {
  if (typeof v !== 'string') return fallback;
  return v.length > max ? v.slice(0, max) : v;
}

/** A finite non-negative number from untrusted data, else 0. */
export function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : 0;
}

// One byte-size format for the CLI, the extension and this webview.
export { formatBytes } from '../src/shared/byteSize.js';

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '–';
  if (seconds < 1e-3) return `${(seconds * 1e6).toFixed(0)} µs`;
  if (seconds < 1) return `${(seconds * 1e3).toFixed(1)} ms`;
  if (seconds < 120) return `${seconds.toFixed(seconds < 10 ? 2 : 1)} s`;
  const m = Math.floor(seconds / 60);
  return m < 120 ? `${m} min ${Math.round(seconds - m * 60)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

const ISO = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z$/;

/** Epoch seconds of an ISO 8601 UTC time with up to 9 fractional digits (NaN if not one). */
export function parseIsoSeconds(s: unknown): number {
  if (typeof s !== 'string') return NaN;
  const m = ISO.exec(s);
  if (!m) {
    // Other ISO 8601 forms only (an offset instead of Z, no seconds): Date.parse alone also
    // accepts free text such as "javascript:x=3" as some date.
    if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/.test(s)) return NaN;
    const t = Date.parse(s);
    return Number.isFinite(t) ? t / 1000 : NaN;
  }
  const whole = Date.parse(`${m[1]}Z`);
  if (!Number.isFinite(whole)) return NaN;
  return whole / 1000 + (m[2] ? Number(`0.${m[2]}`) : 0);
}

/** "2026-11-28 13:42:53.877 UTC" (milliseconds; the ISO text with all digits goes in titles). */
export function formatTime(s: unknown): string {
  const t = parseIsoSeconds(s);
  if (!Number.isFinite(t)) return typeof s === 'string' ? clip(s, 40) : '–';
  return `${new Date(t * 1000).toISOString().replace('T', ' ').replace('Z', '')} UTC`;
}
