// JSON text written as bytes into one reused buffer, handed to a sink chunk by chunk: the
// summary of 600,000 flows is 300 MB of text, and making it as JavaScript strings (ropes,
// flattened, then encoded) cost more than the analysis. Numbers are printed as
// JSON.stringify prints them; strings are escaped as JSON.stringify escapes them.

const SLACK = 64 * 1024;
const DIGITS = new Uint8Array(24);
/** Two digits "00".."99" as little-endian 16-bit words. */
const PAIRS = Uint16Array.from({ length: 100 }, (_, i) => (0x30 + ((i / 10) | 0)) | ((0x30 + (i % 10)) << 8));
/** Words of bytes are copied with little-endian DataView stores (x86, arm64). */
export const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** An ASCII constant as int32 words (little-endian bytes), written four bytes a store. */
export class Konst {
  readonly words: Int32Array;
  readonly bytes: Uint8Array;
  constructor(readonly text: string) {
    this.bytes = bytesOf(text);
    const padded = new Uint8Array((text.length + 3) & ~3);
    padded.set(this.bytes);
    this.words = new Int32Array(padded.buffer);
  }
}

export class ByteWriter {
  buf: Uint8Array;
  pos = 0;
  /** Bytes handed to the sink so far. */
  written = 0;

  /** `sink` receives each full chunk and must be done with it when it returns (the buffer
   *  is reused): write it out, or copy it. */
  private dv: DataView;

  constructor(private readonly chunkBytes: number, private readonly sink: (chunk: Uint8Array) => void) {
    this.buf = new Uint8Array(chunkBytes + SLACK);
    this.dv = new DataView(this.buf.buffer);
  }

  /** Makes sure `n` more bytes fit (hands the chunk to the sink when it is full). Values
   *  longer than the slack are written piece by piece by the callers. */
  room(n: number): void {
    if (this.pos + n <= this.chunkBytes) return;
    this.flush();
    if (n > this.buf.length) {
      this.buf = new Uint8Array(n + SLACK);
      this.dv = new DataView(this.buf.buffer);
    }
  }

  /** A constant (keys, punctuation). */
  k(c: Konst): void {
    const n = c.bytes.length;
    if (this.pos + n + 4 > this.chunkBytes) this.flush();
    if (!LITTLE_ENDIAN) return this.raw(c.bytes);
    const dv = this.dv;
    const w = c.words;
    let p = this.pos;
    for (let i = 0; i < w.length; i++, p += 4) dv.setInt32(p, w[i], true);
    this.pos += n;
  }

  /** `n` bytes held as little-endian words from `src[at]` (a NameTable's arena). */
  words(src: Int32Array, at: number, n: number): void {
    if (this.pos + n + 4 > this.chunkBytes) this.room(n + 4);
    const dv = this.dv;
    let p = this.pos;
    const end = at + ((n + 3) >> 2);
    for (let i = at; i < end; i++, p += 4) dv.setInt32(p, src[i], true);
    this.pos += n;
  }

  flush(): void {
    if (this.pos === 0) return;
    this.sink(this.buf.subarray(0, this.pos));
    this.written += this.pos;
    this.pos = 0;
  }

