// Parses one line / body of Falco output into a FalcoAlert, or classifies why it is not one.
import type { AlertFormat, NonAlertKind, ParseResult } from './types.js';
import { normalizeAlert } from './normalizeAlert.js';

export interface ParseOptions {
  /** Longest accepted line/body in bytes (UTF-8). Default 2 MiB. */
  maxBytes?: number;
  /** Deepest accepted JSON nesting. Default 64. */
  maxDepth?: number;
  format?: AlertFormat;
}

export const DEFAULT_MAX_BYTES = 2 * 1024 * 1024;
export const DEFAULT_MAX_DEPTH = 64;

export const JSON_OUTPUT_HINT =
  'Falco is writing text alerts: enable JSON output (falco.yaml: json_output: true, json_include_output_property: true; ' +
  'Helm: --set falco.json_output=true --set falco.json_include_output_property=true).';

const utf8 = new TextDecoder('utf-8', { fatal: true });

const PRIORITY_WORD = '(?:Emergency|Alert|Critical|Error|Warning|Notice|Informational|Info|Debug)';
// "02:14:04.303361864: Notice …" or "2016-08-04T16:17:57.881781397+0000: Warning …"
const TEXT_ALERT = new RegExp(`^(?:\\d{2}:\\d{2}:\\d{2}\\.\\d{6,9}|\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{6,9}[+-]\\d{4}): ${PRIORITY_WORD} `);
// Falco's own log: "Mon Nov 28 14:00:00 2026: Falco version: …", or "2026-11-28T14:00:00+0000: Loading rules …"
const FALCO_LOG = /^(?:[A-Z][a-z]{2} [A-Z][a-z]{2} +\d{1,2} \d{2}:\d{2}:\d{2} \d{4}|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?[+-]\d{4}|\d{2}:\d{2}:\d{2}\.\d{6,9}): /;

function fail(kind: NonAlertKind, reason: string, hint?: string): ParseResult {
  return hint === undefined ? { ok: false, kind, reason } : { ok: false, kind, reason, hint };
}

export interface JsonScan {
  /** Deepest nesting of `[`/`{` outside strings (stops counting past the limit). */
  depth: number;
  /** The text with every integer literal beyond 2^53 turned into a string, so it survives exactly. */
  text: string;
}

/**
 * One pass over JSON text before JSON.parse: measures the nesting depth, and quotes integers
 * that a double cannot hold (Falco's `evt.time` nanoseconds), keeping them exact as text.
 */
export function scanJson(s: string, limit: number): JsonScan {
  let depth = 0, max = 0, inStr = false;
  let out: string[] | null = null;
  let last = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (inStr) {
      if (c === 0x5c) i++; else if (c === 0x22) inStr = false;
    } else if (c === 0x22) inStr = true;
    else if (c === 0x7b || c === 0x5b) { if (++depth > max) { max = depth; if (max > limit) return { depth: max, text: s }; } }
    else if (c === 0x7d || c === 0x5d) depth--;
    else if ((c >= 0x30 && c <= 0x39) || c === 0x2d) {
      let j = i + 1;
      while (j < s.length && s.charCodeAt(j) >= 0x30 && s.charCodeAt(j) <= 0x39) j++;
      const next = j < s.length ? s.charCodeAt(j) : 0;
      const isInteger = next !== 0x2e && next !== 0x65 && next !== 0x45; // not '.', 'e', 'E'
      const digits = j - i - (c === 0x2d ? 1 : 0);
      if (isInteger && digits >= 16 && !Number.isSafeInteger(Number(s.slice(i, j)))) {
        out ??= [];
        out.push(s.slice(last, i), '"', s.slice(i, j), '"');
        last = j;
      }
      i = j - 1;
    }
  }
  if (out === null) return { depth: max, text: s };
  out.push(s.slice(last));
  return { depth: max, text: out.join('') };
}

/** Classifies a line that is not JSON. */
export function classifyText(line: string): ParseResult {
  if (TEXT_ALERT.test(line)) return fail('text-alert', 'a text-format Falco alert (json_output is off)', JSON_OUTPUT_HINT);
  if (FALCO_LOG.test(line)) return fail('falco-log', 'a Falco log line, not an alert');
  if (/"(?:output_fields|rule|priority)"\s*:/.test(line)) return fail('truncated-json', 'a fragment of a JSON alert (the line does not start with "{")');
  return fail('not-json', 'not JSON');
}

