// Packages the extension (already built into dist/) as a .vsix with vsce: the one place that
// knows vsce's flags. Usage: node scripts/package-extension.mjs [OUT.vsix] (default dist/falcoshark.vsix)
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');

export function packageExtension(out = join(root, 'dist', 'falcoshark.vsix')) {
  // esbuild bundles every dependency; there is no public repository, so the README's relative
  // links stay relative.
  const r = spawnSync(join(root, 'node_modules', '.bin', 'vsce'),
    ['package', '--no-dependencies', '--allow-missing-repository', '--no-rewrite-relative-links', '--skip-license', '-o', out],
    { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.error || r.status !== 0) throw new Error(`vsce package failed${r.error ? `: ${r.error.message}` : ` (exit ${r.status})`}`);
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    packageExtension(process.argv[2] ? resolve(process.argv[2]) : undefined);
  } catch (e) {
    process.stderr.write(`package-extension: ${e.message}\n`);
    process.exit(1);
  }
}
