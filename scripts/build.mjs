// One bundler (esbuild) for every output: the extension (node, `vscode` external), its analysis
// worker, the CLI (node), the lab cluster's supervisor, and the webview (browser). Every target
// is built: a missing entry point fails the build with its name (it is never skipped).
import { build } from 'esbuild';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chmod } from 'node:fs/promises';

const watch = process.argv.includes('--watch');
const common = { bundle: true, sourcemap: true, logLevel: 'info', target: 'node20' };

// The CLI is a small dispatcher (dist/cli.js) and one bundle per command (dist/cli-<name>.js,
// from src/cli/<name>Command.ts), loaded when that command runs: `falcoshark analyze` compiles
// its ~0.2 MB, not the ~6 MB that the Kubernetes client makes of the others (its start-up on a
// small file: 0.28 s → 0.16 s; Node alone starts in 0.10 s). The commands are the ones
// src/cli/cli.ts imports.
const CLI_COMMANDS = existsSync('src/cli/cli.ts') ? [...readFileSync('src/cli/cli.ts', 'utf8').matchAll(/import\('\.\/(\w+)Command\.js'\)/g)].map((m) => m[1]) : [];
const commandBundles = {
  name: 'falcoshark-cli-commands',
  setup(b) {
    b.onResolve({ filter: /^\.\/\w+Command\.js$/ }, (args) => {
      if (!args.importer.endsWith(join('src', 'cli', 'cli.ts'))) return undefined;
      return { path: `./cli-${/(\w+)Command/.exec(args.path)[1]}.js`, external: true };
    });
  },
};

const targets = [
  { ...common, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', platform: 'node', format: 'cjs',
    banner: { js: '#!/usr/bin/env node' }, plugins: [commandBundles],
    // the command bundles are loaded with require (import() of a CommonJS file goes through the ESM loader: ~30 ms)
    supported: { 'dynamic-import': false } },
  ...CLI_COMMANDS.map((c) => ({ ...common, entryPoints: [`src/cli/${c}Command.ts`], outfile: `dist/cli-${c}.js`, platform: 'node', format: 'cjs' })),
  { ...common, entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js',
    platform: 'node', format: 'cjs', external: ['vscode'] },
  { ...common, entryPoints: ['src/extension/analyzeWorker.ts'], outfile: 'dist/analyzeWorker.js', platform: 'node', format: 'cjs' },
  { ...common, entryPoints: ['src/lab/cluster/main.ts'], outfile: 'dist/lab-cluster.js', platform: 'node', format: 'cjs' },
  { ...common, entryPoints: ['webview/main.ts'], outfile: 'dist/webview/main.js', platform: 'browser',
    format: 'iife', target: 'chrome120' },
  // The webview's stylesheet (the host's CSP allows styles from its own origin only).
  { ...common, entryPoints: ['webview/flowSummary.css'], outfile: 'dist/webview/main.css', target: 'chrome120' },
];

const missing = targets.flatMap((t) => t.entryPoints).filter((e) => !existsSync(e));
if (missing.length > 0) {
  console.error(`build: no ${missing.join(', ')} in ${process.cwd()}: every target of scripts/build.mjs is built (remove the target here if it is gone on purpose)`);
  process.exit(1);
}

if (watch) {
  const { context } = await import('esbuild');
  for (const t of targets) await (await context(t)).watch();
} else {
  await Promise.all(targets.map((t) => build(t)));
  await chmod('dist/cli.js', 0o755);
}
