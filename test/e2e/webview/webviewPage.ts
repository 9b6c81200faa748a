// Loads the built webview bundle (dist/webview/main.js + main.css) into real headless Chromium,
// in a page that behaves like VS Code's webview host: the same CSP as the extension's panel
// (nonce scripts, styles from the page's origin only), and `acquireVsCodeApi()` — callable
// once — recording what the webview posts and keeping its state. Host messages are sent with
// window.postMessage, as VS Code delivers them.
import { createServer, type Server } from 'node:http';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { TestContext } from 'node:test';
import type { HostMessage, WebviewMessage } from '../../../src/shared/webviewProtocol.js';
import { requireChromium } from '../../support/prereq.js';

export const ARTIFACTS = join('test-artifacts', 'webview');
const DIST = join('dist', 'webview');

export interface PageOptions {
  /** What `getState()` returns at start (VS Code's saved state). */
  state?: unknown;
  /** CSS custom properties set on :root, as VS Code sets its theme's (e.g. a light theme). */
  themeVars?: Record<string, string>;
  viewport?: { width: number; height: number };
  /** false: no CSP at all, to show that the webview's own code is safe, not only the policy. */
  csp?: boolean;
}

export interface Harness {
  open(options?: PageOptions): Promise<WebviewPage>;
  close(): Promise<void>;
}

export interface WebviewPage {
  page: Page;
  send(message: HostMessage): Promise<void>;
  posted(): Promise<WebviewMessage[]>;
  state(): Promise<unknown>;
  /** CSP violations and page errors seen so far. */
  problems(): Promise<string[]>;
  screenshot(name: string): Promise<string>;
}

export async function startHarness(executablePath: string): Promise<Harness> {
  if (!existsSync(join(DIST, 'main.js')) || !existsSync(join(DIST, 'main.css'))) {
    throw new Error(`${DIST}/main.js or main.css is missing: run npm run build first`);
  }
  const pages = new Map<string, { nonce: string; options: PageOptions }>();
  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const origin = `http://${req.headers.host ?? '127.0.0.1'}`;
      const m = /^\/(page|theme)\/([0-9a-f]+)(?:\.css)?$/.exec(url.pathname);
      if (url.pathname === '/main.js' || url.pathname === '/main.css') {
        const body = await readFile(join(DIST, url.pathname.slice(1)));
        res.writeHead(200, { 'content-type': url.pathname.endsWith('.js') ? 'text/javascript' : 'text/css' });
        res.end(body);
      } else if (m && pages.has(m[2])) {
        const p = pages.get(m[2]) as { nonce: string; options: PageOptions };
        if (m[1] === 'theme') {
          const vars = Object.entries(p.options.themeVars ?? {}).map(([k, v]) => `${k}: ${v};`).join(' ');
          res.writeHead(200, { 'content-type': 'text/css' });
          res.end(`:root { ${vars} }`);
          return;
        }
        const csp = `default-src 'none'; script-src 'nonce-${p.nonce}'; style-src ${origin}; img-src ${origin} data:`;
        const withCsp = p.options.csp !== false;
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', ...(withCsp ? { 'content-security-policy': csp } : {}) });
        res.end(`<!DOCTYPE html>
<html lang="en"><head><meta charset="UTF-8">
${withCsp ? `<meta http-equiv="Content-Security-Policy" content="${csp}">` : ''}
<link rel="stylesheet" href="/theme/${m[2]}.css"><link rel="stylesheet" href="/main.css">
<script nonce="${p.nonce}">
  window.__posted = []; window.__problems = []; window.__state = ${JSON.stringify(p.options.state ?? null)};
  document.addEventListener('securitypolicyviolation', (e) => window.__problems.push('CSP ' + e.violatedDirective + ' ' + e.blockedURI));
  window.addEventListener('error', (e) => window.__problems.push('error ' + e.message));
  let acquired = false;
  window.acquireVsCodeApi = () => {
    if (acquired) throw new Error('An instance of the VS Code API has already been acquired');
    acquired = true;
    return Object.freeze({
      postMessage: (m) => { window.__posted.push(JSON.parse(JSON.stringify(m))); },
      getState: () => window.__state,
      setState: (s) => { window.__state = JSON.parse(JSON.stringify(s)); return s; },
    });
  };
</script>
<title>flow summary</title></head>
<body><div id="app"></div><script nonce="${p.nonce}" src="/main.js"></script></body></html>`);
      } else {
        res.writeHead(404);
        res.end();
      }
    })().catch((e: unknown) => {
      res.writeHead(500);
      res.end(String(e));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const browser: Browser = await chromium.launch({
    executablePath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  await mkdir(ARTIFACTS, { recursive: true });
  return {
    async open(options: PageOptions = {}): Promise<WebviewPage> {
      const id = randomBytes(8).toString('hex');
      pages.set(id, { nonce: randomBytes(16).toString('base64').replace(/[^A-Za-z0-9]/g, ''), options });
      const page = await browser.newPage({ viewport: options.viewport ?? { width: 1400, height: 1000 } });
      // Functions passed to page.evaluate are compiled by tsx (esbuild, keepNames), which wraps
      // named inner functions in __name(...): give the page that helper. The bundle under test
      // does not use it.
      await page.addInitScript('window.__name = (f) => f;');
      await page.goto(`${base}/page/${id}`);
      return {
        page,
        send: async (message) => {
          await page.evaluate((msg) => window.postMessage(msg, '*'), message);
        },
        posted: () => page.evaluate(() => (window as unknown as { __posted: WebviewMessage[] }).__posted),
        state: () => page.evaluate(() => (window as unknown as { __state: unknown }).__state),
        problems: () => page.evaluate(() => (window as unknown as { __problems: string[] }).__problems),
        screenshot: async (name) => {
          const path = join(ARTIFACTS, `${name}.png`);
          await page.screenshot({ path, fullPage: true });
          return path;
        },
      };
    },
    async close(): Promise<void> {
      await browser.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Resolves when `check` holds in the page (polled), else rejects with `what`. */
export async function until<A extends string | number | undefined = undefined>(page: Page, what: string, check: (arg: A) => boolean, arg?: A, timeoutMs = 10_000): Promise<void> {
  try {
    await page.waitForFunction(check as (arg: string | number | undefined) => boolean, arg, { timeout: timeoutMs, polling: 50 });
  } catch {
    throw new Error(`timed out waiting for ${what}`);
  }
}

/** One browser harness per test file, started by the first test that needs it (skipped, or
 *  failed under CI=true, when Chromium is missing); call `close` in `after`. */
export function sharedHarness(): { get(t: TestContext): Promise<Harness | undefined>; close(): Promise<void> } {
  let started: Promise<Harness> | undefined;
  return {
    async get(t) {
      const executable = requireChromium(t);
      if (!executable) return undefined;
      started ??= startHarness(executable);
      return started;
    },
    async close() {
      await (await started)?.close();
    },
  };
}
