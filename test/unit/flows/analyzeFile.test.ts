import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeFile, analyzeStream } from '../../../src/core/flows/analyzeFile.js';
import { CaptureFormatError } from '../../../src/core/pcap/types.js';
import { buildCapture } from '../../support/captureBuilder.js';
import { tcp4, udp4, ACK, SYN } from './packets.js';

const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'pcap');

async function* chunks(data: Uint8Array, size: number): AsyncIterable<Uint8Array> {
  for (let i = 0; i < data.length; i += size) yield data.slice(i, i + size);
}

test('bad magic: the reader\'s CaptureFormatError is thrown', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'flows-'));
  try {
    const p = join(dir, 'junk.pcap');
    writeFileSync(p, new TextEncoder().encode('this is not a capture file at all, just text\n'));
    await assert.rejects(analyzeFile(p), CaptureFormatError);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a file cut mid-packet gives the summary of what was read, with truncated', async () => {
  const s = await analyzeFile(join(FIXTURES, 'gen_lo_cut.pcap'));
  assert.equal(s.totals.packets, 317);
  assert.ok(s.truncated);
  assert.ok(s.truncated.offset > 0 && s.truncated.offset <= 50000, JSON.stringify(s.truncated));
  assert.ok(s.flows.length > 0);
  assert.equal(s.format, 'pcap');
  assert.equal(s.fileBytes, 50000);
  const full = await analyzeFile(join(FIXTURES, 'gen_lo.pcap'));
  assert.equal(full.truncated, undefined);
});

test('pcap and pcapng of the same packets give the same flows; comments and interfaces kept', async () => {
  const a = await analyzeFile(join(FIXTURES, 'gen_lo.pcap'));
  const b = await analyzeFile(join(FIXTURES, 'gen_lo.pcapng'));
  const key = (s: typeof a): string[] => s.flows.map((f) => `${f.protocol} ${f.client.ip}:${f.client.port} ${f.server.ip}:${f.server.port} ${f.packets.fromClient}/${f.packets.fromServer}`);
  assert.deepEqual(key(a), key(b));
  assert.equal(b.format, 'pcapng');
  assert.ok(b.comments.length > 0, 'gen_lo.pcapng has an SHB comment');
  assert.equal(b.interfaces.length, 1);
});

test('analyzeStream fed one byte at a time equals analyzeFile', async () => {
  const file = join(FIXTURES, 'gen_lo.pcapng');
  const whole = await analyzeFile(file);
  const bytewise = await analyzeStream(chunks(readFileSync(file), 1));
  delete whole.fileBytes;
  delete bytewise.fileBytes;
  assert.deepEqual(bytewise, whole);
});

test('a built capture (captureBuilder) through the reader: pcap ns and pcapng', async () => {
  const packets = [
    { data: tcp4('10.0.0.1', 4000, '10.0.0.2', 80, SYN), tsSec: 1700000000, tsNsec: 123456789 },
    { data: tcp4('10.0.0.2', 80, '10.0.0.1', 4000, SYN | ACK), tsSec: 1700000000, tsNsec: 223456789 },
    { data: udp4('10.0.0.1', 5000, '10.0.0.3', 53), tsSec: 1700000001, tsNsec: 0, origLen: 1000 },
  ];
  for (const format of ['pcap', 'pcapng'] as const) {
    const s = await analyzeStream(chunks(buildCapture(format, packets, { nano: true }), 7));
    assert.equal(s.flows.length, 2, format);
    assert.equal(s.flows[0].firstSeen, '2023-11-14T22:13:20.123456789Z');
    assert.equal(s.flows[1].bytes.fromClient, 1000);
    assert.equal(s.totals.durationSeconds, 0.876543211);
  }
});

test('an aborted analysis rejects', async () => {
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(analyzeFile(join(FIXTURES, 'gen_lo.pcap'), { signal: ac.signal }));
});

test('progress is reported with the file size', async () => {
  const seen: [number, number | undefined][] = [];
  await analyzeFile(join(FIXTURES, 'gen_lo.pcap'), { onProgress: (n, total) => seen.push([n, total]) });
  assert.ok(seen.length > 0);
  assert.equal(seen[seen.length - 1][0], seen[seen.length - 1][1]);
});
