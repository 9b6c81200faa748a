// Reads `output_fields` values with Falco's "unknown" conventions and records problems.
import type { AlertProblem } from './types.js';
import { isUnknown, rawForReport, type Checked } from './validate.js';

export class FieldReader {
  readonly problems: AlertProblem[] = [];

  constructor(private readonly fields: Record<string, unknown>) {}

  /** The raw value, or undefined when the key is absent. */
  rawField(key: string): unknown {
    return Object.prototype.hasOwnProperty.call(this.fields, key) ? this.fields[key] : undefined;
  }

  /** The validated value of the first present, known key; null when unknown or invalid. */
  field<T>(key: string | string[], check: (v: unknown) => Checked<T>): T | null {
    for (const k of Array.isArray(key) ? key : [key]) {
      const v = this.rawField(k);
      if (isUnknown(v)) continue;
      const c = check(v);
      if (c.ok) return c.value;
      this.problem(k, v, c.reason);
      return null;
    }
    return null;
  }

  problem(field: string, raw: unknown, reason: string): void {
    if (this.problems.length < 50) this.problems.push({ field, raw: rawForReport(raw), reason });
  }
}

/** A free-text field (attacker-controlled; kept as is, bounded in length). */
export function text(max: number) {
  return (v: unknown): Checked<string> => {
    if (typeof v !== 'string') return typeof v === 'number' || typeof v === 'boolean' ? { ok: true, value: String(v) } : { ok: false, reason: 'expected a string' };
    if (v.length > max) return { ok: false, reason: `longer than ${max} characters` };
    return { ok: true, value: v };
  };
}

export function integer(v: unknown): Checked<number> {
  const n = typeof v === 'string' && /^-?[0-9]{1,15}$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) return { ok: false, reason: 'not a safe integer' };
  return { ok: true, value: n };
}
