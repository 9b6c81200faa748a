// The real VS Code workbench for end-to-end tests: code-server (installed into
// .vscode-test/code-server by scripts/install-code-server.mjs) with the packaged falcoshark
// .vsix, a fresh user-data and extensions folder, served on a free 127.0.0.1 port and driven
// by Debian's Chromium through playwright-core. See ../shared/docs/vscode-e2e.md.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Frame, type Page } from 'playwright-core';

export const ROOT = resolve(__dirname, '..', '..', '..');
export const CODE_SERVER = join(ROOT, '.vscode-test', 'code-server', 'node_modules', '.bin', 'code-server');
export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = join(ROOT, 'test-artifacts', 'e2e');
/** Per test process: test files run in parallel and each packages the extension. */
export const VSIX = join(ROOT, 'dist', `falcoshark-e2e-${process.pid}.vsix`);

export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => res(port));
    });
  });
}

function run(cmd: string, args: string[], what: string): void {
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error) throw new Error(`${what}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${what} exited with ${r.status}: ${(r.stderr || r.stdout).slice(-2000)}`);
}

/** Installs code-server if absent (idempotent). */
export function installCodeServer(): void {
  run(process.execPath, [join(ROOT, 'scripts', 'install-code-server.mjs')], 'installing code-server');
}

/** Builds (when dist/extension.js is missing) and packages the extension into dist/falcoshark.vsix. */
export function packageVsix(): string {
  if (!existsSync(join(ROOT, 'dist', 'extension.js')) || !existsSync(join(ROOT, 'dist', 'analyzeWorker.js'))) {
    run(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], 'npm run build');
  }
  process.on('exit', () => { try { rmSync(VSIX, { force: true }); } catch { /* best effort */ } });
  run(process.execPath, [join(ROOT, 'scripts', 'package-extension.mjs'), VSIX], 'vsce package');
  return VSIX;
}

export interface WorkbenchOptions {
  /** User settings.json (merged over the defaults that keep screenshots clean). */
  settings: Record<string, unknown>;
  /** Extra environment of the server (and so of the extension host), e.g. DISPLAY. */
  env?: NodeJS.ProcessEnv;
  /** Files to create in the workspace folder: relative path → content. */
  files?: Record<string, string | Buffer>;
}

