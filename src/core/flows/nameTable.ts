// Interned hint text (DNS names and record values, TLS SNIs): each distinct text is stored
// once, as its bytes, in one growing arena, and named by a small integer id. The DNS parser
// writes a name's presentation bytes into `scratch` and interns them: no JavaScript string
// exists per packet or per flow (a capture of 300,000 DNS flows asks for the same few
// hundred cluster names again and again, and a tunnel's unique names cost their bytes only).
// Text is made from the bytes when a summary is built; JSON output copies the bytes.
//
// Every byte is printable ASCII (0x20..0x7e): the writers escape everything else as \DDD.
//
// Memory: the bytes of each distinct text + 8 bytes of offsets/lengths + 8 bytes of hash
// slots (at most half full). Bounded by the hint-text budget of the extractor.

import { LITTLE_ENDIAN, type ByteWriter } from './byteWriter.js';

const SCRATCH_BYTES = 2048;
/** The arena and the per-name arrays are reserved this large (address space only until used:
 *  no copy as they fill); past it they grow by doubling. */
const BYTES_RESERVE = 1 << 26;
const IDS_RESERVE = 1 << 21;

export interface NameSnapshot {
  count: number;
  bytes: Uint8Array;
  used: number;
  starts: Int32Array;
  lens: Int32Array;
  esc: Uint8Array;
  slots: Int32Array;
  mask: number;
}

export class NameTable {
  /** Where a caller writes the bytes to intern (up to `scratch.length`). */
  readonly scratch = new Uint8Array(SCRATCH_BYTES + 4);
  /** The same bytes as int32 words (texts are hashed and compared four bytes at a time). */
  private readonly scratchW = new Int32Array(this.scratch.buffer);
  /** Distinct texts stored. */
  count = 0;
  /** The texts, each from a 4-byte boundary and zero-padded to the next one. */
  private bytes: Uint8Array = new Uint8Array(BYTES_RESERVE);
  private bytesW: Int32Array = new Int32Array(this.bytes.buffer);
  private used = 0;
  /** id → start in `bytes`, id → length. */
  private starts: Int32Array = new Int32Array(IDS_RESERVE);
  private lens: Int32Array = new Int32Array(IDS_RESERVE);
  /** id → 1 when the text has a `"` or `\` (JSON output escapes it byte by byte). */
  private esc: Uint8Array = new Uint8Array(IDS_RESERVE);
  /** [id + 1 (0 = empty), hash] per slot. */
  private slots: Int32Array = new Int32Array(2048 * 2);
  private mask = 2047;
  private readonly strings = new Map<number, string>();

  /** Bytes in use (arena, per-name arrays, hash slots), for the memory figures. */
  get memoryBytes(): number {
    return this.used + this.count * 9 + this.slots.length * 4;
  }

  /** The id of `scratch[0 .. len)`, storing it when it is new. */
  intern(len: number): number {
    const s = this.scratch;
    const words = (len + 3) >> 2;
    for (let i = len; i < words * 4; i++) s[i] = 0;
    const sw = this.scratchW;
    let h = 0x811c9dc5 ^ len;
    for (let i = 0; i < words; i++) h = Math.imul(h ^ sw[i], 0x01000193) ^ (h >>> 17);
    h ^= h >>> 15;
    const slots = this.slots;
    const mask = this.mask;
    let i = h & mask;
    for (;;) {
      const id1 = slots[i * 2];
      if (id1 === 0) break;
      if (slots[i * 2 + 1] === h && this.lens[id1 - 1] === len && this.same(id1 - 1, words)) return id1 - 1;
      i = (i + 1) & mask;
    }
    const id = this.count++;
    if (id >= this.starts.length) {
      this.starts = grown(this.starts, this.starts.length * 2);
      this.lens = grown(this.lens, this.lens.length * 2);
      const e = new Uint8Array(this.starts.length);
      e.set(this.esc);
      this.esc = e;
    }
    let esc = 0;
    for (let k = 0; k < len; k++) if (s[k] === 0x22 || s[k] === 0x5c) esc = 1;
    this.esc[id] = esc;
    if (this.used + words * 4 > this.bytes.length) {
      const b = new Uint8Array(Math.max(this.bytes.length * 2, this.used + words * 4));
      b.set(this.bytes.subarray(0, this.used));
      this.bytes = b;
      this.bytesW = new Int32Array(b.buffer);
    }
    const bw = this.bytesW;
    const at = this.used >> 2;
    for (let k = 0; k < words; k++) bw[at + k] = sw[k];
    this.starts[id] = this.used;
    this.lens[id] = len;
    this.used += words * 4;
    slots[i * 2] = id + 1;
    slots[i * 2 + 1] = h;
    if (this.count * 2 > mask + 1) this.rehash();
    return id;
  }

