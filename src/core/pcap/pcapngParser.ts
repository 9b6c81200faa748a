// pcapng: a sequence of blocks (type u32, total length u32, body, total length u32 again).
// Each Section Header Block starts a section with its own byte order and interfaces.
// Packets come from Enhanced (6), Simple (3) and obsolete Packet (2) blocks; every other block
// type is passed over and counted in stats.skippedBlocks.

import { CaptureFormatError } from './types.js';
import type { SectionInfo } from './types.js';
import { dataViewOf, hex32 } from './recordParser.js';
import type { ParserContext, RecordParser } from './recordParser.js';
import { OPT_COMMENT, optionString, parseInterfaceBlock, parseSectionOptions, walkOptions } from './pcapngOptions.js';
import type { InterfaceState } from './pcapngOptions.js';
import { setTs64 } from './timestamps.js';

export const BT_SHB = 0x0a0d0d0a;
const BT_IDB = 1;
const BT_PB = 2;
const BT_SPB = 3;
const BT_EPB = 6;
const BOM = 0x1a2b3c4d;

const BLOCK_NAMES: Record<number, string> = {
  [BT_SHB]: 'SHB',
  [BT_IDB]: 'IDB',
  [BT_PB]: 'Packet Block',
  [BT_SPB]: 'SPB',
  [BT_EPB]: 'EPB',
};

/** Smallest total length of each block type we parse (header + fixed fields + trailer). */
const MIN_LENGTH: Record<number, number> = { [BT_SHB]: 28, [BT_IDB]: 20, [BT_PB]: 32, [BT_SPB]: 16, [BT_EPB]: 32 };

function blockName(type: number): string {
  return BLOCK_NAMES[type] ?? `block ${hex32(type)}`;
}

export class PcapngParser implements RecordParser {
  readonly format = 'pcapng' as const;
  /** Byte order of the current section. */
  private le = true;
  private sectionIndex = -1;
  private ifaces: InterfaceState[] = [];

  constructor(private readonly ctx: ParserContext) {}

  /** Byte order of the SHB at buf[pos] from its byte-order magic. */
  private sectionOrder(dv: DataView, pos: number, fileOffset: number): boolean {
    const bom = dv.getUint32(pos + 8, true);
    if (bom === BOM) return true;
    if (bom === 0x4d3c2b1a) return false;
    throw new CaptureFormatError(
      `pcapng byte-order magic ${hex32(dv.getUint32(pos + 8, false))} at offset ${fileOffset + 8} is not 1a2b3c4d in either byte order`,
      fileOffset + 8,
      'byte-order magic 0x1a2b3c4d',
      fileOffset,
    );
  }

  private badLength(type: number, len: number, fileOffset: number): never {
    const name = blockName(type);
    const max = this.ctx.maxRecordBytes;
    let why: string;
    let expected: string;
    if ((len & 3) !== 0) {
      why = 'is not a multiple of 4';
      expected = 'a multiple of 4';
    } else if (len > max) {
      why = `exceeds the limit of ${max} bytes`;
      expected = `<= ${max}`;
    } else {
      const min = MIN_LENGTH[type] ?? 12;
      why = `is below the minimum of ${min} bytes for this block type`;
      expected = `>= ${min}`;
    }
    throw new CaptureFormatError(
      `pcapng block total length ${len} at offset ${fileOffset} ${why} (${name})`,
      fileOffset + 4,
      expected,
      fileOffset,
    );
  }

  private checkLength(type: number, len: number, fileOffset: number): void {
    if ((len & 3) !== 0 || len > this.ctx.maxRecordBytes || len < (MIN_LENGTH[type] ?? 12)) {
      this.badLength(type, len, fileOffset);
    }
  }

  itemLength(buf: Uint8Array, pos: number, avail: number, fileOffset: number): number {
    if (avail < 8) return 8;
    const dv = dataViewOf(buf);
    let le = this.le;
    const type = dv.getUint32(pos, le);
    if (type === BT_SHB) {
      if (avail < 12) return 12;
      le = this.sectionOrder(dv, pos, fileOffset);
    }
    const len = dv.getUint32(pos + 4, le);
    this.checkLength(type, len, fileOffset);
    return len;
  }