/** Parses one line (or one HTTP body) holding one alert. */
export function parseAlert(input: string | Uint8Array, opts: ParseOptions = {}): ParseResult {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  let line: string;
  if (typeof input === 'string') {
    if (input.length > maxBytes) return fail('too-large', `${input.length} characters exceeds the ${maxBytes}-byte limit`);
    line = input;
  } else {
    if (input.byteLength > maxBytes) return fail('too-large', `${input.byteLength} bytes exceeds the ${maxBytes}-byte limit`);
    try {
      line = utf8.decode(input);
    } catch {
      return fail('invalid-utf8', 'not valid UTF-8');
    }
  }
  line = line.trim();
  if (line === '') return fail('empty', 'empty line');
  if (line.charCodeAt(0) !== 0x7b /* { */) return classifyText(line);
  const maxDepth = opts.maxDepth ?? DEFAULT_MAX_DEPTH;
  const scan = scanJson(line, maxDepth);
  if (scan.depth > maxDepth) return fail('too-deep', `JSON nested deeper than ${maxDepth} levels`);
  let value: unknown;
  try {
    value = JSON.parse(scan.text);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    if (/Unexpected end|Unterminated|end of JSON/i.test(msg)) return fail('truncated-json', `truncated JSON: ${msg}`);
    return fail('invalid-json', `invalid JSON: ${msg.slice(0, 200)}`);
  }
  const result = normalizeAlert(value, opts.format);
  if (result.ok && line.length <= RAW_KEEP_BYTES) result.alert.raw = line;
  return result;
}

/** Longest received text kept beside an alert (for "show the raw JSON"). */
export const RAW_KEEP_BYTES = 64 * 1024;

/** Results of parsing a whole document: several alerts and the non-alert pieces, counted. */
export interface DocumentResult {
  alerts: ParseResult[];
  /** How the document was read. */
  mode: 'json-document' | 'sidekick-ui-results' | 'lines';
}

/**
 * Parses a whole file or body: a single (possibly pretty-printed) alert, a JSON array of alerts,
 * a Falcosidekick-UI search response (`{results: [...]}`), or JSON lines.
 */
export function parseAlertDocument(text: string, opts: ParseOptions = {}): DocumentResult {
  const trimmed = text.trim();
  const maxDepth = opts.maxDepth ?? DEFAULT_MAX_DEPTH;
  if ((trimmed.startsWith('{') || trimmed.startsWith('[')) && trimmed.length <= (opts.maxBytes ?? DEFAULT_MAX_BYTES) * 8) {
    const scan = scanJson(trimmed, maxDepth);
    if (scan.depth <= maxDepth) {
      let value: unknown;
      let parsed = false;
      try { value = JSON.parse(scan.text); parsed = true; } catch { /* not one document: read lines */ }
      if (parsed) {
        const results = sidekickUiResults(value);
        if (results !== null) return { mode: 'sidekick-ui-results', alerts: results.map((e) => normalizeAlert(e, 'falcosidekick-ui')) };
        if (Array.isArray(value)) return { mode: 'json-document', alerts: value.map((e) => normalizeAlert(e, opts.format)) };
        return { mode: 'json-document', alerts: [normalizeAlert(value, opts.format)] };
      }
    }
  }
  const lines = text.split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return { mode: 'lines', alerts: lines.map((l) => parseAlert(l, opts)) };
}

/** The events of a Falcosidekick-UI `/api/v1/events/search` response, or null if it is not one. */
export function sidekickUiResults(value: unknown): unknown[] | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const v = value as Record<string, unknown>;
  if (!('statistics' in v) && !('results' in v)) return null;
  if (!('statistics' in v) || typeof v['statistics'] !== 'object') return null;
  const r = v['results'];
  if (r === undefined || r === null) return [];
  if (Array.isArray(r)) return r;
  if (typeof r === 'object') return Object.values(r as Record<string, unknown>); // older map-shaped results
  return null;
}
