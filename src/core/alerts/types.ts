// The typed Falco alert and the results of parsing one. Everything here is plain data
// (JSON-serialisable) so it can cross to a webview or be written as JSON lines.
import type { Priority } from './priority.js';

/** One value that was present in the alert but failed validation; never passed on as typed. */
export interface AlertProblem {
  /** The Falco field (e.g. `fd.sport`, `k8s.pod.name`) or top-level key (e.g. `time`). */
  field: string;
  /** The offending value, JSON-encoded and truncated to a few dozen characters. */
  raw: string;
  reason: string;
}

export interface Endpoint {
  ip: string | null;
  port: number | null;
}

/** Where the network context was read from, in order of preference. */
export type NetworkOrigin = 'fd.cip/fd.sip' | 'fd.name' | 'fd.lip/fd.rip';

export interface NetworkContext {
  client: Endpoint;
  server: Endpoint;
  /** `fd.lip/fd.lport`, `fd.rip/fd.rport` as Falco reported them (unknown = null). */
  local: Endpoint;
  remote: Endpoint;
  /** Lower-case L4 protocol (`tcp`, `udp`, `icmp`, `raw`, `sctp`) or null. */
  l4proto: string | null;
  origins: NetworkOrigin[];
}

export type AlertFormat =
  /** Falco's own JSON output (stdout, file, http_output, pod logs). */
  | 'falco'
  /** Falcosidekick's forwarded payload (Falco's plus a `uuid`). */
  | 'falcosidekick'
  /** One event from Falcosidekick-UI's search API or its `{event, outputs}` POST body. */
  | 'falcosidekick-ui'
  /** The gRPC-derived shape with `time: {seconds, nanos}`. */
  | 'grpc';

export interface FalcoAlert {
  /** UTC, nanosecond precision, canonical: `2021-08-03T05:02:19.853197342Z`; null if absent/invalid. */
  time: string | null;
  /** Milliseconds since the epoch (for sorting and range queries); null with `time`. */
  timeMs: number | null;
  /** Nanoseconds since the epoch as a decimal string (exact, unlike `evt.time`). */
  timeNs: string | null;
  priority: Priority | null;
  rule: string;
  /** `syscall`, `k8s_audit`, `internal`, … lower-cased; null if absent. */
  source: string | null;
  /** True for Falco's own events (`source: internal` or a `Falco internal:` rule). */
  internal: boolean;
  output: string;
  message: string | null;
  /** The Falco host, i.e. the Kubernetes node (`hostname`, else `evt.hostname`). */
  node: string | null;
  uuid: string | null;
  tags: string[];
  namespace: string | null;
  pod: string | null;
  container: { id: string | null; host: boolean; name: string | null; image: string | null };
  process: { name: string | null; cmdline: string | null; parent: string | null; exepath: string | null; pid: number | null; user: string | null };
  network: NetworkContext | null;
  /** `output_fields` as received (null-prototype copy; large integers kept exactly as text). */
  outputFields: Record<string, unknown>;
  /** Top-level keys this parser does not know, kept as received. */
  extra: Record<string, unknown>;
  problems: AlertProblem[];
  format: AlertFormat;
  /** Stable hash of the alert's identity (time, rule, node, output, uuid) for de-duplication. */
  fingerprint: string;
  /** The line or body as received, when it came as one JSON text of at most RAW_KEEP_BYTES
   *  characters (attacker-controlled: shown as text only). */
  raw?: string;
}

/** Why a line or body is not an alert. */
export type NonAlertKind =
  | 'empty'
  | 'too-large'
  | 'invalid-utf8'
  | 'too-deep'
  | 'truncated-json'
  | 'invalid-json'
  | 'text-alert'
  | 'falco-log'
  | 'not-json'
  | 'not-an-alert'
  | 'invalid-alert';

export type ParseResult =
  | { ok: true; alert: FalcoAlert }
  | { ok: false; kind: NonAlertKind; reason: string; hint?: string };
