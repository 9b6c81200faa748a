// readCaptureFile / readCaptureStream: one reused buffer, progress, abort, streams, and what
// happens to a corrupt file (what was read is kept).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream, mkdtempSync, rmSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCaptureFile, readCaptureStream } from '../../../src/core/pcap/readCaptureFile.js';
import { CaptureFormatError } from '../../../src/core/pcap/types.js';
import { buildPcap, pcapHeader, pcapRecord } from '../../support/captureBuilder.js';
import { FIXTURES, fixture, run } from './readerHarness.js';

test('readCaptureFile: small chunks, progress up to the file size, same packets as in memory', async () => {
  const file = join(FIXTURES, 'gen_multi_if.pcapng');
  const want = run(fixture('gen_multi_if.pcapng'), { keep: true });
  const progress: number[] = [];
  const sizes: number[] = [];
  const res = await readCaptureFile(
    file,
    { packet: (rec) => sizes.push(rec.capLen) },
    { chunkBytes: 4099, onProgress: (n, total) => { progress.push(n); assert.equal(total, 297768); } },
  );
  assert.deepEqual(res.end, { format: 'pcapng' });
  assert.equal(res.fileBytes, 297768);
  assert.equal(res.stats.bytesConsumed, 297768);
  assert.equal(res.stats.packets, 1672);
  assert.deepEqual(sizes, want.packets.map((p) => p.capLen));
  assert.equal(progress.at(-1), 297768);
  assert.ok(progress.every((n, i) => i === 0 || n > progress[i - 1]));
});

test('readCaptureFile: a corrupt record mid-file keeps what was read (truncated + corrupt)', async () => {
  let n = 0;
  const res = await readCaptureFile(join(FIXTURES, 'gen_lo_badcaplen.pcap'), { packet: () => n++ }, { chunkBytes: 100 });
  assert.equal(n, 9);
  assert.equal(res.end.corrupt, true);
  assert.equal(res.end.truncated?.offset, 860);
  assert.equal(res.stats.bytesConsumed, 860);
});

test('readCaptureFile: an error before anything was delivered is thrown; so is a missing file', async () => {
  await assert.rejects(readCaptureFile(join(FIXTURES, 'README.md'), { packet: () => undefined }), CaptureFormatError);
  await assert.rejects(readCaptureFile(join(FIXTURES, 'no-such-file.pcap'), { packet: () => undefined }), /ENOENT/);
});

test('readCaptureFile: an AbortSignal stops the reading', async () => {
  const ac = new AbortController();
  let n = 0;
  await assert.rejects(
    readCaptureFile(join(FIXTURES, 'ppp_example.pcap'), { packet: () => n++ }, {
      chunkBytes: 65536,
      signal: ac.signal,
      onProgress: () => ac.abort(),
    }),
    { name: 'AbortError' },
  );
  assert.ok(n > 0 && n < 4631, `${n} packets before the abort`);
});

test('readCaptureStream: a Node stream in small pieces = the file', async () => {
  const file = join(FIXTURES, 'ppp_pcapng-example.pcapng');
  const want = run(fixture('ppp_pcapng-example.pcapng'), { keep: false });
  let n = 0;
  const res = await readCaptureStream(createReadStream(file, { highWaterMark: 333 }), { packet: () => n++ });
  assert.equal(n, want.stats.packets);
  assert.deepEqual(res.end, { format: 'pcapng' });
  assert.equal(res.fileBytes, fixture('ppp_pcapng-example.pcapng').length);

  async function* pieces(): AsyncGenerator<Uint8Array> {
    const bytes = buildPcap({ packets: [{ data: new Uint8Array(10) }, { data: new Uint8Array(10) }] });
    yield bytes.subarray(0, 30);
    yield bytes.subarray(30, 60);
  }
  let m = 0;
  const cut = await readCaptureStream(pieces(), { packet: () => m++ });
  assert.equal(m, 1);
  assert.deepEqual(cut.end.truncated, { offset: 50, reason: 'pcap record 1 header cut short: 10 of 16 bytes' });
});

test('readCaptureFile: memory does not grow with the file (64 MB, 1 M packets)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'falcoshark-pcap-'));
  try {
    const file = join(dir, 'big.pcap');
    const rec = pcapRecord({ data: new Uint8Array(48).fill(1), tsSec: 1 });
    const block = new Uint8Array(rec.length * 16384);
    for (let i = 0; i < 16384; i++) block.set(rec, i * rec.length);
    writeFileSync(file, pcapHeader());
    const fd = openSync(file, 'a');
    for (let i = 0; i < 64; i++) writeSync(fd, block);
    closeSync(fd);
    global.gc?.();
    const before = process.memoryUsage().rss;
    let peak = before;
    let n = 0;
    const res = await readCaptureFile(file, { packet: () => n++ }, {
      onProgress: () => {
        peak = Math.max(peak, process.memoryUsage().rss);
      },
    });
    assert.equal(n, 64 * 16384);
    assert.deepEqual(res.end, { format: 'pcap' });
    assert.ok(peak - before < 32 * 1024 * 1024, `RSS grew by ${((peak - before) / 1048576).toFixed(1)} MB`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
