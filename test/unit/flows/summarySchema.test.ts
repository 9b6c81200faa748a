// Every summary the analyzer makes from the fixture corpus validates against
// docs/flow-summary.schema.json, checked by a JSON Schema validator (Ajv, draft 2020-12, strict:
// a keyword it does not know fails the compile rather than being ignored).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020, { type ErrorObject } from 'ajv/dist/2020';
import { analyzeFile } from '../../../src/core/flows/analyzeFile.js';
import { CaptureFormatError } from '../../../src/core/pcap/types.js';

const ROOT = join(__dirname, '..', '..', '..');
const schema = JSON.parse(readFileSync(join(ROOT, 'docs', 'flow-summary.schema.json'), 'utf8')) as object;
const validate = new Ajv2020({ strict: true, allErrors: true }).compile(schema);

function errorsOf(v: unknown): string[] {
  return validate(v) ? [] : (validate.errors ?? []).map((e: ErrorObject) => `${e.instancePath || '$'} ${e.keyword}: ${e.message ?? ''}${e.keyword === 'additionalProperties' ? ` (${String(e.params.additionalProperty)})` : ''}`);
}

test('the validator catches violations', () => {
  const errors = errorsOf({ schemaVersion: 2, flows: [{ protocol: 'TCP' }], extra: 1 });
  assert.ok(errors.some((e) => e.startsWith('/schemaVersion')), errors.join('\n'));
  assert.ok(errors.some((e) => e.includes('additionalProperties') && e.includes('(extra)')), errors.join('\n'));
  assert.ok(errors.some((e) => e.startsWith('/flows/0/protocol')), errors.join('\n'));
  assert.ok(errors.some((e) => e.startsWith('$ required') && e.includes('totals')), errors.join('\n'));
  assert.throws(() => new Ajv2020({ strict: true }).compile({ type: 'object', propertiez: {} }), /unknown keyword/, 'a misspelt keyword is an error, not ignored');
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
    // through JSON, as consumers see it
    assert.deepEqual(errorsOf(JSON.parse(JSON.stringify(s))).slice(0, 10), [], f);
    validated++;
  }
  assert.ok(validated >= 100, `${validated} validated`);
});
