// The lab's images, built here (no registry): each is a docker archive (manifest.json, config,
// layer tars) that `ctr images import` takes. Layers are made with GNU tar from files built in
// the cache (Go binaries, the static pause binary) or from a Debian root filesystem made by
// mmdebstrap from Debian's packages (the same packages as deploy/images/capture/Containerfile).
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LabBinaries, Log } from './build.js';
import { withLock } from './lock.js';
import { elapsed, run, runLogged } from './run.js';
import { CACHE_ROOT, CAPTURE_PACKAGES, DEBIAN_MIRROR, DEBIAN_SUITE, IMAGES, buildModuleDir } from './versions.js';
import { serveImageBuilds } from './serveImages.js';

const TAR_FLAGS = ['--sort=name', '--owner=0', '--group=0', '--numeric-owner', '--mtime=@0', '--format=gnu'];

function sha256File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(file).on('data', (b) => h.update(b)).on('error', reject).on('end', () => resolve(h.digest('hex')));
  });
}

/** A Debian root filesystem (tar) with `packages`, made once per package list and suite. */
export async function ensureDebianRootfs(name: string, packages: string[], log: Log): Promise<string> {
  const key = createHash('sha256').update(JSON.stringify({ DEBIAN_SUITE, DEBIAN_MIRROR, packages, variant: 'minbase' })).digest('hex').slice(0, 12);
  const out = join(CACHE_ROOT, 'rootfs', `${name}-${DEBIAN_SUITE}-${key}.tar`);
  if (existsSync(out)) return out;
  return withLock(`rootfs-${name}`, async () => {
    if (existsSync(out)) return out;
    await mkdir(join(CACHE_ROOT, 'rootfs'), { recursive: true });
    const started = Date.now();
    log(`making the ${name} root filesystem: Debian ${DEBIAN_SUITE} + ${packages.join(', ')} (mmdebstrap; a few minutes the first time)`);
    const timer = setInterval(() => log(`  still making the ${name} root filesystem … ${elapsed(started)}`), 30_000);
    const tmp = `${out}.tmp-${process.pid}`;
    try {
      await runLogged(['mmdebstrap', '--variant=minbase', '--mode=root', '--format=tar', `--include=${packages.join(',')}`,
        '--dpkgopt=path-exclude=/usr/share/doc/*', '--dpkgopt=path-exclude=/usr/share/man/*', '--dpkgopt=path-exclude=/usr/share/locale/*',
        '--dpkgopt=path-include=/usr/share/doc/*/copyright', '--quiet', DEBIAN_SUITE, tmp, DEBIAN_MIRROR], (l) => log(`  mmdebstrap: ${l}`),
      { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    } finally {
      clearInterval(timer);
    }
    await rename(tmp, out);
    log(`made the ${name} root filesystem in ${elapsed(started)}`);
    return out;
  });
}

interface Layer { tar: string; diffId: string }

/** A layer tar of `files` (path in the image → file on disk, mode). */
async function filesLayer(work: string, files: { path: string; from?: string; mode: number; dir?: boolean }[]): Promise<string> {
  const root = join(work, 'rootfs');
  await rm(root, { recursive: true, force: true });
  await mkdir(root, { recursive: true });
  for (const f of files) {
    const dest = join(root, f.path);
    if (f.dir) { await mkdir(dest, { recursive: true }); await chmod(dest, f.mode); continue; }
    await mkdir(join(dest, '..'), { recursive: true });
    if (f.from) await copyFile(f.from, dest);
    await chmod(dest, f.mode);
  }
  const tar = join(work, `layer-${files.length}-${Date.now()}.tar`);
  await run(['tar', ...TAR_FLAGS, '-C', root, '-cf', tar, '.']);
  await rm(root, { recursive: true, force: true });
  return tar;
}

export interface ImageSpec {
  ref: string;
  layers: string[];
  entrypoint?: string[];
  cmd?: string[];
  user?: string;
  env?: string[];
}

/** Writes a docker archive of `spec` to `out`. */
async function writeArchive(spec: ImageSpec, out: string): Promise<void> {
  const work = `${out}.d`;
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  const layers: Layer[] = [];
  for (const [i, tar] of spec.layers.entries()) {
    const diffId = await sha256File(tar);
    await mkdir(join(work, diffId), { recursive: true });
    await copyFile(tar, join(work, diffId, 'layer.tar'));
    layers.push({ tar: `${diffId}/layer.tar`, diffId: `sha256:${diffId}` });
    void i;
  }
  const config = {
    architecture: 'amd64', os: 'linux', created: '1970-01-01T00:00:00Z',
    config: {
      Env: spec.env ?? ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
      ...(spec.entrypoint ? { Entrypoint: spec.entrypoint } : {}), ...(spec.cmd ? { Cmd: spec.cmd } : {}), ...(spec.user ? { User: spec.user } : {}),
      Labels: { 'org.opencontainers.image.source': 'falcoshark lab (built locally)' },
    },
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
    history: layers.map(() => ({ created: '1970-01-01T00:00:00Z', created_by: 'falcoshark lab image builder' })),
  };
  const configText = JSON.stringify(config);
  const configName = `${createHash('sha256').update(configText).digest('hex')}.json`;
  await writeFile(join(work, configName), configText);
  await writeFile(join(work, 'manifest.json'), JSON.stringify([{ Config: configName, RepoTags: [spec.ref], Layers: layers.map((l) => l.tar) }]));
  const tmp = `${out}.tmp-${process.pid}`;
  await run(['tar', ...TAR_FLAGS, '-C', work, '-cf', tmp, 'manifest.json', configName, ...layers.map((l) => l.tar)]);
  await rename(tmp, out);
  await rm(work, { recursive: true, force: true });
}

export interface LabImage { ref: string; archive: string }

/** The static pause binary from the Kubernetes module's own source (build/pause/linux/pause.c). */
async function ensurePause(log: Log): Promise<string> {
  const modDir = (await run(['go', 'list', '-m', '-f', '{{.Dir}}', 'k8s.io/kubernetes'], { cwd: buildModuleDir('kubernetes'), env: { ...process.env, GOFLAGS: '-mod=readonly' } })).trim();
  const src = join(modDir, 'build', 'pause', 'linux', 'pause.c');
  const key = (await sha256File(src)).slice(0, 12);
  const out = join(CACHE_ROOT, 'bin', `pause-${key}`, 'pause');
  if (existsSync(out)) return out;
  log('building the pause binary (gcc -static, from the Kubernetes source)');
  await mkdir(join(out, '..'), { recursive: true });
  const tag = IMAGES.pause.split(':')[1];
  await run(['gcc', '-Os', '-Wall', '-Werror', '-static', `-DVERSION=v${tag}-falcoshark-lab`, '-o', `${out}.tmp`, src]);
  await rename(`${out}.tmp`, out);
  return out;
}

/** Builds (or takes from the cache) every image the lab runs. */
export async function ensureImages(bins: LabBinaries, log: Log): Promise<LabImage[]> {
  const pause = await ensurePause(log);
  const demoBin = join(bins.demo, 'falcoshark-lab-demo');
  const coredns = join(bins.coredns, 'coredns');
  const rootfs = await ensureDebianRootfs('capture', CAPTURE_PACKAGES, log);
  const tmpDir = { path: '/tmp', mode: 0o1777, dir: true };
  const specs: { spec: Omit<ImageSpec, 'layers'>; layers: () => Promise<string[]>; inputs: string[] }[] = [
    { spec: { ref: IMAGES.pause, entrypoint: ['/pause'], user: '65535:65535' }, inputs: [pause],
      layers: async () => [await filesLayer(await workDir('pause'), [{ path: 'pause', from: pause, mode: 0o755 }])] },
    { spec: { ref: IMAGES.capture, cmd: ['sleep', 'infinity'] }, inputs: [rootfs], layers: async () => [rootfs] },
    { spec: { ref: IMAGES.demo, entrypoint: ['/usr/local/bin/falcoshark-lab-demo'], user: '65532:65532' }, inputs: [demoBin],
      layers: async () => [await filesLayer(await workDir('demo'), [{ path: 'usr/local/bin/falcoshark-lab-demo', from: demoBin, mode: 0o755 }, tmpDir])] },
    { spec: { ref: IMAGES.falco, entrypoint: ['/usr/local/bin/falcoshark-lab-demo', 'falco'] }, inputs: [rootfs, demoBin],
      layers: async () => [rootfs, await filesLayer(await workDir('falco'), [{ path: 'usr/local/bin/falcoshark-lab-demo', from: demoBin, mode: 0o755 }])] },
    { spec: { ref: IMAGES.coredns, entrypoint: ['/coredns'], user: '65532:65532' }, inputs: [coredns],
      layers: async () => [await filesLayer(await workDir('coredns'), [{ path: 'coredns', from: coredns, mode: 0o755 }, tmpDir])] },
  ];
  specs.push(...await serveImageBuilds({ ensureDebianRootfs, filesLayer, workDir, tarFlags: TAR_FLAGS }, log));
  const images: LabImage[] = [];
  for (const s of specs) {
    const h = createHash('sha256').update(JSON.stringify(s.spec));
    for (const f of s.inputs) h.update(await sha256File(f));
    const safe = s.spec.ref.replace(/[^a-zA-Z0-9.-]+/g, '_');
    const archive = join(CACHE_ROOT, 'images', `${safe}-${h.digest('hex').slice(0, 12)}.tar`);
    if (!existsSync(archive)) {
      await mkdir(join(CACHE_ROOT, 'images'), { recursive: true });
      log(`building image ${s.spec.ref}`);
      const layers = await s.layers();
      await writeArchive({ ...s.spec, layers }, archive);
      for (const l of layers) if (!s.inputs.includes(l)) await rm(l, { force: true });
    }
    images.push({ ref: s.spec.ref, archive });
  }
  return images;
}

async function workDir(name: string): Promise<string> {
  const d = join(CACHE_ROOT, 'work', `${name}-${process.pid}`);
  await mkdir(d, { recursive: true });
  return d;
}

/** Imports the archives into the lab's containerd (namespace k8s.io, where the kubelet looks). */
export async function importImages(ctr: string, socket: string, images: LabImage[], log: Log): Promise<void> {
  for (const im of images) {
    const started = Date.now();
    await run([ctr, '--address', socket, '--namespace', 'k8s.io', 'images', 'import', '--no-unpack=false', im.archive], { timeoutMs: 300_000 });
    log(`imported ${im.ref} (${elapsed(started)})`);
  }
}
