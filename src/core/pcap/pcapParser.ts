// Classic libpcap files: a 24-byte global header, then 16-byte record headers each followed by
// caplen bytes. Microsecond (a1b2c3d4) and nanosecond (a1b23c4d) magics in either byte order.

import { CaptureFormatError } from './types.js';
import type { InterfaceInfo, SectionInfo } from './types.js';
import { dataViewOf, hex32 } from './recordParser.js';
import type { ParserContext, RecordParser } from './recordParser.js';
import { setTs32 } from './timestamps.js';

export const PCAP_GLOBAL_HEADER_BYTES = 24;
export const PCAP_RECORD_HEADER_BYTES = 16;

/** Byte order and resolution from the first 4 bytes, or undefined when they are no pcap magic. */
export function pcapMagic(b: Uint8Array, pos: number): { bigEndian: boolean; nano: boolean } | undefined {
  const b0 = b[pos];
  const b1 = b[pos + 1];
  const b2 = b[pos + 2];
  const b3 = b[pos + 3];
  if (b0 === 0xa1 && b1 === 0xb2) {
    if (b2 === 0xc3 && b3 === 0xd4) return { bigEndian: true, nano: false };
    if (b2 === 0x3c && b3 === 0x4d) return { bigEndian: true, nano: true };
  }
  if (b2 === 0xb2 && b3 === 0xa1) {
    if (b0 === 0xd4 && b1 === 0xc3) return { bigEndian: false, nano: false };
    if (b0 === 0x4d && b1 === 0x3c) return { bigEndian: false, nano: true };
  }
  return undefined;
}

export class PcapParser implements RecordParser {
  readonly format = 'pcap' as const;
  private headerDone = false;
  private readonly le: boolean;
  private readonly nano: boolean;
  /** Versions before 2.3 (and 2.3 when caplen > len) wrote len and caplen the other way round. */
  private oldLenOrder = 0;

  constructor(
    private readonly ctx: ParserContext,
    magic: { bigEndian: boolean; nano: boolean },
  ) {
    this.le = !magic.bigEndian;
    this.nano = magic.nano;
  }

  itemLength(buf: Uint8Array, pos: number, avail: number, fileOffset: number): number {
    if (!this.headerDone) return PCAP_GLOBAL_HEADER_BYTES;
    if (avail < PCAP_RECORD_HEADER_BYTES) return PCAP_RECORD_HEADER_BYTES;
    const dv = dataViewOf(buf);
    let capLen = dv.getUint32(pos + 8, this.le);
    const origLen = dv.getUint32(pos + 12, this.le);
    if (this.oldLenOrder === 2 || (this.oldLenOrder === 1 && capLen > origLen)) capLen = origLen;
    this.checkCapLen(capLen, fileOffset);
    return PCAP_RECORD_HEADER_BYTES + capLen;
  }

  incompleteReason(buf: Uint8Array, avail: number): string {
    if (!this.headerDone) {
      return `pcap global header cut short: ${avail} of ${PCAP_GLOBAL_HEADER_BYTES} bytes`;
    }
    const n = this.ctx.stats.packets;
    if (avail < PCAP_RECORD_HEADER_BYTES) {
      return `pcap record ${n} header cut short: ${avail} of ${PCAP_RECORD_HEADER_BYTES} bytes`;
    }
    const want = this.itemLength(buf, 0, avail, 0);
    return `pcap record ${n} cut short in the middle of the packet: ${avail} of ${want} bytes`;
  }

  private checkCapLen(capLen: number, recordOffset: number): void {
    const max = this.ctx.maxRecordBytes;
    if (capLen > max) {
      throw new CaptureFormatError(
        `pcap record caplen ${capLen} at offset ${recordOffset} exceeds the limit of ${max} bytes`,
        recordOffset + 8,
        `caplen <= ${max}`,
        recordOffset,
      );
    }
  }

  private parseHeader(buf: Uint8Array, pos: number, fileOffset: number): void {
    const dv = dataViewOf(buf);
    const le = this.le;
    const major = dv.getUint16(pos + 4, le);
    const minor = dv.getUint16(pos + 6, le);
    if (major !== 2) {
      throw new CaptureFormatError(
        `unsupported pcap version ${major}.${minor} at offset ${fileOffset + 4} (only major version 2 exists)`,
        fileOffset + 4,
        'pcap version 2.x',
      );
    }
    if (minor < 3) this.oldLenOrder = 2;
    else if (minor === 3) this.oldLenOrder = 1;
    const snapLen = dv.getUint32(pos + 16, le);
    const ltField = dv.getUint32(pos + 20, le);
    const reserved = ltField & 0x03ff0000;
    if (reserved !== 0) {
      throw new CaptureFormatError(
        `pcap link-type field ${hex32(ltField)} at offset ${fileOffset + 20} has reserved bits ${hex32(reserved)} set`,
        fileOffset + 20,
        'reserved bits 16-25 of the link-type field zero',
      );
    }
    const linkType = ltField & 0xffff;
    const section: SectionInfo = {
      format: 'pcap',
      sectionIndex: 0,
      bigEndian: !le,
      nanosecond: this.nano,
      versionMajor: major,
      versionMinor: minor,
      comments: [],
    };
    const iface: InterfaceInfo = {
      sectionIndex: 0,
      interfaceId: 0,
      linkType,
      snapLen,
      comments: [],
      tsUnitsPerSecond: this.nano ? 1e9 : 1e6,
      tsOffsetSec: 0,
    };
    if ((ltField & 0x04000000) !== 0) iface.fcsLenBytes = (ltField >>> 28) * 2;
    const rec = this.ctx.rec;
    rec.linkType = linkType;
    rec.interfaceId = 0;
    rec.sectionIndex = 0;
    rec.comments.length = 0;
    this.headerDone = true;
    this.ctx.section(section);
    this.ctx.interface(iface);
  }

  run(buf: Uint8Array, pos: number, end: number, fileBase: number): number {
    if (!this.headerDone) {
      if (end - pos < PCAP_GLOBAL_HEADER_BYTES) return pos;
      this.parseHeader(buf, pos, fileBase + pos);
      pos += PCAP_GLOBAL_HEADER_BYTES;
    }
    const dv = dataViewOf(buf);
    const le = this.le;
    const nano = this.nano;
    const max = this.ctx.maxRecordBytes;
    const { rec, sink, stats } = this.ctx;
    const oldLenOrder = this.oldLenOrder;
    while (end - pos >= PCAP_RECORD_HEADER_BYTES) {
      let capLen = dv.getUint32(pos + 8, le);
      let origLen = dv.getUint32(pos + 12, le);
      if (oldLenOrder !== 0 && (oldLenOrder === 2 || capLen > origLen)) {
        // Writers before 2.3 stored len and caplen the other way round (as libpcap and
        // Wireshark assume: always below 2.3, for 2.3 when "caplen" > "len").
        const t = capLen;
        capLen = origLen;
        origLen = t;
      }
      if (capLen > max) this.checkCapLen(capLen, fileBase + pos);
      const next = pos + PCAP_RECORD_HEADER_BYTES + capLen;
      if (next > end) break;
      if (setTs32(rec, dv.getUint32(pos, le), dv.getUint32(pos + 4, le), nano)) stats.invalidTimestamps++;
      rec.buf = buf;
      rec.offset = pos + PCAP_RECORD_HEADER_BYTES;
      rec.capLen = capLen;
      rec.origLen = origLen;
      rec.index = stats.packets++;
      sink.packet(rec);
      pos = next;
    }
    return pos;
  }
}
