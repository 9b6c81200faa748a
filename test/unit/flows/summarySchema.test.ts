// Every summary the analyzer makes from the fixture corpus validates against
// docs/flow-summary.schema.json (checked by a small validator of the keywords the schema
// uses; an unknown keyword fails the test rather than being ignored).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeFile } from '../../../src/core/flows/analyzeFile.js';
import { CaptureFormatError } from '../../../src/core/pcap/types.js';

type Schema = { [k: string]: unknown };
const ROOT = join(__dirname, '..', '..', '..');
const schema = JSON.parse(readFileSync(join(ROOT, 'docs', 'flow-summary.schema.json'), 'utf8')) as Schema;
const ANNOTATIONS = new Set(['$schema', '$id', 'title', 'description', '$defs']);

function resolve(ref: string): Schema {
  assert.ok(ref.startsWith('#/$defs/'), `unsupported $ref ${ref}`);
  const d = (schema.$defs as Record<string, Schema>)[ref.slice(8)];
  assert.ok(d, `unknown $ref ${ref}`);
  return d;
}

function typeOk(t: string, v: unknown): boolean {
  switch (t) {
    case 'object': return typeof v === 'object' && v !== null && !Array.isArray(v);
    case 'array': return Array.isArray(v);
    case 'string': return typeof v === 'string';
    case 'integer': return Number.isInteger(v);
    case 'number': return typeof v === 'number' && Number.isFinite(v);
    default: throw new Error(`unsupported type ${t}`);
  }
}

export function validate(s: Schema, v: unknown, path: string, errors: string[]): void {
  for (const [k, want] of Object.entries(s)) {
    if (ANNOTATIONS.has(k)) continue;
    switch (k) {
      case '$ref': validate(resolve(want as string), v, path, errors); break;
      case 'type': if (!typeOk(want as string, v)) errors.push(`${path}: not ${want as string}`); break;
      case 'const': if (v !== want) errors.push(`${path}: not ${JSON.stringify(want)}`); break;
      case 'enum': if (!(want as unknown[]).includes(v)) errors.push(`${path}: ${JSON.stringify(v)} not in enum`); break;
      case 'pattern': if (typeof v === 'string' && !new RegExp(want as string).test(v)) errors.push(`${path}: ${v} !~ ${want as string}`); break;
      case 'minimum': if (typeof v === 'number' && v < (want as number)) errors.push(`${path}: ${v} < ${want as number}`); break;
      case 'maximum': if (typeof v === 'number' && v > (want as number)) errors.push(`${path}: ${v} > ${want as number}`); break;
      case 'exclusiveMinimum': if (typeof v === 'number' && v <= (want as number)) errors.push(`${path}: ${v} <= ${want as number}`); break;
      case 'maxLength': if (typeof v === 'string' && v.length > (want as number)) errors.push(`${path}: longer than ${want as number}`); break;
      case 'maxItems': if (Array.isArray(v) && v.length > (want as number)) errors.push(`${path}: more than ${want as number} items`); break;
      case 'required':
        if (typeOk('object', v)) for (const r of want as string[]) if (!(r in (v as object))) errors.push(`${path}: missing ${r}`);
        break;
      case 'properties':
        if (typeOk('object', v)) {
          for (const [p, ps] of Object.entries(want as Record<string, Schema>)) {
            const o = v as Record<string, unknown>;
            if (p in o) validate(ps, o[p], `${path}.${p}`, errors);
          }
        }
        break;
      case 'additionalProperties':
        if (typeOk('object', v)) {
          const known = new Set(Object.keys((s.properties as object | undefined) ?? {}));
          for (const [p, pv] of Object.entries(v as Record<string, unknown>)) {
            if (known.has(p)) continue;
            if (want === false) errors.push(`${path}: unexpected key ${p}`);
            else validate(want as Schema, pv, `${path}.${p}`, errors);
          }
        }
        break;
      case 'items':
        if (Array.isArray(v)) v.forEach((x, i) => validate(want as Schema, x, `${path}[${i}]`, errors));
        break;
      default:
        throw new Error(`validator does not know keyword ${k}`);
    }
  }
}

test('the validator catches violations', () => {
  const errors: string[] = [];
  validate(schema, { schemaVersion: 2, flows: [{ protocol: 'TCP' }], extra: 1 }, '$', errors);
  assert.ok(errors.some((e) => e.includes('schemaVersion')));
  assert.ok(errors.some((e) => e.includes('unexpected key extra')));
  assert.ok(errors.some((e) => e.includes('$.flows[0].protocol')));
  assert.ok(errors.some((e) => e.includes('missing totals')));
});

const DIR = join(ROOT, 'test', 'fixtures', 'pcap');
const captures = readdirSync(DIR).filter((f) => /\.(pcap|pcapng)$/.test(f)).sort();

test('summaries of every fixture capture validate against docs/flow-summary.schema.json', async () => {
  let validated = 0;
  for (const f of captures) {
    let s;
    try {
      s = await analyzeFile(join(DIR, f));
    } catch (e) {
      assert.ok(e instanceof CaptureFormatError, `${f}: ${String(e)}`);
      continue;
    }
    const errors: string[] = [];
    // through JSON, as consumers see it
    validate(schema, JSON.parse(JSON.stringify(s)), '$', errors);
    assert.deepEqual(errors.slice(0, 10), [], f);
    validated++;
  }
  assert.ok(validated >= 100, `${validated} validated`);
});
