// Builds the lab's Go components from their wrapper modules (src/lab/build/<name>) into the
// cache, keyed by version and by a hash of the module files, the build flags and the Go
// version; reused when present. A build shows its step and the time it has taken so far.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { elapsed, run, runLogged } from './run.js';
import { CACHE_ROOT, CONTAINERD_VERSION, COREDNS_VERSION, KUBERNETES_VERSION, buildModuleDir } from './versions.js';
import { withLock } from './lock.js';

export interface GoBuild {
  name: string;
  version: string;
  /** Packages to build; the binaries are renamed by `rename` (Go names a /vN path after the element before it). */
  packages: string[];
  rename?: Record<string, string>;
  cgo: boolean;
  ldflags: string[];
}

const K8S_VERSION_PKG = 'k8s.io/component-base/version';
const k8sMinor = KUBERNETES_VERSION.split('.')[1];

export const GO_BUILDS: GoBuild[] = [
  {
    name: 'kubernetes', version: KUBERNETES_VERSION, cgo: true,
    packages: ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubelet', 'kube-proxy'].map((c) => `k8s.io/kubernetes/cmd/${c}`)
      .concat('go.etcd.io/etcd/server/v3'),
    rename: { server: 'etcd' },
    ldflags: ['-s', '-w', `-X ${K8S_VERSION_PKG}.gitVersion=${KUBERNETES_VERSION}`, `-X ${K8S_VERSION_PKG}.gitMajor=1`,
      `-X ${K8S_VERSION_PKG}.gitMinor=${k8sMinor}`, `-X ${K8S_VERSION_PKG}.gitTreeState=clean`],
  },
  {
    name: 'containerd', version: CONTAINERD_VERSION, cgo: false,
    packages: ['containerd', 'containerd-shim-runc-v2', 'ctr'].map((c) => `github.com/containerd/containerd/v2/cmd/${c}`),
    ldflags: ['-s', '-w', `-X github.com/containerd/containerd/v2/version.Version=${CONTAINERD_VERSION}`],
  },
  { name: 'coredns', version: COREDNS_VERSION, cgo: false, packages: ['github.com/coredns/coredns'], ldflags: ['-s', '-w'] },
  { name: 'demo', version: 'lab', cgo: false, packages: ['.'], rename: { demo: 'falcoshark-lab-demo' }, ldflags: ['-s', '-w'] },
];

let goVersionMemo: string | undefined;
async function goVersion(): Promise<string> {
  goVersionMemo ??= (await run(['go', 'version'])).trim();
  return goVersionMemo;
}

/** The cache folder of a build: name-version-hash of (module files, flags, go version). */
export async function buildDir(b: GoBuild): Promise<string> {
  const dir = buildModuleDir(b.name);
  const h = createHash('sha256');
  for (const f of readdirSync(dir).sort()) {
    if (f === 'go.mod' || f === 'go.sum' || f.endsWith('.go')) h.update(`${f}\0`).update(readFileSync(join(dir, f))).update('\0');
  }
  h.update(JSON.stringify(b)).update(await goVersion());
  return join(CACHE_ROOT, 'bin', `${b.name}-${b.version}-${h.digest('hex').slice(0, 12)}`);
}

export type Log = (line: string) => void;

/** Builds `b` unless its cache folder exists; returns the folder holding its binaries. */
export async function ensureGoBuild(b: GoBuild, log: Log): Promise<string> {
  const out = await buildDir(b);
  if (existsSync(join(out, '.complete'))) return out;
  return withLock(`build-${b.name}`, async () => {
    if (existsSync(join(out, '.complete'))) return out;
    const tmp = `${out}.tmp-${process.pid}`;
    await rm(tmp, { recursive: true, force: true });
    await mkdir(tmp, { recursive: true });
    const started = Date.now();
    log(`building ${b.name} ${b.version} from the Go module proxy (${b.packages.length} package${b.packages.length > 1 ? 's' : ''}); the first build on a machine takes minutes`);
    const timer = setInterval(() => log(`  still building ${b.name} ${b.version} … ${elapsed(started)}`), 30_000);
    try {
      await runLogged(['go', 'build', '-trimpath', '-mod=readonly', '-o', `${tmp}/`, '-ldflags', b.ldflags.join(' '), ...b.packages],
        (l) => log(`  go: ${l}`), {
          cwd: buildModuleDir(b.name),
          env: { ...process.env, CGO_ENABLED: b.cgo ? '1' : '0', GOTOOLCHAIN: 'local', GOFLAGS: '-buildvcs=false' },
        });
    } finally {
      clearInterval(timer);
    }
    for (const [from, to] of Object.entries(b.rename ?? {})) await rename(join(tmp, from), join(tmp, to));
    await writeMarker(tmp, started);
    await rm(out, { recursive: true, force: true });
    await rename(tmp, out);
    log(`built ${b.name} ${b.version} in ${elapsed(started)} → ${out}`);
    return out;
  });
}

async function writeMarker(dir: string, started: number): Promise<void> {
  const { writeFile } = await import('node:fs/promises');
  await writeFile(join(dir, '.complete'), JSON.stringify({ builtAt: new Date().toISOString(), seconds: Math.round((Date.now() - started) / 1000) }));
}

export interface LabBinaries { kubernetes: string; containerd: string; coredns: string; demo: string }

/** Every Go component, built or taken from the cache (in sequence: the machine has 2 cores). */
export async function ensureBinaries(log: Log): Promise<LabBinaries> {
  const dirs: Record<string, string> = {};
  for (const b of GO_BUILDS) dirs[b.name] = await ensureGoBuild(b, log);
  return dirs as unknown as LabBinaries;
}
