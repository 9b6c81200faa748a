// Drives a CaptureReader from a file (two reused buffers: memory does not depend on the file's
// size) or from any async stream of bytes (socket, process stdout).
//
// A CaptureFormatError after something was delivered does not lose what was read: the result
// carries end.truncated = { offset, reason } and end.corrupt = true. Only an error before any
// section or packet reached the sink (bad magic, unsupported version, …) is thrown.

import { readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { CaptureReader } from './captureReader.js';
import { CaptureFormatError } from './types.js';
import type { CaptureSink, ReaderEnd, ReaderLimits, ReaderStats } from './types.js';

export const DEFAULT_CHUNK_BYTES = 4 * 1024 * 1024;

export interface ReadCaptureOptions {
  /** Size of the one read buffer (default 4 MiB). */
  chunkBytes?: number;
  signal?: AbortSignal;
  /** Called after each chunk; totalBytes is undefined for streams. */
  onProgress?: (bytesRead: number, totalBytes: number | undefined) => void;
  limits?: Partial<ReaderLimits>;
}

export interface ReadCaptureResult {
  end: ReaderEnd;
  stats: ReaderStats;
  /** Bytes read from the file or stream. */
  fileBytes: number;
}

function settle(reader: CaptureReader, err: unknown, fileBytes: number): ReadCaptureResult {
  if (err !== undefined) {
    if (!(err instanceof CaptureFormatError) || (reader.sections === 0 && reader.stats.packets === 0)) throw err;
  }
  return { end: reader.end(), stats: reader.stats, fileBytes };
}

export async function readCaptureFile(path: string, sink: CaptureSink, opts: ReadCaptureOptions = {}): Promise<ReadCaptureResult> {
  const reader = new CaptureReader(sink, opts.limits);
  const fh = await open(path, 'r');
  let fileBytes = 0;
  // Two buffers: the next chunk is read (by the thread pool, on another core) while this one
  // is parsed. Memory stays two chunks whatever the file's size.
  let pending: Promise<{ bytesRead: number }> | undefined;
  try {
    const total = (await fh.stat()).size;
    const size = Math.max(1, Math.min(opts.chunkBytes ?? DEFAULT_CHUNK_BYTES, Math.max(total, 64 * 1024)));
    const bufs = [new Uint8Array(size), new Uint8Array(size)];
    let cur = 0;
    let readPos = 0;
    const readNext = (buf: Uint8Array): Promise<{ bytesRead: number }> => {
      const p = fh.read(buf, 0, size, readPos);
      return p.then((r) => {
        readPos += r.bytesRead;
        return r;
      });
    };
    pending = readNext(bufs[0]);
    let err: unknown;
    for (;;) {
      opts.signal?.throwIfAborted();
      const { bytesRead } = await pending;
      pending = undefined;
      if (bytesRead === 0) break;
      const buf = bufs[cur];
      cur ^= 1;
      pending = readNext(bufs[cur]);
      fileBytes += bytesRead;
      try {
        reader.push(buf.subarray(0, bytesRead));
      } catch (e) {
        err = e;
        break;
      }
      opts.onProgress?.(fileBytes, total);
    }
    return settle(reader, err, fileBytes);
  } finally {
    if (pending) await pending.catch(() => undefined);
    await fh.close();
  }
}

/** Bytes [0, bytes) of the open file `fd`, read synchronously `chunkBytes` at a time into one
 *  reused buffer (each chunk is a view of it, valid until the next): the parallel analysis's
 *  threads read this way, so that the core that copies the bytes in is the one that decodes
 *  them. Ends early at the file's end. */
export function* fileChunks(fd: number, bytes: number, chunkBytes: number): Generator<Uint8Array, void, undefined> {
  const buf = new Uint8Array(Math.max(64, Math.min(chunkBytes, bytes)));
  for (let pos = 0; pos < bytes;) {
    const n = readSync(fd, buf, 0, Math.min(buf.length, bytes - pos), pos);
    if (n === 0) return;
    pos += n;
    yield n === buf.length ? buf : buf.subarray(0, n);
  }
}

export async function readCaptureStream(
  stream: AsyncIterable<Uint8Array>,
  sink: CaptureSink,
  opts: ReadCaptureOptions = {},
): Promise<ReadCaptureResult> {
  const reader = new CaptureReader(sink, opts.limits);
  let fileBytes = 0;
  let err: unknown;
  for await (const chunk of stream) {
    opts.signal?.throwIfAborted();
    fileBytes += chunk.length;
    try {
      reader.push(chunk);
    } catch (e) {
      err = e;
      break;
    }
    opts.onProgress?.(fileBytes, undefined);
  }
  return settle(reader, err, fileBytes);
}
