// A JSON-lines file followed as it grows (tail -f semantics: survives truncation and rotation),
// or a readable stream such as stdin.
import { open, stat, type FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { BoundedQueue } from '../boundedQueue.js';
import type { SourceEvent } from './sourceEvents.js';
import { LineSplitter } from '../lineSplitter.js';
import { sleep } from '../backoff.js';
import { ingestLines } from './lineIngest.js';
import { DEFAULT_MAX_BYTES } from '../alertParser.js';

export interface FileSourceOptions {
  path: string;
  /** Start at the end of the file instead of its beginning. */
  fromEnd?: boolean;
  /** Keep following after the end (default true); false reads once and resolves. */
  follow?: boolean;
  pollMs?: number;
  maxLineBytes?: number;
  name?: string;
}

const CHUNK = 256 * 1024;

/** Follows `path` until `signal` aborts (or to its end when `follow` is false). */
export async function followFile(opts: FileSourceOptions, queue: BoundedQueue<SourceEvent>, signal: AbortSignal): Promise<void> {
  const name = opts.name ?? `file:${opts.path}`;
  const maxLine = opts.maxLineBytes ?? DEFAULT_MAX_BYTES;
  const pollMs = opts.pollMs ?? 200;
  const status = (level: 'info' | 'warning' | 'error', message: string) => queue.offer({ type: 'status', source: name, level, message });
  const splitter = new LineSplitter(maxLine);
  const buf = Buffer.allocUnsafe(CHUNK);
  let fh: FileHandle | null = null;
  let ino = -1;
  let pos = 0;
  let waitingReported = false;

  const openFile = async (atEnd: boolean): Promise<FileHandle | null> => {
    try {
      const h = await open(opts.path, 'r');
      const st = await h.stat();
      ino = st.ino;
      pos = atEnd ? st.size : 0;
      splitter.reset();
      waitingReported = false;
      return h;
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (opts.follow === false) throw new Error(`cannot read ${opts.path}: ${e.code === 'ENOENT' ? 'no such file' : e.message}`);
      if (!waitingReported) {
        status('warning', `cannot open ${opts.path} (${e.code === 'ENOENT' ? 'no such file' : e.message}); waiting for it to appear`);
        waitingReported = true;
      }
      return null;
    }
  };

  try {
    let first = true;
    while (!signal.aborted) {
      if (fh === null) {
        fh = await openFile(first && opts.fromEnd === true);
        if (fh === null) { await sleep(pollMs * 5, signal); continue; }
        first = false;
      }
      const h: FileHandle = fh;
      const { bytesRead } = await h.read(buf, 0, CHUNK, pos);
      if (bytesRead > 0) {
        pos += bytesRead;
        await ingestLines(splitter.push(buf.subarray(0, bytesRead)), name, queue, maxLine);
        continue;
      }
      if (opts.follow === false) break;
      // At the end: has the file been truncated or replaced (rotation)?
      const [cur, byPath] = await Promise.all([h.stat(), stat(opts.path).catch(() => null)]);
      if (cur.size < pos) {
        status('info', `${opts.path} was truncated; reading from its start`);
        pos = 0;
        splitter.reset();
        continue;
      }
      if (byPath === null || byPath.ino !== ino) {
        // Rotated: drain what was appended to the old file before the switch, then follow the new one.
        for (;;) {
          const { bytesRead: n } = await h.read(buf, 0, CHUNK, pos);
          if (n === 0) break;
          pos += n;
          await ingestLines(splitter.push(buf.subarray(0, n)), name, queue, maxLine);
        }
        const rest = splitter.end();
        if (rest) await ingestLines([rest], name, queue, maxLine);
        await h.close();
        fh = null;
        if (byPath !== null) status('info', `${opts.path} was replaced (rotated); following the new file`);
        continue;
      }
      await sleep(pollMs, signal);
    }
    const last = splitter.end();
    if (last && opts.follow === false) await ingestLines([last], name, queue, maxLine);
  } finally {
    const h: FileHandle | null = fh;
    if (h !== null) await h.close().catch(() => undefined);
  }
}

/** Reads JSON lines from a stream (stdin) until it ends or `signal` aborts. */
export async function readLinesFrom(stream: Readable, queue: BoundedQueue<SourceEvent>, signal: AbortSignal, opts: { name?: string; maxLineBytes?: number } = {}): Promise<void> {
  const name = opts.name ?? 'stdin';
  const maxLine = opts.maxLineBytes ?? DEFAULT_MAX_BYTES;
  const splitter = new LineSplitter(maxLine);
  const onAbort = () => stream.destroy();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    for await (const chunk of stream) {
      const b = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
      await ingestLines(splitter.push(b), name, queue, maxLine);
    }
    const last = splitter.end();
    if (last) await ingestLines([last], name, queue, maxLine);
  } catch (err) {
    if (!signal.aborted) throw err;
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}
