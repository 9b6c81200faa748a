// Bounded IP fragment bookkeeping, keyed by (version, source, destination, id, protocol).
// It does not reassemble bytes: it remembers which flow a datagram belongs to (from its
// first fragment, the only one with ports) and when the datagram is complete, so that the
// flow counts it once, on the completing frame, as tshark's conversation tables do.
// Fragments are rare: entries are small objects, at most `maxEntries` of them.

export class FragEntry {
  /** version, src[4], dst[4], id, proto */
  readonly key = new Int32Array(11);
  hash = 0;
  /** Flow of the datagram once the first fragment was seen, else -1. */
  flow = -1;
  /** Direction of the datagram in that flow (1 = client → server). */
  fromClient = 1;
  /** Total datagram data length once the last fragment was seen, else -1. */
  total = -1;
  received = 0;
  /** Offsets already counted (duplicates are not counted twice); bounded. */
  offsets: number[] = [];
  /** Fragments seen before the first fragment named the flow. */
  pendingPkts = 0;
  pendingBytes = 0;
  live = true;
  /** The datagram was completed (counted); later copies of its fragments are fragments. */
  done = false;
}

const MAX_OFFSETS = 256;
/** Datagrams remembered at once (the oldest is forgotten for a new one beyond it). */
export const MAX_FRAGMENT_ENTRIES = 4096;

export class FragmentTracker {
  readonly key = new Int32Array(11);
  private readonly byHash = new Map<number, FragEntry[]>();
  private readonly ring: FragEntry[] = [];
  private head = 0;
  private liveCount = 0;
  /** Fragments that never got a flow (evicted before their first fragment came). */
  unattributed = 0;
  /** Datagrams seen (entries made). */
  created = 0;

  constructor(private readonly maxEntries = MAX_FRAGMENT_ENTRIES) {}

  private hashKey(): number {
    let h = 0x811c9dc5;
    const k = this.key;
    for (let i = 0; i < 11; i++) h = Math.imul(h ^ k[i], 0x01000193);
    return h ^ (h >>> 15);
  }

  /** Finds or creates the entry for `this.key`. */
  lookup(): FragEntry {
    const h = this.hashKey();
    const list = this.byHash.get(h);
    if (list) {
      for (const e of list) {
        let same = true;
        for (let i = 0; i < 11 && same; i++) same = e.key[i] === this.key[i];
        if (same) return e;
      }
    }
    if (this.liveCount >= this.maxEntries) this.evictOldest();
    const e = new FragEntry();
    this.created++;
    e.key.set(this.key);
    e.hash = h;
    if (list) list.push(e);
    else this.byHash.set(h, [e]);
    this.ring.push(e);
    this.liveCount++;
    return e;
  }

  /** Records that a fragment [offset, offset+len) arrived; returns true when this fragment
   *  completes the datagram. */
  add(e: FragEntry, offset: number, len: number, more: boolean): boolean {
    if (!more) e.total = offset + len;
    if (e.offsets.indexOf(offset) < 0) {
      if (e.offsets.length < MAX_OFFSETS) e.offsets.push(offset);
      e.received += len;
    }
    if (!e.done && e.total >= 0 && e.received >= e.total && e.flow >= 0) {
      // Kept (until evicted) so that a late duplicate still names its flow.
      e.done = true;
      return true;
    }
    return false;
  }

  remove(e: FragEntry): void {
    if (!e.live) return;
    e.live = false;
    this.liveCount--;
    const list = this.byHash.get(e.hash);
    if (list) {
      const i = list.indexOf(e);
      if (i >= 0) list.splice(i, 1);
      if (list.length === 0) this.byHash.delete(e.hash);
    }
    if (this.ring.length > this.maxEntries * 4) this.compact();
  }

  private evictOldest(): void {
    while (this.head < this.ring.length) {
      const e = this.ring[this.head++];
      if (e.live) {
        if (e.flow < 0) this.unattributed += e.pendingPkts;
        this.remove(e);
        break;
      }
    }
    if (this.head > 1024) this.compact();
  }

  private compact(): void {
    const live = this.ring.slice(this.head).filter((e) => e.live);
    this.ring.length = 0;
    this.ring.push(...live);
    this.head = 0;
  }

  /** Fragments still waiting for a first fragment (at the end of the capture). */
  pendingUnattributed(): number {
    let n = this.unattributed;
    for (let i = this.head; i < this.ring.length; i++) {
      const e = this.ring[i];
      if (e.live && e.flow < 0) n += e.pendingPkts;
    }
    return n;
  }
}
