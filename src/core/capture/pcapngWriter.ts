// Writes pcapng (little endian, version 1.0): a Section Header Block with comments and
// application name, Interface Description Blocks with name/description/comments/snaplen/
// if_tsresol, and Enhanced Packet Blocks with optional comments. Produces byte chunks; the
// caller decides where they go (a file being written, a test buffer).
//
// Spec: draft-ietf-opsawg-pcapng (block and option layouts, 32-bit alignment).

const BT_SHB = 0x0a0d0d0a;
const BT_IDB = 0x00000001;
const BT_EPB = 0x00000006;
const OPT_ENDOFOPT = 0;
const OPT_COMMENT = 1;
const SHB_HARDWARE = 2;
const SHB_OS = 3;
const SHB_USERAPPL = 4;
const IF_NAME = 2;
const IF_DESCRIPTION = 3;
const IF_TSRESOL = 9;

/** Longest option value pcapng can carry (16-bit length), less a safety margin. */
const MAX_OPTION_BYTES = 65000;

interface Option {
  code: number;
  value: Uint8Array;
}

const enc = new TextEncoder();

function textOption(code: number, text: string): Option {
  let bytes = enc.encode(text);
  if (bytes.length > MAX_OPTION_BYTES) {
    // Cut on a UTF-8 boundary and say so.
    let end = MAX_OPTION_BYTES - 16;
    while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--;
    bytes = new Uint8Array([...bytes.subarray(0, end), ...enc.encode(' …[truncated]')]);
  }
  return { code, value: bytes };
}

function optionsLength(opts: Option[]): number {
  if (opts.length === 0) return 0;
  let n = 4; // opt_endofopt
  for (const o of opts) n += 4 + ((o.value.length + 3) & ~3);
  return n;
}

function writeOptions(view: DataView, bytes: Uint8Array, at: number, opts: Option[]): number {
  if (opts.length === 0) return at;
  for (const o of opts) {
    view.setUint16(at, o.code, true);
    view.setUint16(at + 2, o.value.length, true);
    bytes.set(o.value, at + 4);
    at += 4 + ((o.value.length + 3) & ~3);
  }
  view.setUint16(at, OPT_ENDOFOPT, true);
  view.setUint16(at + 2, 0, true);
  return at + 4;
}

function block(type: number, bodyLength: number, fill: (view: DataView, bytes: Uint8Array, at: number) => void): Uint8Array {
  const total = 12 + bodyLength;
  const bytes = new Uint8Array(total);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, type, true);
  view.setUint32(4, total, true);
  fill(view, bytes, 8);
  view.setUint32(total - 4, total, true);
  return bytes;
}

export interface SectionHeader {
  comments?: string[];
  hardware?: string;
  os?: string;
  userApplication?: string;
}

export function sectionHeaderBlock(h: SectionHeader): Uint8Array {
  const opts: Option[] = [
    ...(h.comments ?? []).map((c) => textOption(OPT_COMMENT, c)),
    ...(h.hardware ? [textOption(SHB_HARDWARE, h.hardware)] : []),
    ...(h.os ? [textOption(SHB_OS, h.os)] : []),
    ...(h.userApplication ? [textOption(SHB_USERAPPL, h.userApplication)] : []),
  ];
  return block(BT_SHB, 16 + optionsLength(opts), (view, bytes, at) => {
    view.setUint32(at, 0x1a2b3c4d, true);
    view.setUint16(at + 4, 1, true);
    view.setUint16(at + 6, 0, true);
    view.setInt32(at + 8, -1, true); // section length unknown
    view.setInt32(at + 12, -1, true);
    writeOptions(view, bytes, at + 16, opts);
  });
}

export interface InterfaceHeader {
  linkType: number;
  snapLen: number;
  name?: string;
  description?: string;
  comments?: string[];
  /** Nanosecond timestamps (if_tsresol = 9) — the default; false for microseconds. */
  nanosecond?: boolean;
}

export function interfaceDescriptionBlock(h: InterfaceHeader): Uint8Array {
  const opts: Option[] = [
    ...(h.name ? [textOption(IF_NAME, h.name)] : []),
    ...(h.description ? [textOption(IF_DESCRIPTION, h.description)] : []),
    ...(h.comments ?? []).map((c) => textOption(OPT_COMMENT, c)),
    ...(h.nanosecond === false ? [] : [{ code: IF_TSRESOL, value: new Uint8Array([9]) }]),
  ];
  return block(BT_IDB, 8 + optionsLength(opts), (view, bytes, at) => {
    view.setUint16(at, h.linkType, true);
    view.setUint16(at + 2, 0, true);
    view.setUint32(at + 4, h.snapLen >>> 0, true);
    writeOptions(view, bytes, at + 8, opts);
  });
}

/** Units per second of the interface written by interfaceDescriptionBlock(h). */
export function unitsPerSecond(h: InterfaceHeader): number {
  return h.nanosecond === false ? 1e6 : 1e9;
}

/**
 * An Enhanced Packet Block. `tsSec`/`tsNsec` are converted to the interface's resolution
 * (nanoseconds unless the IDB said otherwise) without losing precision: the 64-bit count is
 * built from two 32-bit halves.
 */
export function enhancedPacketBlock(
  interfaceId: number,
  tsSec: number,
  tsNsec: number,
  data: Uint8Array,
  origLen: number,
  comments: readonly string[] = [],
  units = 1e9,
): Uint8Array {
  const opts = comments.map((c) => textOption(OPT_COMMENT, c));
  const padded = (data.length + 3) & ~3;
  const frac = units === 1e9 ? tsNsec : Math.floor((tsNsec * units) / 1e9);
  // ts = tsSec * units + frac, as hi/lo 32-bit words, exactly: split tsSec into 16-bit limbs.
  const secHi = Math.floor(tsSec / 65536);
  const secLo = tsSec - secHi * 65536;
  const lowPart = secLo * units + frac; // < 65536 * 1e9 + 1e9 < 2^53
  const highPart = secHi * units; // units-many 65536-second steps, < 2^53 for sane times
  // value = highPart * 65536 + lowPart
  const lowHi = Math.floor(lowPart / 4294967296);
  const lowLo = lowPart - lowHi * 4294967296;
  const hpHi = Math.floor(highPart / 65536); // highPart * 65536 / 2^32
  const hpRem = highPart - hpHi * 65536; // contributes hpRem * 65536 to the low word
  let lo = lowLo + hpRem * 65536;
  let hi = hpHi + lowHi;
  if (lo >= 4294967296) {
    const carry = Math.floor(lo / 4294967296);
    lo -= carry * 4294967296;
    hi += carry;
  }
  return block(BT_EPB, 20 + padded + optionsLength(opts), (view, bytes, at) => {
    view.setUint32(at, interfaceId, true);
    view.setUint32(at + 4, hi >>> 0, true);
    view.setUint32(at + 8, lo >>> 0, true);
    view.setUint32(at + 12, data.length, true);
    view.setUint32(at + 16, origLen >>> 0, true);
    bytes.set(data, at + 20);
    writeOptions(view, bytes, at + 20 + padded, opts);
  });
}
