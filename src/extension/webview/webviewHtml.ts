// The flow summary webview's HTML: a strict CSP (nonce for the one script, styles only from
// the extension, no inline handlers) and nothing but the bundle. Pure, no `vscode`.
import { randomBytes } from 'node:crypto';

export function makeNonce(): string {
  return randomBytes(18).toString('base64url');
}

export interface HtmlParts {
  cspSource: string;
  scriptUri: string;
  /** Absent when the webview build has no stylesheet. */
  styleUri?: string;
  nonce: string;
  title: string;
}

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return `default-src 'none'; script-src 'nonce-${nonce}'; style-src ${cspSource}; img-src ${cspSource} data:; font-src ${cspSource}`;
}

export function webviewHtml(p: HtmlParts): string {
  if (!/^[A-Za-z0-9_-]+$/.test(p.nonce)) throw new Error('nonce must be base64url');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${esc(contentSecurityPolicy(p.cspSource, p.nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
${p.styleUri ? `<link rel="stylesheet" href="${esc(p.styleUri)}">\n` : ''}<title>${esc(p.title)}</title>
</head>
<body>
<div id="app" data-falcoshark="flow-summary"></div>
<script nonce="${p.nonce}" src="${esc(p.scriptUri)}"></script>
</body>
</html>`;
}