  raw(bytes: Uint8Array): void {
    const n = bytes.length;
    this.room(n);
    if (n > 64) {
      this.buf.set(bytes, this.pos);
      this.pos += n;
      return;
    }
    // short constants (keys): a loop is cheaper than TypedArray#set
    const b = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) b[p++] = bytes[i];
    this.pos = p;
  }

  /** One byte (`,`, `}`, `"`). */
  byte(c: number): void {
    if (this.pos >= this.chunkBytes) this.flush();
    this.buf[this.pos++] = c;
  }

  /** Text known to be printable ASCII without `"` or `\` (keys, type names, addresses). */
  ascii(s: string): void {
    const n = s.length;
    this.room(n);
    const b = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) b[p++] = s.charCodeAt(i);
    this.pos = p;
  }

  /** `s` as a JSON string, quotes included (JSON.stringify(s)). */
  str(s: string): void {
    const n = s.length;
    this.room(n * 2 + 2);
    const b = this.buf;
    let p = this.pos;
    b[p++] = 0x22;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x20 && c < 0x7f) {
        if (c === 0x22 || c === 0x5c) b[p++] = 0x5c;
        b[p++] = c;
      } else {
        // Not printable ASCII (never made by the analyzer, but the annotator's strings come
        // from a sidecar): JSON.stringify's own escaping, encoded as UTF-8.
        this.pos = p;
        this.utf8(JSON.stringify(s.slice(i)).slice(1, -1));
        p = this.pos;
        break;
      }
    }
    b[p++] = 0x22;
    this.pos = p;
  }

  private utf8(rest: string): void {
    const bytes = new TextEncoder().encode(rest);
    this.room(bytes.length + 1);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  /** A number as JSON.stringify prints it. */
  num(v: number): void {
    if (v >= 0 && v <= 0x7fffffff && (v | 0) === v) {
      this.room(16);
      const b = this.buf;
      let p = this.pos;
      if (v < 10) {
        b[p++] = 0x30 + v;
      } else if (v < 100 && LITTLE_ENDIAN) {
        this.dv.setUint16(p, PAIRS[v], true);
        p += 2;
      } else if (v < 10000 && LITTLE_ENDIAN) {
        const hi = (v / 100) | 0;
        const lo = v - hi * 100;
        if (hi < 10) b[p++] = 0x30 + hi;
        else {
          this.dv.setUint16(p, PAIRS[hi], true);
          p += 2;
        }
        this.dv.setUint16(p, PAIRS[lo], true);
        p += 2;
      } else {
        let n = 0;
        let x = v | 0;
        while (x > 0) {
          const q = (x / 10) | 0;
          DIGITS[n++] = 0x30 + (x - q * 10);
          x = q;
        }
        while (n > 0) b[p++] = DIGITS[--n];
      }
      this.pos = p;
      return;
    }
    if (v >= 0 && v < 1e15 && Math.floor(v) === v) {
      this.room(16);
      const b = this.buf;
      let p = this.pos;
      let n = 0;
      while (v > 0) {
        const q = Math.floor(v / 10);
        DIGITS[n++] = 0x30 + (v - q * 10);
        v = q;
      }
      while (n > 0) b[p++] = DIGITS[--n];
      this.pos = p;
      return;
    }
    this.ascii(Number.isFinite(v) ? String(v) : 'null');
  }

  /** Two digits of 0 ≤ v ≤ 99. */
  two(v: number): void {
    this.room(2);
    const b = this.buf;
    b[this.pos++] = 0x30 + ((v / 10) | 0);
    b[this.pos++] = 0x30 + (v % 10);
  }

  /** Nine digits of 0 ≤ ns < 1e9 (zero-padded). */
  nanos(ns: number): void {
    this.room(10);
    const hi = (ns / 100000000) | 0;
    let rest = ns - hi * 100000000;
    this.buf[this.pos++] = 0x30 + hi;
    if (!LITTLE_ENDIAN) {
      this.padded(rest, 8);
      return;
    }
    const dv = this.dv;
    let p = this.pos + 6;
    for (let i = 0; i < 4; i++, p -= 2) {
      const q = (rest / 100) | 0;
      dv.setUint16(p, PAIRS[rest - q * 100], true);
      rest = q;
    }
    this.pos += 8;
  }

  /** `n` digits of `v` (zero-padded), e.g. nanoseconds. */
  padded(v: number, n: number): void {
    this.room(n);
    const b = this.buf;
    const p = this.pos;
    for (let i = n - 1; i >= 0; i--) {
      const q = Math.floor(v / 10);
      b[p + i] = 0x30 + (v - q * 10);
      v = q;
    }
    this.pos = p + n;
  }
}

/** Bytes of an ASCII constant (JSON keys written by the flow writers). */
export function bytesOf(s: string): Uint8Array {
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i);
  return b;
}
