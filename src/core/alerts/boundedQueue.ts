// A bounded FIFO between a producer (a source) and one consumer. `offer` refuses when full
// (the webhook answers 429); `push` waits for room (file and log readers pause their stream).
export class BoundedQueue<T> implements AsyncIterable<T> {
  private items: T[] = [];
  private head = 0;
  private closed = false;
  private readers: ((r: IteratorResult<T>) => void)[] = [];
  private writers: (() => void)[] = [];

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`queue capacity must be a positive integer, got ${capacity}`);
  }

  get size(): number { return this.items.length - this.head; }
  get isClosed(): boolean { return this.closed; }
  get isFull(): boolean { return this.size >= this.capacity; }

  /** Adds an item if there is room; false when full or closed. */
  offer(item: T): boolean {
    if (this.closed) return false;
    const reader = this.readers.shift();
    if (reader) { reader({ value: item, done: false }); return true; }
    if (this.isFull) return false;
    this.items.push(item);
    return true;
  }

  /** Adds an item, waiting while the queue is full. Resolves false if the queue was closed. */
  async push(item: T): Promise<boolean> {
    for (;;) {
      if (this.closed) return false;
      if (this.offer(item)) return true;
      // Full: wait for a take (another waiting writer may win the slot; then wait again).
      await new Promise<void>((resolve) => this.writers.push(resolve));
    }
  }

  /** The next item, or undefined once closed and drained. */
  async take(): Promise<T | undefined> {
    const r = await this.next();
    return r.done ? undefined : r.value;
  }

  private next(): Promise<IteratorResult<T>> {
    if (this.size > 0) {
      const value = this.items[this.head] as T;
      this.items[this.head] = undefined as T;
      this.head++;
      if (this.head > 1024 && this.head * 2 > this.items.length) { this.items = this.items.slice(this.head); this.head = 0; }
      this.writers.shift()?.();
      return Promise.resolve({ value, done: false });
    }
    if (this.closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => this.readers.push(resolve));
  }

  /** No more items: readers drain what is left, then finish; waiting writers are released. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const r of this.readers.splice(0)) r({ value: undefined, done: true });
    for (const w of this.writers.splice(0)) w();
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return { next: () => this.next() };
  }
}
