// Builds pcap and pcapng files in memory for tests: any byte order, µs or ns, every field
// overridable (so tests can also build broken files). Timestamps are given as seconds +
// nanoseconds (numbers) or, for pcapng, as raw 64-bit unit counts (bigint).
//
//   buildPcap({ nano: true, linkType: 1, packets: [{ data, tsSec: 1, tsNsec: 5 }] })
//   new PcapngBuilder().shb({ comments: ['hi'] }).idb({ linkType: 276, tsresol: 9 })
//     .epb({ data, tsSec: 1, tsNsec: 5, comments: ['c'] }).spb({ data }).build()
//   buildCapture('pcapng', packets, { linkType: 1 })   // same packets, either format

export type Endian = 'le' | 'be';

/** Growable byte writer with a fixed byte order. */
export class ByteWriter {
  private buf = new Uint8Array(256);
  private len = 0;
  constructor(public le = true) {}

  get length(): number {
    return this.len;
  }

  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  u8(v: number): this {
    this.room(1);
    this.buf[this.len++] = v & 0xff;
    return this;
  }

  u16(v: number): this {
    this.room(2);
    new DataView(this.buf.buffer).setUint16(this.len, v & 0xffff, this.le);
    this.len += 2;
    return this;
  }

  u32(v: number): this {
    this.room(4);
    new DataView(this.buf.buffer).setUint32(this.len, v >>> 0, this.le);
    this.len += 4;
    return this;
  }

  /** 64-bit value written as one integer in this byte order (if_tsoffset, section length). */
  u64(v: bigint): this {
    const x = BigInt.asUintN(64, v);
    const hi = Number(x >> 32n);
    const lo = Number(x & 0xffffffffn);
    return this.le ? this.u32(lo).u32(hi) : this.u32(hi).u32(lo);
  }