export class Workbench {
  readonly dir: string;
  readonly workspace: string;
  readonly userData: string;
  private server: ChildProcess | undefined;
  private serverLog = '';
  browser: Browser | undefined;
  page!: Page;
  port = 0;

  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'falcoshark-e2e-'));
    this.workspace = join(this.dir, 'workspace');
    this.userData = join(this.dir, 'user-data');
    mkdirSync(this.workspace, { recursive: true });
    mkdirSync(join(this.userData, 'User'), { recursive: true });
  }

  async start(o: WorkbenchOptions): Promise<void> {
    const ext = join(this.dir, 'extensions');
    for (const [rel, content] of Object.entries(o.files ?? {})) {
      const p = join(this.workspace, rel);
      mkdirSync(resolve(p, '..'), { recursive: true });
      writeFileSync(p, content);
    }
    writeFileSync(join(this.userData, 'User', 'settings.json'), JSON.stringify({
      'security.workspace.trust.enabled': false,
      'workbench.startupEditor': 'none',
      'workbench.tips.enabled': false,
      'telemetry.telemetryLevel': 'off',
      'extensions.autoCheckUpdates': false,
      'extensions.autoUpdate': false,
      'extensions.ignoreRecommendations': true,
      'update.mode': 'none',
      ...o.settings,
    }, null, 2));
    run(CODE_SERVER, ['--user-data-dir', this.userData, '--extensions-dir', ext, '--install-extension', VSIX], 'code-server --install-extension');
    this.port = await freePort();
    this.server = spawn(CODE_SERVER, ['--auth', 'none', '--bind-addr', `127.0.0.1:${this.port}`, '--user-data-dir', this.userData,
      '--extensions-dir', ext, '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', this.workspace],
    { env: { ...process.env, ...o.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (b: Buffer): void => { this.serverLog = (this.serverLog + b.toString()).slice(-20_000); };
    this.server.stdout?.on('data', keep);
    this.server.stderr?.on('data', keep);
    await this.waitForHttp(60_000);
    this.browser = await chromium.launch({ executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
    this.page = await this.browser.newPage({ viewport: { width: 1400, height: 900 } });
    this.page.on('dialog', (d) => { void d.dismiss(); });
    await this.page.goto(`http://127.0.0.1:${this.port}/?folder=${encodeURIComponent(this.workspace)}`);
    await this.page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
  }

  private async waitForHttp(ms: number): Promise<void> {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      if (this.server?.exitCode !== null && this.server?.exitCode !== undefined) throw new Error(`code-server exited (${this.server.exitCode}): ${this.serverLog}`);
      try {
        const r = await fetch(`http://127.0.0.1:${this.port}/healthz`);
        if (r.ok) return;
      } catch { /* not yet */ }
      await sleep(300);
    }
    throw new Error(`code-server did not answer on port ${this.port} within ${ms} ms: ${this.serverLog}`);
  }

  /** The extension host's log (activation errors show here). */
  extHostLog(): string {
    const logs = join(this.userData, 'logs');
    let out = '';
    const walk = (d: string): void => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        const p = join(d, e.name);
        if (e.isDirectory()) walk(p);
        else if (/exthost|Falcoshark/i.test(p) && e.name.endsWith('.log')) out += `--- ${p}\n${readFileSync(p, 'utf8')}\n`;
      }
    };
    if (existsSync(logs)) walk(logs);
    return out;
  }

  /** The extension's own log (its LogOutputChannel "Falcoshark"). */
  falcosharkLog(): string {
    const found: string[] = [];
    const walk = (d: string): void => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        const p = join(d, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.name === 'Falcoshark.log' || /falcoshark\.falcoshark.*\.log$/.test(p)) found.push(p);
      }
    };
    const logs = join(this.userData, 'logs');
    if (existsSync(logs)) walk(logs);
    return found.map((p) => readFileSync(p, 'utf8')).join('\n');
  }

  async screenshot(name: string): Promise<string> {
    mkdirSync(ARTIFACTS, { recursive: true });
    const p = join(ARTIFACTS, `${name}.png`);
    await this.page.screenshot({ path: p });
    return p;
  }

  /** Runs a command from the palette by its title. */
  async runCommand(title: string): Promise<void> {
    await this.page.keyboard.press('F1');
    const input = this.page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    await input.fill(`>${title}`);
    const row = this.page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
    await row.waitFor({ state: 'visible', timeout: 10_000 });
    await this.page.keyboard.press('Enter');
  }

  /** The first frame (outer or nested webview iframe) where `selector` matches. */
  async findFrame(selector: string, timeoutMs: number): Promise<Frame> {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      for (const f of this.page.frames()) {
        try {
          if (await f.locator(selector).count() > 0) return f;
        } catch { /* frame detached */ }
      }
      await sleep(250);
    }
    throw new Error(`no frame has ${selector} after ${timeoutMs} ms`);
  }

  async close(): Promise<void> {
    await this.browser?.close().catch(() => undefined);
    if (this.server && this.server.exitCode === null) {
      this.server.kill('SIGTERM');
      await Promise.race([new Promise((r) => this.server?.once('exit', r)), sleep(5000)]);
      if (this.server.exitCode === null) this.server.kill('SIGKILL');
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A virtual X display for Wireshark; stop() kills it. */
export async function startXvfb(): Promise<{ display: string; stop: () => void }> {
  let n = 90 + Math.floor(Math.random() * 100);
  while (existsSync(`/tmp/.X11-unix/X${n}`) || existsSync(`/tmp/.X${n}-lock`)) n++;
  const display = `:${n}`;
  const p = spawn('Xvfb', [display, '-screen', '0', '1400x900x24', '-nolisten', 'tcp'], { stdio: 'ignore' });
  const end = Date.now() + 10_000;
  while (!existsSync(`/tmp/.X11-unix/X${n}`)) {
    if (p.exitCode !== null) throw new Error(`Xvfb ${display} exited with ${p.exitCode}`);
    if (Date.now() > end) throw new Error(`Xvfb ${display} did not start`);
    await sleep(100);
  }
  return { display, stop: () => { if (p.exitCode === null) p.kill('SIGTERM'); } };
}
