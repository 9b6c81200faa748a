// The serve image the lab builds (src/lab/cluster/serveImages.ts) and the one users build from
// deploy/images/serve/Containerfile are the same image: the same Debian packages, dumpcap's file
// capability, the same paths, entrypoint and user; and deploy/serve.yaml names exactly the
// images those documented commands build, with the one capability dumpcap needs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { SERVE_CLI_PATH, SERVE_IMAGE, SERVE_NODE_PATH, SERVE_PACKAGES } from '../../../src/lab/cluster/serveImages.js';
import { IMAGES } from '../../../src/lab/cluster/versions.js';

const ROOT = resolve(__dirname, '..', '..', '..');
const containerfile = readFileSync(join(ROOT, 'deploy', 'images', 'serve', 'Containerfile'), 'utf8');
const runtimeStage = containerfile.slice(containerfile.lastIndexOf('\nFROM '));

test('the Containerfile installs the lab image\'s Debian packages and gives dumpcap cap_net_raw+ep, no set-user-ID bit left', () => {
  const install = /apt-get install -y --no-install-recommends ([^\\\n&]+)/.exec(runtimeStage);
  assert.ok(install, 'an apt-get install line in the runtime stage');
  assert.deepEqual(install[1].trim().split(/\s+/).sort(), [...SERVE_PACKAGES].sort());
  assert.match(runtimeStage, /^FROM docker\.io\/library\/debian:bookworm-slim$/m);
  assert.match(runtimeStage, /setcap cap_net_raw\+ep \/usr\/bin\/dumpcap/);
  assert.match(runtimeStage, /find \/ -xdev -type f -perm \/6000 -exec chmod 0755 \{\} \+/);
});

test('the same paths, entrypoint and user as the lab image', () => {
  assert.match(runtimeStage, new RegExp(`^COPY --from=build /usr/local/bin/node ${SERVE_NODE_PATH}$`, 'm'));
  // The dispatcher and every command bundle, where the lab image puts them.
  const dir = SERVE_CLI_PATH.slice(0, SERVE_CLI_PATH.lastIndexOf('/') + 1);
  assert.match(runtimeStage, new RegExp(`^COPY --from=build /src/dist/cli\\.js /src/dist/cli-\\*\\.js ${dir.replace(/\./g, '\\.')}$`, 'm'));
  assert.match(runtimeStage, /^USER 65532:65532$/m);
  const ep = /^ENTRYPOINT (\[.*\])$/m.exec(runtimeStage);
  assert.ok(ep);
  assert.deepEqual(JSON.parse(ep[1]), [SERVE_NODE_PATH, SERVE_CLI_PATH]);
  assert.match(containerfile, /^FROM docker\.io\/library\/node:20-bookworm-slim AS build$/m, 'Node 20 from Debian 12, as the lab\'s root filesystem');
});

test('deploy/serve.yaml names the images the documented commands build, and gives serve NET_RAW alone', () => {
  const build = /podman build -t (\S+) -f deploy\/images\/serve\/Containerfile \./.exec(containerfile);
  assert.ok(build);
  assert.equal(build[1], SERVE_IMAGE);
  const captureFile = readFileSync(join(ROOT, 'deploy', 'images', 'capture', 'Containerfile'), 'utf8');
  assert.ok(captureFile.includes(IMAGES.capture.split('/').slice(1).join('/')), 'the capture Containerfile documents falcoshark/capture:<tag>');
  type Container = { image: string; imagePullPolicy?: string; args: string[]; securityContext: { allowPrivilegeEscalation: boolean; readOnlyRootFilesystem: boolean; capabilities: { drop: string[]; add?: string[] } } };
  const deployment = parseAllDocuments(readFileSync(join(ROOT, 'deploy', 'serve.yaml'), 'utf8')).map((d) => d.toJSON() as { kind: string; spec: { template: { spec: { securityContext: Record<string, unknown>; containers: Container[] } } } })
    .find((d) => d.kind === 'Deployment');
  assert.ok(deployment);
  const c = deployment.spec.template.spec.containers[0];
  assert.equal(c.image, SERVE_IMAGE);
  assert.equal(c.imagePullPolicy, 'IfNotPresent');
  assert.ok(c.args.includes(`--image=${IMAGES.capture}`), c.args.join(' '));
  assert.ok(c.args.includes('--webhook-token-file=/etc/falcoshark/tokens/webhook-token'), 'serve listens on 0.0.0.0: it needs its webhook token');
  assert.deepEqual(c.securityContext.capabilities, { drop: ['ALL'], add: ['NET_RAW'] });
  assert.equal(c.securityContext.readOnlyRootFilesystem, true);
  assert.equal(c.securityContext.allowPrivilegeEscalation, true, 'dumpcap\'s file capability needs it');
  assert.equal(deployment.spec.template.spec.securityContext.runAsNonRoot, true);
  assert.equal(deployment.spec.template.spec.securityContext.runAsUser, 65532);
  for (const f of ['deploy/serve.yaml', 'deploy/rbac.yaml', 'deploy/namespace.yaml']) {
    assert.doesNotMatch(readFileSync(join(ROOT, f), 'utf8'), /ghcr\.io|nicolaka|docker\.io\/falcoshark/, `${f} names no image nobody publishes`);
  }
});
