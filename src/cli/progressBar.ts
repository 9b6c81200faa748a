// A one-line progress bar on stderr, only when stderr is a terminal.
import { formatBytes } from '../shared/byteSize.js';

export class ProgressBar {
  private last = 0;
  private readonly started = Date.now();
  private shown = false;
  constructor(private readonly label: string, private readonly out: NodeJS.WriteStream = process.stderr) {}

  get enabled(): boolean {
    return this.out.isTTY === true;
  }

  update(done: number, total: number, extra = ''): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.last < 100 && done < total) return;
    this.last = now;
    const frac = total > 0 ? Math.min(1, done / total) : 0;
    const width = 30;
    const filled = Math.round(frac * width);
    const secs = (now - this.started) / 1000;
    const rate = secs > 0 ? done / secs : 0;
    const line = `${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(frac * 100).toFixed(0).padStart(3)}% `
      + `${formatBytes(done)}/${formatBytes(total)} ${formatBytes(rate)}/s ${extra}`;
    this.out.write(`\r${line.slice(0, (this.out.columns ?? 100) - 1)}`);
    this.shown = true;
  }

  done(): void {
    if (this.shown) this.out.write('\r\x1b[K');
  }
}
