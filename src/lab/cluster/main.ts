// Entry point of the real lab's helper processes (bundled to dist/lab-cluster.js; under tsx:
// src/lab/cluster/main.ts):
//   lab-cluster.js build                         build or reuse every component and image (cache)
//   lab-cluster.js supervise STATE_DIR            the node: runs the components (inside the lab's namespaces)
//   lab-cluster.js forward LISTEN TARGET INFO     a byte forwarder (host loopback ↔ unix socket ↔ apiserver)
import { ensureBinaries } from './build.js';
import { ensureImages } from './images.js';

async function main(argv: string[]): Promise<number> {
  const log = (l: string): void => { process.stderr.write(`[lab] ${l}\n`); };
  switch (argv[0]) {
    case 'build': {
      const bins = await ensureBinaries(log);
      const images = await ensureImages(bins, log);
      for (const i of images) process.stdout.write(`${i.ref}\t${i.archive}\n`);
      return 0;
    }
    case 'supervise': {
      const { supervise } = await import('./supervisor.js');
      return supervise(argv[1]);
    }
    case 'forward': {
      const { forward } = await import('./forwarder.js');
      return forward(argv[1], argv[2], argv[3]);
    }
    default:
      process.stderr.write('usage: lab-cluster.js build | supervise STATE_DIR | forward LISTEN TARGET INFO_FILE\n');
      return 2;
  }
}

main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (e: unknown) => {
  process.stderr.write(`falcoshark lab: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
