// IPv6 addresses of the flow table, each stored once and named by a number: a flow record
// holds the numbers of its two addresses (its key stays four words, as for IPv4). A lookup
// that finds nothing stores nothing (packets of flows that are refused at the flow limit do
// not grow it); only a created flow's addresses are added.

export class V6Addresses {
  /** 4 words per address. */
  private words: Int32Array = new Int32Array(4 * 256);
  /** address number + 1 per slot (0: empty). */
  private slots: Int32Array = new Int32Array(512);
  private mask = 511;
  count = 0;

  private static hash(w0: number, w1: number, w2: number, w3: number): number {
    let h = Math.imul(w0, 0x9e3779b1) ^ Math.imul(w1, 0x85ebca77) ^ Math.imul(w2, 0xc2b2ae3d) ^ Math.imul(w3, 0x27d4eb2f);
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    return h ^ (h >>> 13);
  }

  /** The number of the address (w0..w3), or -1 when it is not stored. */
  lookup(w0: number, w1: number, w2: number, w3: number): number {
    const words = this.words;
    let i = V6Addresses.hash(w0, w1, w2, w3) & this.mask;
    for (;;) {
      const id1 = this.slots[i];
      if (id1 === 0) return -1;
      const b = (id1 - 1) * 4;
      if (words[b] === w0 && words[b + 1] === w1 && words[b + 2] === w2 && words[b + 3] === w3) return id1 - 1;
      i = (i + 1) & this.mask;
    }
  }

  /** The number of the address, storing it when it is new. */
  add(w0: number, w1: number, w2: number, w3: number): number {
    const found = this.lookup(w0, w1, w2, w3);
    if (found >= 0) return found;
    const id = this.count++;
    if (id * 4 + 4 > this.words.length) {
      const w = new Int32Array(this.words.length * 2);
      w.set(this.words);
      this.words = w;
    }
    this.words.set([w0, w1, w2, w3], id * 4);
    this.place(id);
    if (this.count * 2 > this.mask + 1) {
      const n = (this.mask + 1) * 2;
      this.slots = new Int32Array(n);
      this.mask = n - 1;
      for (let j = 0; j < this.count; j++) this.place(j);
    }
    return id;
  }

  private place(id: number): void {
    const b = id * 4;
    const w = this.words;
    let i = V6Addresses.hash(w[b], w[b + 1], w[b + 2], w[b + 3]) & this.mask;
    while (this.slots[i] !== 0) i = (i + 1) & this.mask;
    this.slots[i] = id + 1;
  }

  /** Word i (0..3) of address `id`. */
  word(id: number, i: number): number {
    return this.words[id * 4 + i];
  }

  snapshot(): { words: Int32Array; slots: Int32Array; count: number; mask: number } {
    return { words: this.words, slots: this.slots, count: this.count, mask: this.mask };
  }

  restore(s: { words: Int32Array; slots: Int32Array; count: number; mask: number }): void {
    this.words = s.words;
    this.slots = s.slots;
    this.count = s.count;
    this.mask = s.mask;
  }
}
