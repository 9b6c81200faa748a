// What CaptureReader needs from a format-specific parser (pcap, pcapng). The reader owns the
// bytes (chunks and the carry buffer for an item that straddles chunks); a parser walks
// complete items and tells how long the next one is.

import type { CaptureFormat, CaptureSink, InterfaceInfo, PacketRecord, ReaderStats, SectionInfo } from './types.js';

export interface ParserContext {
  readonly sink: CaptureSink;
  /** Forward a section / interface to the sink (the reader counts them). */
  section(info: SectionInfo): void;
  interface(info: InterfaceInfo): void;
  readonly rec: PacketRecord;
  readonly stats: ReaderStats;
  readonly maxRecordBytes: number;
}

export interface RecordParser {
  readonly format: CaptureFormat;
  /** Bytes needed before the item at buf[pos] can be parsed, given that `avail` bytes are
   *  there: its header size while the header is incomplete, then its total length (validated:
   *  throws CaptureFormatError on a malformed or oversized length). `fileOffset` is the file
   *  offset of buf[pos]. */
  itemLength(buf: Uint8Array, pos: number, avail: number, fileOffset: number): number;
  /** Parses every complete item in buf[pos .. end) and returns the position of the first
   *  incomplete one (or `end`). `fileBase` is the file offset of buf[0]. */
  run(buf: Uint8Array, pos: number, end: number, fileBase: number): number;
  /** Why `avail` bytes of an item (at buf[0]) are not enough, for ReaderEnd.truncated. */
  incompleteReason(buf: Uint8Array, avail: number): string;
}

export function dataViewOf(buf: Uint8Array): DataView {
  return new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
}

export function hex32(v: number): string {
  return `0x${(v >>> 0).toString(16).padStart(8, '0')}`;
}
