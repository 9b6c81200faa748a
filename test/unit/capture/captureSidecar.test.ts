// The sidecar's one owner: what the session writes is what the reader returns; a wrong field is
// refused with its name; the lister sees capture files, sidecars left alone and broken ones.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkSidecar, listCaptures, readSidecar, readSidecarFile, sidecarPathFor, SidecarError } from '../../../src/core/capture/captureSidecar.js';
import { runCaptureSession, type CaptureSource } from '../../../src/core/capture/captureSession.js';
import { planForPod } from '../../../src/core/capture/capturePlan.js';
import { parseAlert } from '../../../src/core/alerts/alertParser.js';
import { falcoAlertJson } from '../../support/falcoAlerts.js';
import { testSidecar, writeTestSidecar } from '../../support/sidecars.js';

const root = mkdtempSync(join(tmpdir(), 'fs-sidecar-'));
after(() => rmSync(root, { recursive: true, force: true }));
const fixture = readFileSync('test/fixtures/pcap/gen_lo.pcapng');

function source(): CaptureSource {
  return { stream: (async function* () { yield fixture; })(), stop() { /* ends by itself */ }, done: Promise.resolve({ ok: true, detail: '' }) };
}

test('the session writes the sidecar once, complete; the reader returns exactly it', async () => {
  const dir = join(root, 'session');
  const parsed = parseAlert(falcoAlertJson());
  assert.ok(parsed.ok);
  const plan = { ...planForPod({ namespace: 'shop', pod: 'api-7d9c' }, { method: 'exec' }, parsed.alert), automatic: true };
  const rec = await runCaptureSession({ plan, outDir: dir, source: source(), alert: parsed.alert, captureContainer: 'api' });
  assert.equal(rec.sidecar, sidecarPathFor(rec.file));
  assert.deepEqual(readdirSync(dir).sort(), [`${plan.id}.falcoshark.json`, `${plan.id}.pcapng`], 'no .part file left behind');
  const side = await readSidecar(rec.file);
  assert.ok(side);
  assert.deepEqual(side, JSON.parse(readFileSync(rec.sidecar, 'utf8')));
  assert.equal(side.automatic, true, 'from the plan: known before the capture started');
  assert.deepEqual(side.record, rec);
  assert.equal(side.plan.id, plan.id);
  assert.equal(side.alert?.rule, 'Outbound Connection to C2 Servers');
  assert.equal(side.captureContainer, 'api');
  assert.equal(await readSidecar(join(dir, 'nothing.pcapng')), undefined, 'no sidecar: undefined, not an error');
});

test('a sidecar that is not one, is newer, or has a wrong field is refused with the field named', () => {
  const good = testSidecar({ id: 'x' });
  assert.equal(checkSidecar(JSON.parse(JSON.stringify(good))).plan.id, 'x');
  const DELETE = Symbol('delete');
  /** The message for `good` with the value at `path` replaced (or deleted). */
  const bad = (path: string, value: unknown): string => {
    const v = JSON.parse(JSON.stringify(good)) as Record<string, unknown>;
    const keys = path.split('.');
    let o = v;
    for (const k of keys.slice(0, -1)) o = o[k] as Record<string, unknown>;
    if (value === DELETE) delete o[keys[keys.length - 1]];
    else o[keys[keys.length - 1]] = value;
    try { checkSidecar(v, 'x.falcoshark.json'); } catch (e) { assert.ok(e instanceof SidecarError); return e.message; }
    return 'accepted';
  };
  assert.match(bad('kind', 'pcap'), /^x\.falcoshark\.json: not a falcoshark capture sidecar/);
  assert.match(bad('schemaVersion', 2), /schemaVersion 2 is newer than this falcoshark reads \(1\)/);
  assert.match(bad('schemaVersion', DELETE), /schemaVersion must be 1 \(is missing\)/);
  assert.match(bad('automatic', 'yes'), /automatic must be true or false/);
  assert.match(bad('plan.target.pod', 7), /plan\.target\.pod must be a string \(is 7\)/);
  assert.match(bad('plan.flow', { server: { ip: '10.0.0.1', port: -1 } }), /plan\.flow\.server\.port must be a whole number/);
  assert.match(bad('record.outcome', 'great'), /record\.outcome must be one of complete, cap-reached/);
  assert.match(bad('record', DELETE), /record must be an object \(is missing\)/);
  assert.match(bad('snapshot', { takenAt: 't', ips: { '10.0.0.1': { kind: 'vm', name: 'a' } }, gaps: [] }), /snapshot\.ips\[10\.0\.0\.1\]\.kind must be one of pod, service, node/);
  assert.equal(bad('plan.notes', ['a note']), 'accepted', 'the helper itself accepts a good value');
  // Written before "automatic" existed (manual captures): absent means false.
  const old = JSON.parse(JSON.stringify(good)) as Record<string, unknown>;
  delete old.automatic;
  assert.equal(checkSidecar(old).automatic, false);
});

test('one lister: capture files with their sidecar facts, a sidecar left alone, a broken one, newest first', async () => {
  const dir = join(root, 'list');
  await listCaptures(dir).then((l) => assert.deepEqual(l, []), (e: unknown) => assert.fail(String(e)));
  mkdirSync(dir);
  writeFileSync(join(dir, 'new.pcapng'), Buffer.alloc(1000));
  const sidecarBytes = readFileSync(writeTestSidecar(dir, { id: 'new', createdAt: '2026-11-28T15:00:00.000Z', automatic: true })).length;
  writeTestSidecar(dir, { id: 'orphan', createdAt: '2026-11-28T14:00:00.000Z' });
  writeFileSync(join(dir, 'broken.pcap'), Buffer.alloc(10));
  writeFileSync(join(dir, 'broken.falcoshark.json'), '{"kind":');
  writeFileSync(join(dir, 'audit.jsonl'), '{}\n');
  writeFileSync(join(dir, 'running.pcapng.part'), Buffer.alloc(10));
  const list = await listCaptures(dir);
  const byId = new Map(list.map((c) => [c.id, c]));
  assert.deepEqual([...byId.keys()].sort(), ['broken', 'new', 'orphan']);
  const n = byId.get('new');
  assert.equal(n?.sidecar?.automatic, true);
  assert.equal(n?.size, 1000);
  assert.equal(n?.bytes, 1000 + sidecarBytes);
  assert.equal(n?.time, Date.parse('2026-11-28T15:00:00.000Z'));
  assert.deepEqual(n?.files, [join(dir, 'new.pcapng'), join(dir, 'new.falcoshark.json')]);
  assert.equal(byId.get('orphan')?.file, undefined);
  assert.equal(byId.get('orphan')?.sidecar?.plan.id, 'orphan');
  assert.match(byId.get('broken')?.sidecarProblem ?? '', /not JSON/);
  assert.equal(byId.get('broken')?.sidecar, undefined);
  assert.ok(list.indexOf(n!) < list.indexOf(byId.get('orphan')!), 'newest first');
  await assert.rejects(readSidecarFile(join(dir, 'broken.falcoshark.json')), (e: unknown) => e instanceof SidecarError && /broken\.falcoshark\.json: not JSON/.test(e.message));
});
