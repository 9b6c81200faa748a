// Test harness: runs a CaptureReader over bytes cut into chunks and collects what came out
// (packets copied, since the reader reuses its record), plus a hash of the packet sequence.

import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CaptureReader } from '../../../src/core/pcap/captureReader.js';
import { CaptureFormatError } from '../../../src/core/pcap/types.js';
import type { InterfaceInfo, PacketRecord, ReaderEnd, ReaderLimits, ReaderStats, SectionInfo } from '../../../src/core/pcap/types.js';

export const FIXTURES = join(__dirname, '../../fixtures/pcap');

/** A record as the reader delivered it, with its bytes copied out. */
export type Packet = Omit<PacketRecord, 'buf' | 'offset'> & { data: Uint8Array };

export interface RunResult {
  packets: Packet[];
  sections: SectionInfo[];
  interfaces: InterfaceInfo[];
  end: ReaderEnd | undefined;
  stats: ReaderStats;
  error: CaptureFormatError | undefined;
  hash: string;
}

function copy(rec: PacketRecord): Packet {
  return {
    data: rec.buf.slice(rec.offset, rec.offset + rec.capLen),
    capLen: rec.capLen,
    origLen: rec.origLen,
    linkType: rec.linkType,
    tsSec: rec.tsSec,
    tsNsec: rec.tsNsec,
    interfaceId: rec.interfaceId,
    sectionIndex: rec.sectionIndex,
    index: rec.index,
    comments: [...rec.comments],
  };
}

/** Feeds `bytes` in chunks of the given sizes (cycled; default: whole), keeping every packet
 *  unless keep is false (then only the hash). A CaptureFormatError ends the run and is returned. */
export function run(
  bytes: Uint8Array,
  opts: { chunkSizes?: number[]; keep?: boolean; limits?: Partial<ReaderLimits> } = {},
): RunResult {
  const packets: Packet[] = [];
  const sections: SectionInfo[] = [];
  const interfaces: InterfaceInfo[] = [];
  const hash = createHash('sha256');
  const keep = opts.keep !== false;
  const head = Buffer.alloc(40);
  const reader = new CaptureReader(
    {
      packet(rec) {
        const dv = new DataView(head.buffer, head.byteOffset, head.length);
        dv.setFloat64(0, rec.tsSec);
        dv.setFloat64(8, rec.tsNsec);
        dv.setUint32(16, rec.capLen);
        dv.setUint32(20, rec.origLen);
        dv.setUint32(24, rec.linkType);
        dv.setUint32(28, rec.interfaceId);
        dv.setUint32(32, rec.sectionIndex);
        dv.setUint32(36, rec.index);
        hash.update(head);
        hash.update(rec.buf.subarray(rec.offset, rec.offset + rec.capLen));
        if (rec.comments.length > 0) hash.update(JSON.stringify(rec.comments));
        if (keep) packets.push(copy(rec));
      },
      section(info) {
        sections.push(info);
      },
      interface(info) {
        interfaces.push(info);
      },
    },
    opts.limits,
  );
  const sizes = opts.chunkSizes ?? [bytes.length];
  let error: CaptureFormatError | undefined;
  let at = 0;
  let i = 0;
  try {
    while (at < bytes.length) {
      const n = Math.max(1, sizes[i++ % sizes.length]);
      reader.push(bytes.subarray(at, at + n));
      at += n;
    }
  } catch (err) {
    if (!(err instanceof CaptureFormatError)) throw err;
    error = err;
  }
  const end = reader.end();
  return { packets, sections, interfaces, end, stats: reader.stats, error, hash: hash.digest('hex') };
}

export interface ManifestRow {
  file: string;
  format: string;
  linkTypes: string;
  packets: string;
  note: string;
}

export function manifest(): ManifestRow[] {
  const rows: ManifestRow[] = [];
  for (const line of readFileSync(join(FIXTURES, 'MANIFEST.tsv'), 'utf8').split('\n').slice(1)) {
    const c = line.split('\t');
    if (c.length < 9) continue;
    rows.push({ file: c[0], format: c[4], linkTypes: c[5], packets: c[6], note: c[8] });
  }
  return rows;
}

/** Capture files in the fixture folder (by content, whatever their extension). */
export function fixtureCaptures(): string[] {
  return readdirSync(FIXTURES)
    .filter((f) => !/\.(tsv|txt|md)$/.test(f))
    .sort();
}

export function fixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(FIXTURES, name)));
}
