// Splits a byte stream into lines without unbounded buffering: a line longer than the limit is
// dropped (reported once with its length) and reading resumes at the next newline.
export type SplitLine = { ok: true; line: Buffer } | { ok: false; bytes: number };

export class LineSplitter {
  private parts: Buffer[] = [];
  private pending = 0;
  private discarding = false;
  private discarded = 0;

  constructor(private readonly maxLineBytes: number) {}

  /** Feeds a chunk; returns the complete lines (without "\n" / "\r\n") in order. */
  push(chunk: Buffer): SplitLine[] {
    const out: SplitLine[] = [];
    let start = 0;
    while (start < chunk.length) {
      const nl = chunk.indexOf(10, start);
      const end = nl < 0 ? chunk.length : nl;
      const piece = chunk.subarray(start, end);
      if (this.discarding) {
        this.discarded += piece.length;
      } else if (this.pending + piece.length > this.maxLineBytes) {
        this.discarding = true;
        this.discarded = this.pending + piece.length;
        this.parts = [];
        this.pending = 0;
      } else if (piece.length > 0) {
        // Copy: the caller may reuse its chunk buffer.
        this.parts.push(nl < 0 ? Buffer.from(piece) : piece);
        this.pending += piece.length;
      }
      if (nl < 0) break;
      out.push(this.finishLine());
      start = nl + 1;
    }
    return out;
  }

  /** The last line when the stream ends without a newline (null if nothing is pending). */
  end(): SplitLine | null {
    if (!this.discarding && this.pending === 0) return null;
    return this.finishLine();
  }

  /** Drops any partial line (after a truncation or a reconnect). */
  reset(): void {
    this.parts = [];
    this.pending = 0;
    this.discarding = false;
    this.discarded = 0;
  }

  private finishLine(): SplitLine {
    if (this.discarding) {
      const bytes = this.discarded;
      this.reset();
      return { ok: false, bytes };
    }
    let line = this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts, this.pending);
    this.parts = [];
    this.pending = 0;
    if (line.length > 0 && line[line.length - 1] === 13) line = line.subarray(0, line.length - 1);
    return { ok: true, line };
  }
}
