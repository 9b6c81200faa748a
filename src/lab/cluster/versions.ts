// What the real lab cluster is made of, pinned. Each Go component is built from a wrapper
// module under src/lab/build/<name>/ (its go.mod pins the version, its go.sum every checksum);
// Debian packages (runc, CNI plugins, iptables, conntrack, mmdebstrap) come from
// scripts/install-debian-packages.sh. Builds and images go to a cache outside the clone,
// keyed by version and by a hash of what went into them, so a machine that has built once
// starts in seconds.
import { join, resolve } from 'node:path';

export const KUBERNETES_VERSION = 'v1.34.4';
export const CONTAINERD_VERSION = 'v2.2.7';
export const COREDNS_VERSION = 'v1.12.1';
/** etcd comes from k8s.io/kubernetes' own module graph (go.etcd.io/etcd/server/v3). */
export const ETCD_VERSION = 'v3.6.4';
export const DEBIAN_SUITE = 'bookworm';
export const DEBIAN_MIRROR = process.env.FALCOSHARK_LAB_DEBIAN_MIRROR ?? 'http://deb.debian.org/debian';

/** Version of the images the lab builds (bump when what goes into them changes meaning). */
export const LAB_IMAGE_TAG = '0.1.0';
export const IMAGES = {
  pause: 'registry.k8s.io/pause:3.10.1',
  capture: `localhost/falcoshark/capture:${LAB_IMAGE_TAG}`,
  demo: `localhost/falcoshark/lab-demo:${LAB_IMAGE_TAG}`,
  falco: `localhost/falcoshark/lab-falco:${LAB_IMAGE_TAG}`,
  coredns: `localhost/falcoshark/coredns:${COREDNS_VERSION.slice(1)}`,
} as const;

/** Debian packages of the capture image (the same as deploy/images/capture/Containerfile). */
export const CAPTURE_PACKAGES = ['tshark', 'tcpdump', 'conntrack', 'iproute2', 'ca-certificates'];

export const CACHE_ROOT = process.env.FALCOSHARK_LAB_CACHE ?? '/var/cache/falcoshark-lab';
export const STATE_ROOT = process.env.FALCOSHARK_CLUSTER_STATE ?? '/var/lib/falcoshark-lab';

/** The repository root: from src/lab/cluster (tsx) or from dist/ (bundled). */
export function repoRoot(): string {
  const fromSrc = resolve(__dirname, '..', '..', '..');
  const fromDist = resolve(__dirname, '..');
  return __dirname.endsWith(join('src', 'lab', 'cluster')) ? fromSrc : fromDist;
}

export function buildModuleDir(name: string): string {
  return join(repoRoot(), 'src', 'lab', 'build', name);
}
