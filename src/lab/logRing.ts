// A container's log: bounded ring of line records (CRI style: full lines, or a partial
// record when a chunk ends without a newline), plus live subscribers for follow/attach.

export type StreamName = 'stdout' | 'stderr';

export interface LogRecord {
  tsNs: bigint;
  stream: StreamName;
  data: Buffer;      // includes the trailing "\n" when the line is complete
  seq: number;
}

export type LogListener = (r: LogRecord) => void;

export class LogRing {
  private readonly records: LogRecord[] = [];
  private bytes = 0;
  private seq = 0;
  private readonly listeners = new Set<LogListener>();
  private readonly rawListeners = new Set<(stream: StreamName, chunk: Buffer) => void>();
  private readonly endListeners = new Set<() => void>();
  private ended = false;

  constructor(private readonly maxBytes = 4 * 1024 * 1024, private readonly clock: () => bigint) {}

  /** Appends raw output; splits into line records. */
  write(stream: StreamName, chunk: Buffer): void {
    for (const l of [...this.rawListeners]) l(stream, chunk);
    let start = 0;
    const ts = this.clock();
    while (start < chunk.length) {
      const nl = chunk.indexOf(0x0a, start);
      const end = nl === -1 ? chunk.length : nl + 1;
      this.push({ tsNs: ts, stream, data: chunk.subarray(start, end), seq: ++this.seq });
      start = end;
    }
  }

  private push(r: LogRecord): void {
    this.records.push(r);
    this.bytes += r.data.length;
    while (this.bytes > this.maxBytes && this.records.length > 1) {
      const d = this.records.shift();
      if (d) this.bytes -= d.data.length;
    }
    for (const l of [...this.listeners]) l(r);
  }

  snapshot(): LogRecord[] {
    return [...this.records];
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /** Marks the end of this container run: followers finish. */
  end(): void {
    this.ended = true;
    for (const l of [...this.endListeners]) l();
  }

  /** Re-opens the ring for a restarted container (records are kept, like `kubectl logs` of the current run). */
  reopen(): void {
    this.ended = false;
  }

  subscribe(l: LogListener, onEnd: () => void): () => void {
    this.listeners.add(l);
    this.endListeners.add(onEnd);
    return () => { this.listeners.delete(l); this.endListeners.delete(onEnd); };
  }

  subscribeRaw(l: (stream: StreamName, chunk: Buffer) => void, onEnd: () => void): () => void {
    this.rawListeners.add(l);
    this.endListeners.add(onEnd);
    return () => { this.rawListeners.delete(l); this.endListeners.delete(onEnd); };
  }
}
