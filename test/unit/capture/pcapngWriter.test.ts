import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { enhancedPacketBlock, interfaceDescriptionBlock, sectionHeaderBlock } from '../../../src/core/capture/pcapngWriter.js';
import { requireTool } from '../../support/prereq.js';

// A minimal Ethernet/IPv4/UDP frame 10.0.0.1:1000 -> 10.0.0.2:53.
function udpFrame(): Uint8Array {
  const f = new Uint8Array(14 + 20 + 8 + 4);
  f.set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x08, 0x00], 0);
  f.set([0x45, 0, 0, 32, 0, 1, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2], 14);
  f.set([0x03, 0xe8, 0, 53, 0, 12, 0, 0, 0xde, 0xad, 0xbe, 0xef], 34);
  return f;
}

test('tshark reads what the writer writes: comments, interface name, nanosecond timestamps', (t) => {
  if (!requireTool(t, 'tshark')) return;
  const dir = mkdtempSync(join(tmpdir(), 'fs-writer-'));
  try {
    const file = join(dir, 'w.pcapng');
    const parts = [
      sectionHeaderBlock({ comments: ['falcoshark: rule "Outbound C2" <b>x</b> ünïcode'], userApplication: 'falcoshark test' }),
      interfaceDescriptionBlock({ linkType: 1, snapLen: 262144, name: 'shop/api-7d9', description: 'pod shop/api-7d9 container api' }),
      enhancedPacketBlock(0, 1764000000, 123456789, udpFrame(), 46, ['alerted flow']),
      enhancedPacketBlock(0, 4294967295 + 10, 999999999, udpFrame(), 60), // beyond 2106
      enhancedPacketBlock(0, 1764000001, 5, udpFrame(), 46, [], 1e9),
    ];
    writeFileSync(file, Buffer.concat(parts));
    const out = execFileSync('tshark', ['-r', file, '-T', 'fields', '-e', 'frame.time_epoch', '-e', 'frame.len', '-e', 'frame.comment', '-e', 'frame.interface_name'], { encoding: 'utf8' });
    const rows = out.trim().split('\n').map((l) => l.split('\t'));
    assert.equal(rows.length, 3);
    assert.equal(rows[0][0], '1764000000.123456789');
    assert.equal(rows[0][1], '46');
    assert.equal(rows[0][2], 'alerted flow');
    assert.equal(rows[0][3], 'shop/api-7d9');
    assert.equal(rows[1][0], '4294967305.999999999');
    assert.equal(rows[1][1], '60');
    assert.equal(rows[2][0], '1764000001.000000005');
    const info = execFileSync('capinfos', [file], { encoding: 'utf8' });
    assert.match(info, /Capture comment:\s+falcoshark: rule "Outbound C2" <b>x<\/b> ünïcode/);
    assert.match(info, /Capture application:\s+falcoshark test/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('microsecond interfaces and very long comments', (t) => {
  if (!requireTool(t, 'tshark')) return;
  const dir = mkdtempSync(join(tmpdir(), 'fs-writer-'));
  try {
    const file = join(dir, 'w.pcapng');
    writeFileSync(file, Buffer.concat([
      sectionHeaderBlock({ comments: ['x'.repeat(200_000)] }),
      interfaceDescriptionBlock({ linkType: 1, snapLen: 65535, nanosecond: false }),
      enhancedPacketBlock(0, 1764000000, 123456789, udpFrame(), 46, [], 1e6),
    ]));
    const out = execFileSync('tshark', ['-r', file, '-T', 'fields', '-e', 'frame.time_epoch'], { encoding: 'utf8' });
    assert.equal(out.trim(), '1764000000.123456000');
    assert.match(execFileSync('capinfos', [file], { encoding: 'utf8' }), /…\[truncated\]/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
