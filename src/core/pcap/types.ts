// The contract between the capture-file reader (pcap / pcapng, src/core/pcap) and whatever
// consumes its packets (the flow analyzer in src/core/flows, tests, the capture runner).
//
// The reader is a push parser: bytes go in with `push(chunk)` as they arrive (file, socket,
// remote process stdout), packets come out through a `CaptureSink`. Memory does not grow with
// the number of packets: the reader keeps at most one partial record between chunks.

/** One packet. The reader REUSES this object and the bytes it points at: a sink that keeps
 *  anything after `packet()` returns must copy it. */
export interface PacketRecord {
  /** Bytes of the captured packet: `buf[offset .. offset + capLen)`. */
  buf: Uint8Array;
  offset: number;
  /** Captured length (what is in the file). */
  capLen: number;
  /** Original length on the wire (what tshark's conversation tables count). */
  origLen: number;
  /** LINKTYPE_* value of the interface the packet came from (1 = Ethernet, 276 = SLL2, …). */
  linkType: number;
  /** Timestamp: whole seconds since the epoch, and the nanoseconds within that second
   *  (0 ≤ tsNsec < 1e9). Two numbers, no BigInt, exact to the nanosecond. */
  tsSec: number;
  tsNsec: number;
  /** pcapng interface index within its section (0 for pcap); unique over the file when
   *  combined with `sectionIndex`. */
  interfaceId: number;
  sectionIndex: number;
  /** 0-based index of this packet in the file. */
  index: number;
  /** pcapng `opt_comment`s of this packet (empty array when none; reused — copy to keep). */
  comments: string[];
}

export type CaptureFormat = 'pcap' | 'pcapng';

export interface SectionInfo {
  format: CaptureFormat;
  sectionIndex: number;
  /** Byte order of the section as written in the file. */
  bigEndian: boolean;
  /** pcap: magic 0xa1b23c4d; pcapng: per-interface, see InterfaceInfo.tsResolution. */
  nanosecond?: boolean;
  versionMajor: number;
  versionMinor: number;
  comments: string[];
  hardware?: string;
  os?: string;
  userApplication?: string;
}

export interface InterfaceInfo {
  sectionIndex: number;
  interfaceId: number;
  linkType: number;
  snapLen: number;
  name?: string;
  description?: string;
  comments: string[];
  /** Units per second of this interface's timestamps (1e6 by default, 1e9 for ns, 2^n for
   *  binary resolutions). */
  tsUnitsPerSecond: number;
  /** if_tsoffset, seconds added to every timestamp. */
  tsOffsetSec: number;
  /** pcapng if_os. */
  os?: string;
  /** Bytes of frame check sequence at the end of each packet, when the file says so (pcap
   *  link-type FCS bits, pcapng if_fcslen). The reader does not strip them. */
  fcsLenBytes?: number;
}

export interface CaptureSink {
  packet(rec: PacketRecord): void;
  section?(info: SectionInfo): void;
  interface?(info: InterfaceInfo): void;
}

/** Counters the reader keeps as it goes (cheap; read them at any time). */
export interface ReaderStats {
  bytesConsumed: number;
  packets: number;
  /** pcapng blocks passed over, by block type in hex ("0x00000004": 2, …). */
  skippedBlocks: Record<string, number>;
  /** Packets whose timestamp fraction was out of range (e.g. µs ≥ 1e6): kept, clamped. */
  invalidTimestamps: number;
}

/** How a stream of capture bytes ended. */
export interface ReaderEnd {
  format: CaptureFormat | undefined;
  /** Present when the input stopped in the middle of a header or record: everything before
   *  `offset` was delivered. */
  truncated?: { offset: number; reason: string };
  /** Set when the input did not stop early but was malformed at `truncated.offset` (a
   *  CaptureFormatError ended the reading); absent for a plain cut-short input. */
  corrupt?: true;
}

/** Malformed input (not "need more bytes"). Carries the file offset of the bad structure and
 *  what the reader expected there. */
export class CaptureFormatError extends Error {
  override readonly name = 'CaptureFormatError';
  constructor(
    message: string,
    readonly offset: number,
    readonly expected?: string,
    /** Start of the record or block that holds the bad structure (everything before it was
     *  delivered); defaults to `offset`. */
    readonly recordOffset: number = offset,
  ) {
    super(message);
  }
}

/** Limits that keep hostile input from allocating without bound. */
export interface ReaderLimits {
  /** Largest pcap record caplen or pcapng block length accepted (default 16 MiB). */
  maxRecordBytes: number;
}

export const DEFAULT_READER_LIMITS: ReaderLimits = { maxRecordBytes: 16 * 1024 * 1024 };
