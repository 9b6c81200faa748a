// Each flow's packets and bytes before a time (the alert's: issue 13, "what came before the alert
// apart from what came after"), counted on the frames that count a flow's packets (a fragmented
// datagram on the frame that completes it), so that they are exact parts of the flow's
// `packets` and `bytes`. Two float64 per flow, kept apart from the 88-byte records and only
// when the analysis is given a time: flows are numbered as they are made, so the array grows
// (doubling) to the last flow that had a packet before the time, never with the packets.

/** A time to split at: whole seconds since the epoch and nanoseconds. */
export interface SplitTime {
  sec: number;
  ns: number;
}

export class BeforeCounts {
  /** Flow f's packets at [2f], bytes at [2f + 1] (flows past the end: none). */
  private a: Float64Array = new Float64Array(0);

  /** Counts a packet of `len` bytes of flow f before the split. */
  add(f: number, len: number): void {
    let a = this.a;
    if (2 * f + 1 >= a.length) {
      const b = new Float64Array(Math.max(2048, 2 * (f + 1), a.length * 2));
      b.set(a);
      this.a = a = b;
    }
    a[2 * f]++;
    a[2 * f + 1] += len;
  }

  packets(f: number): number {
    return 2 * f < this.a.length ? this.a[2 * f] : 0;
  }

  bytes(f: number): number {
    return 2 * f + 1 < this.a.length ? this.a[2 * f + 1] : 0;
  }

  /** Bytes held, for the memory figures. */
  get memoryBytes(): number {
    return this.a.byteLength;
  }

  /** The counts, to hand to another thread (transferred: this store is done). */
  snapshot(): Float64Array {
    return this.a;
  }

  restore(a: Float64Array): void {
    this.a = a;
  }
}
