// The I/O floor: read the whole file with one reused 4 MiB buffer and touch nothing.
import { open } from 'node:fs/promises';

const fh = await open(process.argv[2], 'r');
const buf = Buffer.allocUnsafe(4 * 1024 * 1024);
let total = 0;
for (;;) {
  const { bytesRead } = await fh.read(buf, 0, buf.length, null);
  if (bytesRead === 0) break;
  total += bytesRead;
}
await fh.close();
process.stdout.write(JSON.stringify({ bytes: total }) + '\n');