  bytes(b: Uint8Array): this {
    this.room(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
    return this;
  }

  /** Zero bytes up to a multiple of 4. */
  pad4(): this {
    while (this.len % 4 !== 0) this.u8(0);
    return this;
  }

  /** Overwrites a u32 already written at `at`. */
  setU32(at: number, v: number): this {
    new DataView(this.buf.buffer).setUint32(at, v >>> 0, this.le);
    return this;
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const utf8 = new TextEncoder();

// ---------------------------------------------------------------------------------- pcap

export interface PcapPacketSpec {
  data: Uint8Array;
  tsSec?: number;
  /** Nanoseconds within the second; written as µs (floor) in a microsecond file. */
  tsNsec?: number;
  /** Raw fraction field (µs or ns as written), overriding tsNsec: for invalid values. */
  tsFracRaw?: number;
  /** Original length (default data.length). */
  origLen?: number;
  /** caplen field as written (default data.length): for broken files. */
  capLenField?: number;
}

export interface PcapSpec {
  endian?: Endian;
  nano?: boolean;
  versionMajor?: number;
  versionMinor?: number;
  snapLen?: number;
  linkType?: number;
  /** The whole 32-bit link-type field (FCS bits, reserved bits), overriding linkType. */
  linkTypeField?: number;
  packets?: PcapPacketSpec[];
}

export function pcapHeader(spec: PcapSpec = {}): Uint8Array {
  const w = new ByteWriter(spec.endian !== 'be');
  w.u32(spec.nano ? 0xa1b23c4d : 0xa1b2c3d4)
    .u16(spec.versionMajor ?? 2)
    .u16(spec.versionMinor ?? 4)
    .u32(0)
    .u32(0)
    .u32(spec.snapLen ?? 262144)
    .u32(spec.linkTypeField ?? spec.linkType ?? 1);
  return w.finish();
}

export function pcapRecord(p: PcapPacketSpec, spec: Pick<PcapSpec, 'endian' | 'nano'> = {}): Uint8Array {
  const w = new ByteWriter(spec.endian !== 'be');
  const ns = p.tsNsec ?? 0;
  const frac = p.tsFracRaw ?? (spec.nano ? ns : Math.floor(ns / 1000));
  w.u32(p.tsSec ?? 0)
    .u32(frac)
    .u32(p.capLenField ?? p.data.length)
    .u32(p.origLen ?? p.data.length)
    .bytes(p.data);
  return w.finish();
}

export function buildPcap(spec: PcapSpec = {}): Uint8Array {
  return concatBytes(pcapHeader(spec), ...(spec.packets ?? []).map((p) => pcapRecord(p, spec)));
}

// -------------------------------------------------------------------------------- pcapng

export interface RawOption {
  code: number;
  value: Uint8Array;
  /** Length field as written (default value.length): for broken files. */
  lenField?: number;
}

export function stringOption(code: number, s: string): RawOption {
  return { code, value: utf8.encode(s) };
}

export interface ShbSpec {
  endian?: Endian;
  versionMajor?: number;
  versionMinor?: number;
  sectionLength?: bigint;
  comments?: string[];
  hardware?: string;
  os?: string;
  userApplication?: string;
  options?: RawOption[];
}

export interface IdbSpec {
  linkType?: number;
  snapLen?: number;
  name?: string;
  description?: string;
  os?: string;
  comments?: string[];
  /** if_tsresol byte (6 = µs default, 9 = ns, 0x80 | n = 2^-n). */
  tsresol?: number;
  /** if_tsoffset in seconds (signed 64-bit). */
  tsoffset?: bigint;
  options?: RawOption[];
}

export interface EpbSpec {
  interfaceId?: number;
  data: Uint8Array;
  origLen?: number;
  capLenField?: number;
  /** Raw 64-bit count of interface units; overrides tsSec/tsNsec. */
  ts?: bigint;
  tsSec?: number;
  tsNsec?: number;
  comments?: string[];
  options?: RawOption[];
}

export interface BlockOverrides {
  /** Leading / trailing total length as written (default the real length). */
  totalLength?: number;
  trailingLength?: number;
}

export class PcapngBuilder {
  private readonly parts: Uint8Array[] = [];
  private le: boolean;
  /** if_tsresol of each interface of the current section, to encode tsSec/tsNsec. */
  private resolutions: number[] = [];

  constructor(endian: Endian = 'le') {
    this.le = endian === 'le';
  }

  /** Any block: type, body (without the 8-byte header and 4-byte trailer). */
  block(type: number, body: Uint8Array, o: BlockOverrides = {}): this {
    const w = new ByteWriter(this.le);
    const bodyLen = (body.length + 3) & ~3;
    const total = 12 + bodyLen;
    w.u32(type)
      .u32(o.totalLength ?? total)
      .bytes(body)
      .pad4()
      .u32(o.trailingLength ?? total);
    this.parts.push(w.finish());
    return this;
  }

  private options(w: ByteWriter, opts: RawOption[]): void {
    if (opts.length === 0) return;
    for (const o of opts) {
      w.u16(o.code)
        .u16(o.lenField ?? o.value.length)
        .bytes(o.value)
        .pad4();
    }
    w.u16(0).u16(0);
  }

  shb(spec: ShbSpec = {}, o: BlockOverrides = {}): this {
    if (spec.endian !== undefined) this.le = spec.endian === 'le';
    this.resolutions = [];
    const w = new ByteWriter(this.le);
    w.u32(0x1a2b3c4d)
      .u16(spec.versionMajor ?? 1)
      .u16(spec.versionMinor ?? 0)
      .u64(spec.sectionLength ?? -1n);
    const opts: RawOption[] = [];
    for (const c of spec.comments ?? []) opts.push(stringOption(1, c));
    if (spec.hardware !== undefined) opts.push(stringOption(2, spec.hardware));
    if (spec.os !== undefined) opts.push(stringOption(3, spec.os));
    if (spec.userApplication !== undefined) opts.push(stringOption(4, spec.userApplication));
    this.options(w, [...opts, ...(spec.options ?? [])]);
    return this.block(0x0a0d0d0a, w.finish(), o);
  }

  idb(spec: IdbSpec = {}, o: BlockOverrides = {}): this {
    const w = new ByteWriter(this.le);
    w.u16(spec.linkType ?? 1)
      .u16(0)
      .u32(spec.snapLen ?? 262144);
    const opts: RawOption[] = [];
    for (const c of spec.comments ?? []) opts.push(stringOption(1, c));
    if (spec.name !== undefined) opts.push(stringOption(2, spec.name));
    if (spec.description !== undefined) opts.push(stringOption(3, spec.description));
    if (spec.tsresol !== undefined) opts.push({ code: 9, value: Uint8Array.of(spec.tsresol) });
    if (spec.os !== undefined) opts.push(stringOption(12, spec.os));
    if (spec.tsoffset !== undefined) opts.push({ code: 14, value: new ByteWriter(this.le).u64(spec.tsoffset).finish() });
    this.options(w, [...opts, ...(spec.options ?? [])]);
    this.resolutions.push(spec.tsresol ?? 6);
    return this.block(1, w.finish(), o);
  }

  /** Units of an interface for seconds + nanoseconds (exact for decimal resolutions). */
  private units(interfaceId: number, tsSec: number, tsNsec: number): bigint {
    const r = this.resolutions[interfaceId] ?? 6;
    const exp = r & 0x7f;
    const ups = (r & 0x80) === 0 ? 10n ** BigInt(exp) : 1n << BigInt(exp);
    return BigInt(tsSec) * ups + (BigInt(tsNsec) * ups) / 1_000_000_000n;
  }

  epb(spec: EpbSpec, o: BlockOverrides = {}): this {
    const ifId = spec.interfaceId ?? 0;
    const ts = spec.ts ?? this.units(ifId, spec.tsSec ?? 0, spec.tsNsec ?? 0);
    const w = new ByteWriter(this.le);
    w.u32(ifId)
      .u32(Number(ts >> 32n))
      .u32(Number(ts & 0xffffffffn))
      .u32(spec.capLenField ?? spec.data.length)
      .u32(spec.origLen ?? spec.data.length)
      .bytes(spec.data)
      .pad4();
    const opts = (spec.comments ?? []).map((c) => stringOption(1, c));
    this.options(w, [...opts, ...(spec.options ?? [])]);
    return this.block(6, w.finish(), o);
  }

  /** Obsolete Packet Block (type 2): 16-bit interface id and drops count. */
  pb(spec: EpbSpec, o: BlockOverrides = {}): this {
    const ifId = spec.interfaceId ?? 0;
    const ts = spec.ts ?? this.units(ifId, spec.tsSec ?? 0, spec.tsNsec ?? 0);
    const w = new ByteWriter(this.le);
    w.u16(ifId)
      .u16(0)
      .u32(Number(ts >> 32n))
      .u32(Number(ts & 0xffffffffn))
      .u32(spec.capLenField ?? spec.data.length)
      .u32(spec.origLen ?? spec.data.length)
      .bytes(spec.data)
      .pad4();
    const opts = (spec.comments ?? []).map((c) => stringOption(1, c));
    this.options(w, [...opts, ...(spec.options ?? [])]);
    return this.block(2, w.finish(), o);
  }

  /** Simple Packet Block: original length + data (captured length = min(origLen, snaplen)). */
  spb(spec: { data: Uint8Array; origLen?: number }, o: BlockOverrides = {}): this {
    const w = new ByteWriter(this.le);
    w.u32(spec.origLen ?? spec.data.length).bytes(spec.data);
    return this.block(3, w.finish(), o);
  }

  /** Name Resolution Block with one IPv4 record. */
  nrb(ip: [number, number, number, number], name: string): this {
    const w = new ByteWriter(this.le);
    const n = utf8.encode(name + '\0');
    w.u16(1)
      .u16(4 + n.length)
      .bytes(Uint8Array.from(ip))
      .bytes(n)
      .pad4()
      .u16(0)
      .u16(0);
    return this.block(4, w.finish());
  }

  /** Interface Statistics Block (no options). */
  isb(interfaceId = 0): this {
    return this.block(5, new ByteWriter(this.le).u32(interfaceId).u32(0).u32(0).finish());
  }

  /** Custom block (0x00000BAD, or 0x40000BAD when not to be copied) with a PEN. */
  custom(data: Uint8Array, copy = true): this {
    return this.block(copy ? 0x0bad : 0x40000bad, new ByteWriter(this.le).u32(32473).bytes(data).finish());
  }

  build(): Uint8Array {
    return concatBytes(...this.parts);
  }
}

// ------------------------------------------------------------------------ either format

export interface CapturePacket {
  data: Uint8Array;
  tsSec?: number;
  tsNsec?: number;
  origLen?: number;
  interfaceId?: number;
}

export interface CaptureSpec {
  linkType?: number;
  /** Extra interfaces for pcapng (interface 0 uses linkType). */
  extraLinkTypes?: number[];
  endian?: Endian;
  /** Nanosecond timestamps (pcap ns magic; pcapng if_tsresol 9). */
  nano?: boolean;
  snapLen?: number;
}

/** The same packets as a pcap or a pcapng file. */
export function buildCapture(format: 'pcap' | 'pcapng', packets: CapturePacket[], spec: CaptureSpec = {}): Uint8Array {
  if (format === 'pcap') {
    return buildPcap({ ...spec, packets: packets.map((p) => ({ ...p })) });
  }
  const b = new PcapngBuilder(spec.endian ?? 'le').shb();
  for (const lt of [spec.linkType ?? 1, ...(spec.extraLinkTypes ?? [])]) {
    b.idb({ linkType: lt, snapLen: spec.snapLen ?? 262144, tsresol: spec.nano ? 9 : 6 });
  }
  for (const p of packets) b.epb({ ...p });
  return b.build();
}
