// The image of `falcoshark serve` as the lab builds it: the same contents as
// deploy/images/serve/Containerfile — Debian 12 with dumpcap (wireshark-common: serve checks
// every capture filter with libpcap's compiler, `dumpcap -d`, before a capture starts; the
// recorder captures with it) and tcpdump (the recorder compiles cut filters with `tcpdump -ddd`), Node 20
// at /usr/local/bin/node and the bundled CLI (dist/cli.js, the dispatcher, and dist/cli-*.js,
// one bundle per command with everything it needs) in /opt/falcoshark/dist/, run as user 65532.
//
// dumpcap needs CAP_NET_RAW to open lo even for the check, and a container's non-root process
// gets no effective capability from Kubernetes: dumpcap carries the file capability
// cap_net_raw+ep (as Debian's own "non-superusers may capture" setting gives it), so only
// dumpcap gets NET_RAW, and only while it runs; Node runs with none. The set-user-ID and
// set-group-ID bits of the other programs are removed (the pod allows privilege escalation for
// dumpcap's file capability, so nothing else may use it).
//
// Node: Debian 12's nodejs is 18, too old (the CLI needs ≥ 20), so the lab copies the Node that
// runs `lab up` (this machine's, a dynamically linked build needing only libc, libstdc++ and
// libgcc_s, which the Debian root filesystem has); the Containerfile takes the same binary from
// the official node:20 Debian 12 image. The Falcosidekick stand-in needs no image of its own: it
// is a subcommand of the lab's demo program (localhost/falcoshark/lab-demo).
import { existsSync, readdirSync, realpathSync } from 'node:fs';
import { chmod, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Log } from './build.js';
import { run } from './run.js';
import { LAB_IMAGE_TAG, repoRoot } from './versions.js';

export const SERVE_IMAGE = `localhost/falcoshark/serve:${LAB_IMAGE_TAG}`;
/** Debian packages of the serve image (the same as deploy/images/serve/Containerfile). */
export const SERVE_PACKAGES = ['wireshark-common', 'tcpdump', 'libstdc++6', 'ca-certificates'];
export const SERVE_NODE_PATH = '/usr/local/bin/node';
export const SERVE_CLI_PATH = '/opt/falcoshark/dist/cli.js';

interface LayerFile { path: string; from?: string; mode: number; dir?: boolean }

/** What images.ts gives: its Debian root filesystem builder and its layer writer. */
export interface ImageTools {
  ensureDebianRootfs: (name: string, packages: string[], log: Log) => Promise<string>;
  filesLayer: (work: string, files: LayerFile[]) => Promise<string>;
  workDir: (name: string) => Promise<string>;
  tarFlags: string[];
}

export interface ImageBuild {
  /** `recipe` is not part of the image: it names how the layers are made, for the cache key. */
  spec: { ref: string; entrypoint?: string[]; cmd?: string[]; user?: string; env?: string[]; recipe?: string };
  layers: () => Promise<string[]>;
  /** Files whose content names the image's version; layers that are inputs are kept (cached). */
  inputs: string[];
}

/** The serve image's build, for ensureImages. Needs `npm run build` (dist/cli.js) and Node ≥ 20. */
export async function serveImageBuilds(tools: ImageTools, log: Log): Promise<ImageBuild[]> {
  const dist = join(repoRoot(), 'dist');
  const cli = join(dist, 'cli.js');
  const commands = existsSync(dist) ? readdirSync(dist).filter((f) => /^cli-\w+\.js$/.test(f)).sort() : [];
  if (!existsSync(cli) || !commands.includes('cli-serve.js')) {
    throw new Error(`the serve image needs the bundled CLI (${cli} and its command bundles, cli-serve.js among them): run \`npm run build\` first`);
  }
  const cliDir = SERVE_CLI_PATH.slice(1, SERVE_CLI_PATH.lastIndexOf('/'));
  const major = Number(process.versions.node.split('.')[0]);
  if (major < 20) throw new Error(`the serve image takes this machine's Node, which is ${process.versions.node}; falcoshark needs Node ≥ 20`);
  const node = realpathSync(process.execPath);
  const rootfs = await tools.ensureDebianRootfs('serve', SERVE_PACKAGES, log);
  return [{
    spec: { ref: SERVE_IMAGE, entrypoint: [SERVE_NODE_PATH, SERVE_CLI_PATH], cmd: ['serve', '--help'], user: '65532:65532', recipe: HARDENING },
    inputs: [rootfs, node, cli, ...commands.map((f) => join(dist, f))],
    layers: async () => [rootfs, await hardeningLayer(tools, rootfs), await tools.filesLayer(await tools.workDir('serve'), [
      { path: SERVE_NODE_PATH.slice(1), from: node, mode: 0o755 },
      { path: SERVE_CLI_PATH.slice(1), from: cli, mode: 0o644 },
      ...commands.map((f) => ({ path: `${cliDir}/${f}`, from: join(dist, f), mode: 0o644 })),
      { path: 'tmp', mode: 0o1777, dir: true },
    ])],
  }];
}

const HARDENING = 'dumpcap cap_net_raw+ep; set-user/group-ID bits removed (v1)';

/** A layer over the root filesystem: dumpcap with cap_net_raw+ep, every set-user/group-ID program without its bit. */
async function hardeningLayer(tools: ImageTools, rootfs: string): Promise<string> {
  const work = await tools.workDir('serve-hardening');
  const root = join(work, 'rootfs');
  await rm(root, { recursive: true, force: true });
  await mkdir(root, { recursive: true });
  // `tar -tv --numeric-owner`: "-rwsr-xr-x 0/0 12345 2026-05-03 15:17 ./usr/bin/su"
  const listing = await run(['tar', '-tv', '--numeric-owner', '-f', rootfs], { maxBuffer: 256 * 1024 * 1024 });
  const special = listing.split('\n').map((l) => l.split(/\s+/)).filter((f) => f.length >= 6 && /^-.{2}[sS]|^-.{5}[sS]/.test(f[0])).map((f) => f[5]);
  const members = [...new Set(['./usr/bin/dumpcap', ...special])];
  await run(['tar', '-x', '--numeric-owner', '-C', root, '-f', rootfs, ...members]);
  for (const m of special) await chmod(join(root, m), 0o755);
  await run(['setcap', 'cap_net_raw+ep', join(root, 'usr', 'bin', 'dumpcap')]);
  const tar = join(work, 'hardening.tar');
  await run(['tar', ...tools.tarFlags.filter((f) => !f.startsWith('--format=')), '--format=pax', '--xattrs', '--xattrs-include=security.capability', '-C', root, '-cf', tar, '.']);
  await rm(root, { recursive: true, force: true });
  return tar;
}
