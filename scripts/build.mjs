// One bundler (esbuild) for every output: the extension (node, `vscode` external),
// the CLI (node), and the webview (browser) once it exists.
import { build } from 'esbuild';
import { existsSync } from 'node:fs';
import { chmod } from 'node:fs/promises';

const watch = process.argv.includes('--watch');
const common = { bundle: true, sourcemap: true, logLevel: 'info', target: 'node20' };

const targets = [
  { ...common, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', platform: 'node', format: 'cjs',
    banner: { js: '#!/usr/bin/env node' } },
];
if (existsSync('src/extension/extension.ts')) {
  targets.push({ ...common, entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js',
    platform: 'node', format: 'cjs', external: ['vscode'] });
  targets.push({ ...common, entryPoints: ['src/extension/analyzeWorker.ts'], outfile: 'dist/analyzeWorker.js', platform: 'node', format: 'cjs' });
}
targets.push({ ...common, entryPoints: ['src/lab/cluster/main.ts'], outfile: 'dist/lab-cluster.js', platform: 'node', format: 'cjs' });
if (existsSync('webview/main.ts')) {
  targets.push({ ...common, entryPoints: ['webview/main.ts'], outfile: 'dist/webview/main.js', platform: 'browser',
    format: 'iife', target: 'chrome120' });
  if (existsSync('webview/flowSummary.css')) {
    // The webview's stylesheet (the host's CSP allows styles from its own origin only).
    targets.push({ ...common, entryPoints: ['webview/flowSummary.css'], outfile: 'dist/webview/main.css', target: 'chrome120' });
  }
}

if (watch) {
  const { context } = await import('esbuild');
  for (const t of targets) await (await context(t)).watch();
} else {
  await Promise.all(targets.map((t) => build(t)));
  await chmod('dist/cli.js', 0o755);
}
