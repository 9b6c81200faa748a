// Rebuilds the lab's images from this checkout (dist/cli.js for serve and the recorder, the demo
// binary) and imports them into a running lab, without restarting it — for development:
//   npm run build && node --import tsx scripts/lab-refresh-images.mts [name]   (default: tests)
// Pods already running keep their old image until they are restarted.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureImages, importImages } from '../src/lab/cluster/images.js';

const name = process.argv[2] ?? 'tests';
const state = join('/var/lib/falcoshark-lab', name);
const info = JSON.parse(readFileSync(join(state, 'lab.json'), 'utf8')) as { bins: Parameters<typeof ensureImages>[0] & { containerd: string } };
const log = (s: string): void => { process.stderr.write(`${s}\n`); };
const images = await ensureImages(info.bins, log);
await importImages(join(info.bins.containerd, 'ctr'), join(state, 'containerd', 'containerd.sock'), images, log);
