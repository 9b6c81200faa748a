// `npm run workbench`: the whole loop on this machine. Builds, packages the extension, installs
// code-server (the real VS Code workbench, cached in .vscode-test/), starts the lab (`falcoshark
// lab up`: a real single-node Kubernetes with the demo and Falco alerts; needs root) and code-server with falcoshark
// installed and connected to the lab, then prints the URL to open. Ctrl-C stops everything.
//   node scripts/workbench.mjs [--port 8080] [--no-lab] [--name demo]
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { installCodeServer } from './install-code-server.mjs';
import { packageExtension } from './package-extension.mjs';

const root = resolve(import.meta.dirname, '..');
const argv = process.argv.slice(2);
const opt = (name, d) => { const i = argv.indexOf(name); return i >= 0 && argv[i + 1] ? argv[i + 1] : d; };
const port = Number(opt('--port', '8080'));
const labName = opt('--name', 'demo');
const withLab = !argv.includes('--no-lab');
const dir = join(root, '.vscode-test', 'workbench');
const userData = join(dir, 'user-data');
const extensions = join(dir, 'extensions');
const vsix = join(dir, 'falcoshark.vsix');

function step(what, cmd, args, env) {
  process.stderr.write(`workbench: ${what}\n`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, ...env } });
  if (r.error || r.status !== 0) throw new Error(`${what} failed${r.error ? `: ${r.error.message}` : ` (exit ${r.status})`}`);
}

function startLab() {
  if (process.getuid?.() !== 0) throw new Error('the lab needs root (it runs a kubelet, containerd and network namespaces): run as root, or pass --no-lab');
  process.stderr.write(`workbench: starting the lab "${labName}" (a real Kubernetes; the first start on a machine builds it, about 10 minutes)\n`);
  const r = spawnSync(process.execPath, [join(root, 'dist', 'cli.js'), 'lab', 'up', '--name', labName], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`falcoshark lab up failed (exit ${r.status})`);
  const kubeconfig = r.stdout.trim();
  const doc = readFileSync(kubeconfig, 'utf8');
  const server = /server: (\S+)/.exec(doc)?.[1] ?? '';
  return { kubeconfig, server, stop: () => spawnSync(process.execPath, [join(root, 'dist', 'cli.js'), 'lab', 'down', '--name', labName], { stdio: 'inherit' }) };
}

async function main() {
  step('building', process.execPath, [join(root, 'scripts', 'build.mjs')]);
  mkdirSync(dir, { recursive: true });
  process.stderr.write('workbench: packaging the extension\n');
  packageExtension(vsix);
  process.stderr.write('workbench: code-server (installed on first use)\n');
  const codeServer = installCodeServer();
  const labInfo = withLab ? startLab() : undefined;
  const settingsFile = join(userData, 'User', 'settings.json');
  mkdirSync(join(userData, 'User'), { recursive: true });
  const old = existsSync(settingsFile) ? JSON.parse(readFileSync(settingsFile, 'utf8')) : {};
  writeFileSync(settingsFile, JSON.stringify({
    'workbench.startupEditor': 'none', 'security.workspace.trust.enabled': false, 'telemetry.telemetryLevel': 'off',
    // No extension gallery here (no network): do not ask it.
    'extensions.autoCheckUpdates': false, 'extensions.autoUpdate': false, 'extensions.ignoreRecommendations': true, ...old,
    ...(labInfo ? { 'falcoshark.context': `lab-${labName}`, 'falcoshark.cluster.enabled': true, 'falcoshark.capture.image': 'localhost/falcoshark/capture:0.1.0' }
      : { 'falcoshark.cluster.enabled': false, 'falcoshark.webhook.port': 2801 }),
  }, null, 2));
  step('installing falcoshark into code-server', codeServer, ['--user-data-dir', userData, '--extensions-dir', extensions, '--force', '--install-extension', vsix]);
  const server = spawn(codeServer, ['--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--user-data-dir', userData, '--extensions-dir', extensions,
    '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', root],
  { cwd: root, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, ...(labInfo ? { KUBECONFIG: labInfo.kubeconfig } : {}) } });
  const url = `http://127.0.0.1:${port}/?folder=${encodeURIComponent(root)}`;
  for (let i = 0; i < 120; i++) {
    try { if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) break; } catch { /* not yet */ }
    if (server.exitCode !== null) throw new Error(`code-server exited with ${server.exitCode} (is port ${port} free? use --port)`);
    await new Promise((r) => setTimeout(r, 500));
  }
  process.stdout.write(`\nfalcoshark is running in VS Code: open ${url}\n${labInfo ? `the lab: ${labInfo.server} (KUBECONFIG=${labInfo.kubeconfig}, context lab-${labName})\n` : 'no lab: alerts by webhook on http://127.0.0.1:2801/\n'}Ctrl-C stops it.\n`);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    if (server.exitCode === null) server.kill('SIGTERM');
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  server.once('exit', stop);
  await new Promise((r) => (server.exitCode !== null ? r() : server.once('exit', r)));
  if (labInfo) { process.stderr.write('workbench: stopping the lab\n'); labInfo.stop(); }
}

main().catch((e) => {
  process.stderr.write(`workbench: ${e.message}\n`);
  process.exit(1);
});