  /** The id of a JavaScript string of printable ASCII (tests, TLS SNI, HTTP fields). */
  internText(text: string): number {
    const n = Math.min(text.length, SCRATCH_BYTES);
    for (let i = 0; i < n; i++) this.scratch[i] = text.charCodeAt(i) & 0x7f;
    return this.intern(n);
  }

  private same(id: number, words: number): boolean {
    const b = this.bytesW;
    const s = this.scratchW;
    const at = this.starts[id] >> 2;
    for (let i = 0; i < words; i++) if (b[at + i] !== s[i]) return false;
    return true;
  }

  private rehash(): void {
    const old = this.slots;
    const cap = (this.mask + 1) * 2;
    this.slots = new Int32Array(cap * 2);
    this.mask = cap - 1;
    for (let i = 0; i < old.length; i += 2) {
      if (old[i] === 0) continue;
      let j = old[i + 1] & this.mask;
      while (this.slots[j * 2] !== 0) j = (j + 1) & this.mask;
      this.slots[j * 2] = old[i];
      this.slots[j * 2 + 1] = old[i + 1];
    }
  }

  length(id: number): number {
    return this.lens[id];
  }

  /** The text of `id` (made once, then kept: summaries name the same servers many times). */
  text(id: number): string {
    let t = this.strings.get(id);
    if (t === undefined) {
      const at = this.starts[id];
      t = String.fromCharCode.apply(null, this.bytes.subarray(at, at + this.lens[id]) as unknown as number[]);
      this.strings.set(id, t);
    }
    return t;
  }

  /** Writes the text of `id` as the body of a JSON string (`"` and `\` escaped). */
  writeTo(w: ByteWriter, id: number): void {
    const len = this.lens[id];
    if (this.esc[id] === 0 && LITTLE_ENDIAN) {
      w.words(this.bytesW, this.starts[id] >> 2, len);
      return;
    }
    w.room(len * 2);
    w.pos = this.writeJson(id, w.buf, w.pos);
  }

  /** Copies the text of `id` as the body of a JSON string (`"` and `\` escaped) into `out`
   *  at `pos`; returns the new position. `out` must have room for twice the length. */
  writeJson(id: number, out: Uint8Array, pos: number): number {
    const b = this.bytes;
    const at = this.starts[id];
    const end = at + this.lens[id];
    for (let i = at; i < end; i++) {
      const c = b[i];
      if (c === 0x22 || c === 0x5c) out[pos++] = 0x5c;
      out[pos++] = c;
    }
    return pos;
  }

  snapshot(): NameSnapshot {
    return { count: this.count, bytes: this.bytes, used: this.used, starts: this.starts, lens: this.lens, esc: this.esc, slots: this.slots, mask: this.mask };
  }

  restore(s: NameSnapshot): void {
    this.count = s.count;
    this.bytes = s.bytes;
    this.bytesW = new Int32Array(s.bytes.buffer);
    this.used = s.used;
    this.starts = s.starts;
    this.lens = s.lens;
    this.esc = s.esc;
    this.slots = s.slots;
    this.mask = s.mask;
    this.strings.clear();
  }

  /** Drops the cached strings (after a summary was built). */
  forgetStrings(): void {
    this.strings.clear();
  }
}

function grown(a: Int32Array, n: number): Int32Array {
  const b = new Int32Array(n);
  b.set(a);
  return b;
}

/** Writes the display-safe form of `buf[off .. end)` (printable ASCII kept except `\`,
 *  everything else as \DDD: text.ts's safeText, as bytes) into `out` from `pos`, cut after
 *  `max` characters as safeText cuts (`out` needs 3 bytes of room beyond). Returns the new
 *  position. */
export function safeBytes(buf: Uint8Array, off: number, end: number, out: Uint8Array, pos: number, max: number): number {
  const stop = pos + max;
  for (let i = off; i < end && pos < stop; i++) {
    const c = buf[i];
    if (c >= 0x20 && c < 0x7f && c !== 0x5c) out[pos++] = c;
    else pos = ddd(c, out, pos);
  }
  return Math.min(pos, stop);
}

/** `\DDD` of byte c at `out[pos]`. */
export function ddd(c: number, out: Uint8Array, pos: number): number {
  out[pos] = 0x5c;
  out[pos + 1] = 0x30 + ((c / 100) | 0);
  out[pos + 2] = 0x30 + (((c / 10) | 0) % 10);
  out[pos + 3] = 0x30 + (c % 10);
  return pos + 4;
}