  incompleteReason(buf: Uint8Array, avail: number): string {
    if (avail < 8) return `pcapng block header cut short: ${avail} of 8 bytes`;
    const type = dataViewOf(buf).getUint32(0, this.le);
    if (type === BT_SHB && avail < 12) return `pcapng section header cut short: ${avail} of 12 bytes`;
    const want = this.itemLength(buf, 0, avail, 0);
    return `pcapng ${blockName(type)} cut short: ${avail} of ${want} bytes`;
  }

  run(buf: Uint8Array, pos: number, end: number, fileBase: number): number {
    const dv = dataViewOf(buf);
    const max = this.ctx.maxRecordBytes;
    while (end - pos >= 12) {
      let le = this.le;
      const type = dv.getUint32(pos, le);
      if (type === BT_SHB) le = this.sectionOrder(dv, pos, fileBase + pos);
      const len = dv.getUint32(pos + 4, le);
      if ((len & 3) !== 0 || len < 12 || len > max) this.badLength(type, len, fileBase + pos);
      const next = pos + len;
      if (next > end) break;
      const trailer = dv.getUint32(next - 4, le);
      if (trailer !== len) {
        throw new CaptureFormatError(
          `pcapng ${blockName(type)} at offset ${fileBase + pos}: trailing total length ${trailer} at offset ${fileBase + next - 4} does not match the leading ${len}`,
          fileBase + next - 4,
          `trailing length ${len}`,
          fileBase + pos,
        );
      }
      if (type === BT_EPB) {
        if (len < 32) this.badLength(type, len, fileBase + pos);
        this.packet(buf, dv, le, pos, next, dv.getUint32(pos + 8, le), fileBase);
      } else {
        this.otherBlock(type, buf, dv, le, pos, len, fileBase);
      }
      pos = next;
    }
    return pos;
  }

  /** EPB and obsolete PB: the same layout after the interface id. */
  private packet(buf: Uint8Array, dv: DataView, le: boolean, pos: number, next: number, ifId: number, fileBase: number): void {
    const ifc = this.ifaces[ifId];
    if (ifc === undefined) this.noInterface(dv, le, pos, ifId, fileBase);
    const capLen = dv.getUint32(pos + 20, le);
    const room = next - pos - 32;
    if (capLen > room) {
      throw new CaptureFormatError(
        `pcapng ${blockName(dv.getUint32(pos, le))} at offset ${fileBase + pos}: captured length ${capLen} exceeds the ${room} bytes the block holds`,
        fileBase + pos + 20,
        `captured length <= ${room}`,
        fileBase + pos,
      );
    }
    const { rec, stats } = this.ctx;
    setTs64(rec, dv.getUint32(pos + 12, le), dv.getUint32(pos + 16, le), ifc.res, ifc.offsetSec);
    rec.buf = buf;
    rec.offset = pos + 28;
    rec.capLen = capLen;
    rec.origLen = dv.getUint32(pos + 24, le);
    rec.linkType = ifc.linkType;
    rec.interfaceId = ifId;
    rec.sectionIndex = this.sectionIndex;
    const optStart = pos + 28 + ((capLen + 3) & ~3);
    if (optStart < next - 4) this.packetOptions(buf, dv, le, pos, optStart, next - 4, fileBase);
    else if (rec.comments.length !== 0) rec.comments.length = 0;
    rec.index = stats.packets++;
    this.ctx.sink.packet(rec);
  }

  private noInterface(dv: DataView, le: boolean, pos: number, ifId: number, fileBase: number): never {
    const name = blockName(dv.getUint32(pos, le));
    throw new CaptureFormatError(
      `pcapng ${name} at offset ${fileBase + pos} refers to interface ${ifId}, but section ${this.sectionIndex} has ${this.ifaces.length} interface(s)`,
      fileBase + pos + 8,
      `interface id < ${this.ifaces.length}`,
      fileBase + pos,
    );
  }

