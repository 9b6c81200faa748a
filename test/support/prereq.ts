// Prerequisites of tests that need root, tshark, Chromium, …: outside CI a missing one skips
// the test with the reason; under CI=true it FAILS, so a green CI never hides a skipped test.
import type { TestContext } from 'node:test';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

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

/** True when the file at `path` exists (a browser, a cached install…); otherwise skips (or fails under CI). */
export function requirePath(t: TestContext, path: string, what: string): boolean {
  if (!existsSync(path)) return missing(t, `${what} (${path})`);
  return true;
}

/** Runs `fn` (an install step); when it throws, skips (or fails under CI) with its message. */
export function requireSetup(t: TestContext, what: string, fn: () => void): boolean {
  try {
    fn();
    return true;
  } catch (e) {
    return missing(t, `${what}: ${(e as Error).message}`);
  }
}

/** Path of the Chromium that playwright-core drives (Debian's, or $FALCOSHARK_CHROMIUM);
 *  undefined after skipping (or failing under CI) when it is not installed. */
export function requireChromium(t: TestContext): string | undefined {
  const path = process.env.FALCOSHARK_CHROMIUM || '/usr/bin/chromium';
  const r = spawnSync(path, ['--version'], { stdio: 'ignore' });
  if (r.error || r.status !== 0) {
    missing(t, `Chromium at ${path} (apt-get install -y chromium)`);
    return undefined;
  }
  return path;
}
