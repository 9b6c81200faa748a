// Wall-clock time with nanosecond digits (ms from Date plus a monotonic sub-ms part), and
// the two text forms in use: Go's RFC3339Nano (trailing zeros trimmed) and Falco's fixed 9 digits.

const baseWallNs = BigInt(Date.now()) * 1_000_000n;
const baseMono = process.hrtime.bigint();

export function nowNs(): bigint {
  return baseWallNs + (process.hrtime.bigint() - baseMono);
}

function parts(ns: bigint): { iso: string; frac: string } {
  const ms = Number(ns / 1_000_000n);
  const iso = new Date(ms).toISOString().slice(0, 19);
  const frac = (ns % 1_000_000_000n).toString().padStart(9, '0');
  return { iso, frac };
}

/** Go time.RFC3339Nano: fractional seconds with trailing zeros removed. */
export function rfc3339Nano(ns: bigint): string {
  const { iso, frac } = parts(ns);
  const f = frac.replace(/0+$/, '');
  return `${iso}${f ? `.${f}` : ''}Z`;
}

/** Falco's `time`: always nine fractional digits. */
export function falcoTime(ns: bigint): string {
  const { iso, frac } = parts(ns);
  return `${iso}.${frac}Z`;
}

/** Kubernetes metav1.Time (seconds precision). */
export function kubeTime(ms = Date.now()): string {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
}

export function parseRfc3339ToNs(s: string): bigint | undefined {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(s);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(ms)) return undefined;
  return BigInt(ms) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0') || '0');
}
