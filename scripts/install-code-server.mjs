// Installs code-server (the real VS Code workbench, served to a browser) into the git-ignored
// cache .vscode-test/code-server, as ../shared/docs/vscode-e2e.md describes. Idempotent: does
// nothing when the pinned version is already there. Usage: node scripts/install-code-server.mjs
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';

export const CODE_SERVER_VERSION = '4.100.3';
const root = resolve(import.meta.dirname, '..');
const prefix = join(root, '.vscode-test', 'code-server');
const bin = join(prefix, 'node_modules', '.bin', 'code-server');
const pkg = join(prefix, 'node_modules', 'code-server', 'package.json');

function installedVersion() {
  try { return JSON.parse(readFileSync(pkg, 'utf8')).version; } catch { return undefined; }
}

function run(cmd, args, env) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } });
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
  if (existsSync(bin) && installedVersion() === CODE_SERVER_VERSION) return bin;
  return withLock(install);
}

function install() {
  if (existsSync(bin) && installedVersion() === CODE_SERVER_VERSION) return bin;
  const rg = ['/usr/bin/rg', '/usr/local/bin/rg'].find((p) => existsSync(p));
  if (!rg) throw new Error('ripgrep is not installed (apt-get install ripgrep): code-server\'s @vscode/ripgrep would try to download it');
  // @vscode/ripgrep 1.15.11 takes its archive from this cache instead of downloading it.
  const cache = join(process.env.TMPDIR || tmpdir(), 'vscode-ripgrep-cache-1.15.11');
  mkdirSync(cache, { recursive: true });
  const dir = rg.slice(0, rg.lastIndexOf('/'));
  run('tar', ['czf', join(cache, 'ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz'), '-C', dir, 'rg']);
  mkdirSync(prefix, { recursive: true });
  process.stderr.write(`installing code-server ${CODE_SERVER_VERSION} into ${prefix} (about a minute)\n`);
  // --ignore-scripts: the package ships VS Code's native modules prebuilt, and its install
  // scripts (argon2's node-pre-gyp, code-server's postinstall) are only needed for password
  // auth and other platforms. Whether npm 11 runs them depends on its install-scripts policy and
  // the environment; when it did (under the test runner on a fresh clone) argon2's node-pre-gyp
  // crashed on a minipass version clash. Skipping them makes the install the same everywhere.
  run('npm', ['install', '--prefix', prefix, '--unsafe-perm', '--ignore-scripts', '--no-audit', '--no-fund', '--no-save', `code-server@${CODE_SERVER_VERSION}`],
    { npm_config_yes: 'true' });
  if (!existsSync(bin)) throw new Error(`code-server was installed but ${bin} is missing`);
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
