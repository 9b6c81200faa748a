// What the column builder (flowColumns.ts) keeps as it goes. Lookups made once per flow, by
// number instead of by text: an IPv4 address (uint32) → its string id, and a name-table id →
// the string id of its "DNS …" or "TLS …" name (a Map<string> lookup per flow hashes a fresh
// text — "DNS " + name is a new string every time — and misses the cache on a table of
// ~200,000 strings; these are typed arrays indexed by the number). And the flows' extra JSON,
// in chunks that are never copied. No DOM and no Node.

/** uint32 → non-negative int, open addressing over typed arrays (at most half full). */
export class U32Ids {
  private keys = new Uint32Array(1 << 12);
  /** value + 1; 0: empty slot. */
  private vals = new Int32Array(1 << 12);
  private mask = (1 << 12) - 1;
  /** 32 − log2(slots): the slot is the product's top bits (Fibonacci hashing). */
  private shift = 20;
  private size = 0;

  private slot(key: number): number {
    let s = Math.imul(key, 0x9e3779b1) >>> this.shift;
    while (this.vals[s] !== 0 && this.keys[s] !== key) s = (s + 1) & this.mask;
    return s;
  }

  /** The value of `key`, or -1. */
  get(key: number): number {
    return this.vals[this.slot(key)] - 1;
  }

  set(key: number, value: number): void {
    const s = this.slot(key);
    if (this.vals[s] === 0) {
      if (2 * (this.size + 1) > this.mask + 1) {
        this.grow();
        this.set(key, value);
        return;
      }
      this.size++;
      this.keys[s] = key;
    }
    this.vals[s] = value + 1;
  }

  private grow(): void {
    const keys = this.keys;
    const vals = this.vals;
    const n = 2 * keys.length;
    this.keys = new Uint32Array(n);
    this.vals = new Int32Array(n);
    this.mask = n - 1;
    this.shift--;
    for (let s = 0; s < keys.length; s++) {
      if (vals[s] === 0) continue;
      const t = this.slot(keys[s]);
      this.keys[t] = keys[s];
      this.vals[t] = vals[s];
    }
  }
}

/** Per name table (compared by identity), name id → a value ≥ -1 (stored + 2: 0 is unset). */
export class IdValues {
  private readonly tables = new Map<object, Int32Array<ArrayBuffer>>();
  private lastTable: object | undefined;
  private last: Int32Array<ArrayBuffer> = new Int32Array(0);

  /** The value of `id` of `table`, or undefined when none was set. */
  get(table: object, id: number): number | undefined {
    const a = table === this.lastTable ? this.last : this.of(table);
    const v = id < a.length ? a[id] : 0;
    return v === 0 ? undefined : v - 2;
  }

  set(table: object, id: number, value: number): void {
    let a = table === this.lastTable ? this.last : this.of(table);
    if (id >= a.length) {
      const b = new Int32Array(Math.max(1024, 2 * a.length, id + 1));
      b.set(a);
      a = b;
      this.tables.set(table, a);
      this.last = a;
    }
    a[id] = value + 2;
  }

  private of(table: object): Int32Array<ArrayBuffer> {
    let a = this.tables.get(table);
    if (!a) {
      a = new Int32Array(0);
      this.tables.set(table, a);
    }
    this.lastTable = table;
    this.last = a;
    return a;
  }
}

/** Most bytes a chunk of extra JSON (the first 64 KiB, each next one twice as large up to
 *  this); a flow's is at most a few KB (bounded hints). */
const EXTRA_CHUNK = 4 << 20;

/** The flows' extra JSON, one flow after another, each flow's bytes in one chunk: written as
 *  it comes, never moved (a growing array copies what it holds at each doubling, and one array
 *  at the end would copy it all again: ~100 MB for 600,000 flows). */
export class ExtraBytes {
  private readonly done: Uint8Array[] = [];
  private cur = new Uint8Array(1 << 16);
  private at = 0;
  /** Bytes written. */
  length = 0;
  private readonly encoder = new TextEncoder();

  /** `{` + the keys (`,"k":v,…` — the leading comma dropped) + `}`: JSON.stringify of the
   *  record's extra keys, as UTF-8. */
  putKeys(keys: Uint8Array, n: number): void {
    this.room(n + 1);
    const at = this.at;
    this.cur[at] = 0x7b;
    this.cur.set(keys.subarray(1, n), at + 1);
    this.cur[at + n] = 0x7d;
    this.at += n + 1;
    this.length += n + 1;
  }

  /** A record's extra keys as JSON text (the same bytes and chunks as putKeys gives them). */
  put(text: string): void {
    const b = this.encoder.encode(text);
    this.room(b.length);
    this.cur.set(b, this.at);
    this.at += b.length;
    this.length += b.length;
  }

  /** Room for `n` more bytes in the current chunk (a new chunk when not). */
  private room(n: number): void {
    if (this.at + n <= this.cur.length) return;
    if (this.at > 0) this.done.push(this.cur.subarray(0, this.at));
    this.cur = new Uint8Array(Math.max(n, Math.min(EXTRA_CHUNK, 2 * this.cur.length)));
    this.at = 0;
  }

  /** The chunks, each cut to what it holds (the writer is empty after). */
  chunks(): Uint8Array[] {
    const out = this.done.splice(0);
    if (this.at > 0) out.push(this.cur.subarray(0, this.at));
    this.cur = new Uint8Array(0);
    this.at = 0;
    return out;
  }
}
