// Prerequisites of tests that need root, tshark, Chromium, …: outside CI a missing one skips
// the test with the reason; under CI=true it FAILS, so a green CI never hides a skipped test.
import type { TestContext } from 'node:test';
import { spawnSync } from 'node:child_process';

export const IN_CI = process.env.CI === 'true' || process.env.CI === '1';

function missing(t: TestContext, what: string): false {
  if (IN_CI) throw new Error(`prerequisite missing under CI=true: ${what}`);
  t.skip(`prerequisite missing: ${what}`);
  return false;
}

/** True when `tool` runs; otherwise skips (or fails under CI). */
export function requireTool(t: TestContext, tool: string): boolean {
  const r = spawnSync(tool, ['--version'], { stdio: 'ignore' });
  if (r.error) return missing(t, `${tool} is not installed`);
  return true;
}

export function requireRoot(t: TestContext): boolean {
  if (process.getuid?.() !== 0) return missing(t, 'root (network namespaces)');
  return true;
}
