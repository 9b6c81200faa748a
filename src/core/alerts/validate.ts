// Validators for the values a capture will use. Each returns the canonical value or a reason.
import { isIP } from 'node:net';

export type Checked<T> = { ok: true; value: T } | { ok: false; reason: string };

const ok = <T>(value: T): Checked<T> => ({ ok: true, value });
const bad = <T>(reason: string): Checked<T> => ({ ok: false, reason });

/** Falco's ways of saying "unknown". */
export function isUnknown(v: unknown): boolean {
  return v === null || v === undefined || v === '' || v === '<NA>';
}

/** An IPv4 or IPv6 address (no brackets, no zone), canonicalised (IPv6 lower-case, compressed). */
export function checkIp(v: unknown): Checked<string> {
  if (typeof v !== 'string') return bad(`expected a string, got ${typeName(v)}`);
  if (v.length > 45) return bad('too long for an IP address');
  const family = isIP(v);
  if (family === 4) {
    // node:net accepts only dotted-quad decimal without leading zeros, which is canonical already.
    return ok(v);
  }
  if (family === 6) {
    try {
      const host = new URL(`http://[${v}]/`).hostname;
      return ok(host.slice(1, -1));
    } catch {
      return bad('not a valid IPv6 address');
    }
  }
  return bad('not an IP address');
}

/** A port: an integer 0–65535 (a number or a decimal string). */
export function checkPort(v: unknown): Checked<number> {
  let n: number;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'string' && /^[0-9]{1,5}$/.test(v)) n = Number(v);
  else return bad(typeof v === 'string' ? 'not a decimal port number' : `expected a number, got ${typeName(v)}`);
  if (!Number.isInteger(n) || n < 0 || n > 65535) return bad('not an integer in 0-65535');
  return ok(n);
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A Kubernetes DNS-1123 label (namespace names): lower-case alphanumerics and '-', ≤ 63. */
export function checkDnsLabel(v: unknown): Checked<string> {
  if (typeof v !== 'string') return bad(`expected a string, got ${typeName(v)}`);
  if (v.length > 63) return bad('longer than 63 characters (DNS-1123 label)');
  if (!DNS1123_LABEL.test(v)) return bad('not a DNS-1123 label (lower-case alphanumerics and "-")');
  return ok(v);
}

/** A Kubernetes DNS-1123 subdomain (pod names): labels joined by '.', ≤ 253. */
export function checkDnsSubdomain(v: unknown): Checked<string> {
  if (typeof v !== 'string') return bad(`expected a string, got ${typeName(v)}`);
  if (v.length > 253) return bad('longer than 253 characters (DNS-1123 subdomain)');
  for (const label of v.split('.')) {
    if (label.length > 63 || !DNS1123_LABEL.test(label)) return bad('not a DNS-1123 subdomain (lower-case alphanumerics, "-" and ".")');
  }
  return ok(v);
}

/** A host name (the node): like a subdomain but case-insensitive, as kernels report it. */
export function checkHostname(v: unknown): Checked<string> {
  if (typeof v !== 'string') return bad(`expected a string, got ${typeName(v)}`);
  const c = checkDnsSubdomain(v.toLowerCase());
  return c.ok ? ok(v) : bad(c.reason.replace('DNS-1123 subdomain', 'host name'));
}

/** A container id: 12 or 64 hex digits (Falco truncates to 12). `host` is reported separately. */
export function checkContainerId(v: unknown): Checked<string> {
  if (typeof v !== 'string') return bad(`expected a string, got ${typeName(v)}`);
  if (!/^([0-9a-f]{12}|[0-9a-f]{64})$/.test(v)) return bad('not 12 or 64 lower-case hex digits');
  return ok(v);
}

/** An image reference: printable, no spaces, ≤ 512. */
export function checkImage(v: unknown): Checked<string> {
  if (typeof v !== 'string') return bad(`expected a string, got ${typeName(v)}`);
  if (v.length > 512) return bad('longer than 512 characters');
  if (!/^[A-Za-z0-9][A-Za-z0-9._\-/:@+]*$/.test(v)) return bad('not an image reference');
  return ok(v);
}

export function checkUuid(v: unknown): Checked<string> {
  if (typeof v !== 'string') return bad(`expected a string, got ${typeName(v)}`);
  if (!/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(v)) return bad('not a UUID');
  return ok(v.toLowerCase());
}

const L4 = new Set(['tcp', 'udp', 'icmp', 'raw', 'sctp']);

export function checkL4proto(v: unknown): Checked<string> {
  if (typeof v !== 'string') return bad(`expected a string, got ${typeName(v)}`);
  const p = v.toLowerCase();
  return L4.has(p) ? ok(p) : bad('not one of tcp, udp, icmp, raw, sctp');
}

export function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/** The raw value for a problem report: JSON, at most `max` characters. */
export function rawForReport(v: unknown, max = 80): string {
  let s: string;
  try {
    s = typeof v === 'string' ? JSON.stringify(v.length > max * 2 ? v.slice(0, max * 2) : v) : (JSON.stringify(v) ?? String(v));
  } catch {
    s = String(v);
  }
  if (typeof v === 'string' && v.length > max * 2) s = s.slice(0, -1) + '…"';
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}
