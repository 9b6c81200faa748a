// The one byte-size format of falcoshark (CLI, extension, webview): binary multiples with their
// IEC names, so a 100 MiB cap reads "100 MiB" everywhere. No runtime dependencies (the webview
// imports this file).

const UNITS = ['KiB', 'MiB', 'GiB', 'TiB'] as const;

/** "512 B", "2.0 KiB", "9.9 MiB", "100 MiB", "1.5 GiB"; "–" for what is not a size. */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return '–';
  if (n < 1024) return `${Math.round(n)} B`;
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < UNITS.length - 1) { v /= 1024; i++; }
  // 9.96 KiB would print "10.0 KiB": from 9.95 up, whole numbers.
  return `${v < 9.95 ? v.toFixed(1) : Math.round(v)} ${UNITS[i]}`;
}
