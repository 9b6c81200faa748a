// Installs code-server (the real VS Code workbench, served to a browser) into the git-ignored
// cache .vscode-test/code-server, as ../shared/docs/vscode-e2e.md describes. Idempotent: does
// nothing when the pinned version is already there. Usage: node scripts/install-code-server.mjs
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';

export const CODE_SERVER_VERSION = '4.100.3';
const root = resolve(import.meta.dirname, '..');
// FALCOSHARK_CODE_SERVER_PREFIX: install elsewhere (to check a fresh install without touching the cache).
const prefix = process.env.FALCOSHARK_CODE_SERVER_PREFIX || join(root, '.vscode-test', 'code-server');
const bin = join(prefix, 'node_modules', '.bin', 'code-server');
const pkg = join(prefix, 'node_modules', 'code-server', 'package.json');

function installedVersion() {
  try { return JSON.parse(readFileSync(pkg, 'utf8')).version; } catch { return undefined; }
}

/** Installed and complete: the pinned version, and its postinstall has run (it installs VS Code's
 *  own dependencies into lib/vscode/node_modules and builds argon2; without it the server does
 *  not start). */
function isInstalled() {
  return existsSync(bin) && installedVersion() === CODE_SERVER_VERSION
    && existsSync(join(prefix, 'node_modules', 'code-server', 'lib', 'vscode', 'node_modules'))
    && existsSync(join(prefix, 'node_modules', 'argon2', 'lib', 'binding'));
}

/** The environment of the nested npm install, without what the caller's context leaks into it:
 *  `npm test`'s npm_* settings and its node_modules/.bin on PATH (another node-pre-gyp, another
 *  minipass), the test runner's NODE_TEST_CONTEXT, and NODE_OPTIONS (tsx's loader). */
export function cleanInstallEnv(env = process.env) {
  const out = {};
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined || /^npm_/i.test(k) || k === 'NODE_TEST_CONTEXT' || k === 'NODE_OPTIONS' || k === 'INIT_CWD') continue;
    out[k] = v;
  }
  out.PATH = (env.PATH ?? '').split(':').filter((d) => d && !/node_modules[\\/]\.bin$/.test(d)).join(':');
  return out;
}

function run(cmd, args, env) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...cleanInstallEnv(), ...env } });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status}`);
}

/** One install at a time (test files run in parallel): a lock file created exclusively; a lock
 *  older than 10 minutes is from a dead run and is taken over. */
function withLock(fn) {
  mkdirSync(join(root, '.vscode-test'), { recursive: true });
  const lock = join(root, '.vscode-test', 'code-server.lock');
  const deadline = Date.now() + 15 * 60_000;
  for (;;) {
    try {
      closeSync(openSync(lock, 'wx'));
      break;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      try { if (Date.now() - statSync(lock).mtimeMs > 10 * 60_000) { rmSync(lock, { force: true }); continue; } } catch { continue; }
      if (Date.now() > deadline) throw new Error(`${lock} is held by another install for too long`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
    }
  }
  try { return fn(); } finally { rmSync(lock, { force: true }); }
}

export function installCodeServer() {
  if (isInstalled()) return bin;
  return withLock(install);
}

function install() {
  if (isInstalled()) return bin;
  const rg = ['/usr/bin/rg', '/usr/local/bin/rg'].find((p) => existsSync(p));
  if (!rg) throw new Error('ripgrep is not installed (apt-get install ripgrep): code-server\'s @vscode/ripgrep would try to download it');
  // @vscode/ripgrep 1.15.11 takes its archive from this cache instead of downloading it.
  const cache = join(process.env.TMPDIR || tmpdir(), 'vscode-ripgrep-cache-1.15.11');
  mkdirSync(cache, { recursive: true });
  const dir = rg.slice(0, rg.lastIndexOf('/'));
  run('tar', ['czf', join(cache, 'ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz'), '-C', dir, 'rg']);
  mkdirSync(prefix, { recursive: true });
  process.stderr.write(`installing code-server ${CODE_SERVER_VERSION} into ${prefix} (about a minute)\n`);
  // Its install scripts must run (postinstall installs VS Code's dependencies, argon2 builds its
  // binding): with --ignore-scripts the server does not start. They run in a clean environment
  // (cleanInstallEnv), so the same install works from a shell, from npm test and from CI.
  run('npm', ['install', '--prefix', prefix, '--unsafe-perm', '--no-audit', '--no-fund', '--no-save', `code-server@${CODE_SERVER_VERSION}`],
    { npm_config_yes: 'true' });
  if (!isInstalled()) throw new Error(`code-server was installed into ${prefix} but is incomplete (its postinstall did not run?)`);
  return bin;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    process.stdout.write(`${installCodeServer()}\n`);
  } catch (e) {
    process.stderr.write(`install-code-server: ${e.message}\n`);
    process.exit(1);
  }
}