  private packetOptions(buf: Uint8Array, dv: DataView, le: boolean, pos: number, start: number, end: number, fileBase: number): void {
    const comments = this.ctx.rec.comments;
    comments.length = 0;
    walkOptions(dv, le, start, end, fileBase, blockName(dv.getUint32(pos, le)), pos, (code, vs, n) => {
      if (code === OPT_COMMENT) comments.push(optionString(buf, vs, n));
    });
  }

  private otherBlock(type: number, buf: Uint8Array, dv: DataView, le: boolean, pos: number, len: number, fileBase: number): void {
    switch (type) {
      case BT_SHB:
        this.section(buf, dv, le, pos, len, fileBase);
        return;
      case BT_IDB: {
        if (len < 20) this.badLength(type, len, fileBase + pos);
        const st = parseInterfaceBlock(buf, dv, le, pos, len, fileBase, this.sectionIndex, this.ifaces.length);
        this.ifaces.push(st);
        this.ctx.interface(st.info);
        return;
      }
      case BT_SPB:
        this.simplePacket(buf, dv, le, pos, len, fileBase);
        return;
      case BT_PB:
        if (len < 32) this.badLength(type, len, fileBase + pos);
        this.packet(buf, dv, le, pos, pos + len, dv.getUint16(pos + 8, le), fileBase);
        return;
      default: {
        const key = hex32(type);
        const skipped = this.ctx.stats.skippedBlocks;
        skipped[key] = (skipped[key] ?? 0) + 1;
      }
    }
  }

  private section(buf: Uint8Array, dv: DataView, le: boolean, pos: number, len: number, fileBase: number): void {
    if (len < 28) this.badLength(BT_SHB, len, fileBase + pos);
    const major = dv.getUint16(pos + 12, le);
    const minor = dv.getUint16(pos + 14, le);
    // 1.0 is the only version in use; 1.2 was written by some old tools and is read by
    // libpcap and Wireshark as 1.0. Wireshark rejects 0.x and 1.1, and so do we.
    if (major !== 1 || (minor !== 0 && minor !== 2)) {
      throw new CaptureFormatError(
        `unsupported pcapng version ${major}.${minor} at offset ${fileBase + pos + 12}`,
        fileBase + pos + 12,
        'pcapng version 1.0',
        fileBase + pos,
      );
    }
    const info: SectionInfo = {
      format: 'pcapng',
      sectionIndex: this.sectionIndex + 1,
      bigEndian: !le,
      versionMajor: major,
      versionMinor: minor,
      comments: [],
    };
    parseSectionOptions(buf, dv, le, pos, len, fileBase, info);
    this.le = le;
    this.sectionIndex++;
    this.ifaces = [];
    this.ctx.section(info);
  }

  private simplePacket(buf: Uint8Array, dv: DataView, le: boolean, pos: number, len: number, fileBase: number): void {
    if (len < 16) this.badLength(BT_SPB, len, fileBase + pos);
    const ifc = this.ifaces[0];
    if (ifc === undefined) this.noInterface(dv, le, pos, 0, fileBase);
    const origLen = dv.getUint32(pos + 8, le);
    // The spec: captured length = min(original length, the interface's snaplen); and never
    // more than the block holds.
    let capLen = Math.min(origLen, len - 16);
    if (ifc.snapLen !== 0 && capLen > ifc.snapLen) capLen = ifc.snapLen;
    const { rec, stats } = this.ctx;
    rec.tsSec = 0;
    rec.tsNsec = 0;
    rec.buf = buf;
    rec.offset = pos + 12;
    rec.capLen = capLen;
    rec.origLen = origLen;
    rec.linkType = ifc.linkType;
    rec.interfaceId = 0;
    rec.sectionIndex = this.sectionIndex;
    if (rec.comments.length !== 0) rec.comments.length = 0;
    rec.index = stats.packets++;
    this.ctx.sink.packet(rec);
  }
}
