// The byte writers of `analyze --json`: numbers, strings, constants and names as JSON.stringify
// writes them, across chunk boundaries; the CLI's --json and table equal the whole summary's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, copyFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ByteWriter, Konst } from '../../../src/core/flows/byteWriter.js';
import { NameTable } from '../../../src/core/flows/nameTable.js';
import { IsoTimeBytes, isoTime } from '../../../src/core/flows/format.js';
import { analyzeFile } from '../../../src/core/flows/analyzeFile.js';
import { annotateSummary } from '../../../src/core/annotate/annotateSummary.js';
import { readSidecar } from '../../../src/core/capture/captureSidecar.js';
import { renderSummary } from '../../../src/cli/summaryTable.js';
import { testSidecar } from '../../support/sidecars.js';

const ROOT = join(__dirname, '..', '..', '..');
const FIXTURES = join(ROOT, 'test', 'fixtures', 'pcap');

/** Everything written, through a writer with small chunks (every value crosses a seam). */
function written(fill: (w: ByteWriter) => void, chunk = 7): string {
  const parts: Buffer[] = [];
  const w = new ByteWriter(chunk, (c) => parts.push(Buffer.from(c)));
  fill(w);
  w.flush();
  return Buffer.concat(parts).toString('utf8');
}

test('numbers as JSON.stringify prints them', () => {
  const values = [0, 1, 9, 10, 99, 100, 101, 999, 1000, 9999, 10000, 65535, 2 ** 31 - 1, 2 ** 31, 2 ** 32 + 5, 2 ** 53 - 1, 1e15, 1e21, 1.5, -3, 0.1 + 0.2, 16777217, NaN, Infinity];
  for (let i = 0; i < 2000; i++) values.push(Math.floor(Math.random() * 2 ** (i % 53)));
  assert.equal(written((w) => values.forEach((v, i) => { if (i) w.byte(0x2c); w.num(v); })), values.map((v) => JSON.stringify(v)).join(','));
});

test('strings, constants and two-digit/nanosecond fields', () => {
  const strings = ['', 'plain', 'quote " and \\ backslash', 'tab\tnl\nnul\u0000', 'é ü 😀 \ud800 lone', '\\007.b'];
  assert.equal(written((w) => strings.forEach((s) => w.str(s))), strings.map((s) => JSON.stringify(s)).join(''));
  assert.equal(written((w) => { w.k(new Konst('{"key":')); w.two(7); w.two(42); w.byte(0x2e); w.nanos(5); w.nanos(123456789); }), '{"key":0742.000000005123456789');
});

test('timestamps as bytes equal isoTime, across days and odd years', () => {
  const t = new IsoTimeBytes();
  const cases: [number, number][] = [[0, 0], [1764000000, 123456789], [1764000000, 999999999], [1764086399, 1], [-1, 5], [253402300800, 0], [18446744073, 709551615]];
  for (const [sec, ns] of cases) assert.equal(written((w) => t.write(w, sec, ns)), isoTime(sec, ns), `${sec}.${ns}`);
});

test('interned names: one id per text, escaped in JSON, the table grown past its first sizes', () => {
  const n = new NameTable();
  const ids = new Map<string, number>();
  for (let i = 0; i < 20000; i++) {
    const text = i % 3 === 0 ? `name-${i % 100}.example` : `x${i}"q\\${'y'.repeat(i % 70)}`;
    const id = n.internText(text);
    if (ids.has(text)) assert.equal(id, ids.get(text));
    else ids.set(text, id);
    assert.equal(n.text(id), text);
  }
  assert.equal(n.count, ids.size);
  for (const [text, id] of [...ids].slice(0, 300)) assert.equal(written((w) => n.writeTo(w, id)), JSON.stringify(text).slice(1, -1));
});

function cli(...args: string[]): { code: number | null; stdout: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'cli', 'main.ts'), ...args], { encoding: 'utf8', maxBuffer: 256 << 20, env: { ...process.env, FALCOSHARK_THREADS: '1' } });
  return { code: r.status, stdout: r.stdout };
}

test('analyze --json is the whole summary\'s JSON text and the table its rows, with and without a sidecar', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'json-'));
  try {
    const withSidecar = join(dir, 'c1.pcapng');
    copyFileSync(join(FIXTURES, 'gen_lo.pcapng'), withSidecar);
    const side = testSidecar({ id: 'c1' });
    side.plan.flow = { protocol: 'tcp', server: { ip: '127.0.0.1', port: 8443 } };
    writeFileSync(join(dir, 'c1.falcoshark.json'), JSON.stringify(side));
    for (const file of [join(FIXTURES, 'ppp_tls2.pcap'), join(FIXTURES, 'ppp_many-protocols.pcap'), join(FIXTURES, 'td_various_gre.pcap'), withSidecar]) {
      const whole = annotateSummary(await analyzeFile(file), await readSidecar(file));
      const json = cli('analyze', '--json', file);
      assert.equal(json.code, 0, file);
      // (the CLI writes the summary's keys with `flows` last, as it always has)
      const { flows, ...rest } = whole;
      assert.equal(json.stdout, `${JSON.stringify({ ...rest, flows })}\n`, file);
      for (const top of [0, 5, 1000]) assert.equal(cli('analyze', '--top', String(top), file).stdout, renderSummary(whole, file, top), `${file} --top ${top}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
