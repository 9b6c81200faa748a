// Label and field selectors, parsed as the apiserver does (labels.Parse, fields.ParseSelector).
import { badRequest } from './apiError.js';
import type { KObject } from './types.js';

type LabelReq =
  | { op: 'eq' | 'neq'; key: string; value: string }
  | { op: 'in' | 'notin'; key: string; values: string[] }
  | { op: 'exists' | 'notexists'; key: string };

export type LabelSelector = (labels: Record<string, string> | undefined) => boolean;

/** Splits on commas that are not inside parentheses. */
function splitTop(s: string): string[] {
  const out: string[] = [];
  let depth = 0; let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) { out.push(cur); cur = ''; } else cur += ch;
  }
  out.push(cur);
  return out.map((x) => x.trim()).filter((x) => x.length > 0);
}

export function parseLabelSelector(sel: string | null): LabelSelector {
  if (!sel) return () => true;
  const reqs: LabelReq[] = splitTop(sel).map((term) => {
    let m = /^([^\s!=]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term);
    if (m) return { op: m[2] as 'in' | 'notin', key: m[1], values: m[3].split(',').map((v) => v.trim()) };
    m = /^([^\s!=]+)\s*(==|=|!=)\s*([^\s]*)$/.exec(term);
    if (m) return { op: m[2] === '!=' ? 'neq' : 'eq', key: m[1], value: m[3] };
    m = /^!\s*([^\s!=]+)$/.exec(term);
    if (m) return { op: 'notexists', key: m[1] };
    m = /^([^\s!=()]+)$/.exec(term);
    if (m) return { op: 'exists', key: m[1] };
    throw badRequest(`unable to parse requirement: found '${term}', expected: '=', '!=', '==', 'in', notin'`);
  });
  const value = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
  for (const r of reqs) {
    const vals = r.op === 'eq' || r.op === 'neq' ? [r.value] : r.op === 'in' || r.op === 'notin' ? r.values : [];
    const bad = vals.find((v) => v.length > 63 || !value.test(v));
    if (bad !== undefined) throw badRequest(`unable to parse requirement: values[0][${r.key}]: Invalid value: "${bad}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`);
  }
  return (labels) => reqs.every((r) => {
    const v = labels?.[r.key];
    switch (r.op) {
      case 'eq': return v === r.value;
      case 'neq': return v !== r.value;
      case 'in': return v !== undefined && r.values.includes(v);
      case 'notin': return v === undefined || !r.values.includes(v);
      case 'exists': return v !== undefined;
      case 'notexists': return v === undefined;
    }
  });
}

export function matchesSelectorMap(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  if (!selector || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

/** Field labels supported per kind (k8s core/v1 conversion funcs register these). */
const FIELDS: Record<string, Record<string, (o: KObject) => string>> = {
  Pod: {
    'spec.nodeName': (o) => str(o.spec?.nodeName),
    'spec.restartPolicy': (o) => str(o.spec?.restartPolicy),
    'spec.schedulerName': (o) => str(o.spec?.schedulerName),
    'spec.serviceAccountName': (o) => str(o.spec?.serviceAccountName),
    'spec.hostNetwork': (o) => String(o.spec?.hostNetwork === true),
    'status.phase': (o) => str(o.status?.phase),
    'status.podIP': (o) => str(o.status?.podIP),
    'status.nominatedNodeName': () => '',
  },
  Node: { 'spec.unschedulable': () => 'false' },
  Namespace: { 'status.phase': (o) => str(o.status?.phase) },
};

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

export type FieldSelector = (o: KObject) => boolean;

export function parseFieldSelector(sel: string | null, kind: string): FieldSelector {
  if (!sel) return () => true;
  const tests = splitTop(sel).map((term) => {
    const m = /^([^!=]+?)\s*(==|=|!=)\s*(.*)$/.exec(term);
    if (!m) throw badRequest(`invalid selector: '${sel}'; can't understand '${term}'`);
    const [, field, op, value] = m;
    let get: (o: KObject) => string;
    if (field === 'metadata.name') get = (o) => o.metadata.name;
    else if (field === 'metadata.namespace') get = (o) => o.metadata.namespace ?? '';
    else {
      const f = FIELDS[kind]?.[field];
      if (!f) throw badRequest(`field label not supported: ${field}`);
      get = f;
    }
    return (o: KObject) => (op === '!=' ? get(o) !== value : get(o) === value);
  });
  return (o) => tests.every((t) => t(o));
}
