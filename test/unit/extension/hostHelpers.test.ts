import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { contentSecurityPolicy, makeNonce, webviewHtml } from '../../../src/extension/webview/webviewHtml.js';
import { readSettings, resolveCaptureFolder } from '../../../src/extension/settings.js';
import { problemOf } from '../../../src/extension/alertFeed.js';
import { captureInfos } from '../../../src/extension/views/captureList.js';
import { writeTestSidecar } from '../../support/sidecars.js';

describe('webview HTML', () => {
  it('a strict CSP with a fresh nonce, one script, no inline code', () => {
    const n1 = makeNonce();
    assert.notEqual(n1, makeNonce());
    assert.match(n1, /^[A-Za-z0-9_-]{24}$/);
    assert.equal(contentSecurityPolicy('https://x.vscode-cdn.net', 'abc'),
      "default-src 'none'; script-src 'nonce-abc'; style-src https://x.vscode-cdn.net; img-src https://x.vscode-cdn.net data:; font-src https://x.vscode-cdn.net");
    const html = webviewHtml({ cspSource: 'https://x', scriptUri: 'https://x/main.js', styleUri: 'https://x/main.css', nonce: n1, title: 'Flows: <a>.pcapng' });
    assert.equal((html.match(/<script/g) ?? []).length, 1);
    assert.ok(html.includes(`<script nonce="${n1}" src="https://x/main.js"></script>`));
    assert.ok(!/unsafe-inline|unsafe-eval/.test(html));
    assert.ok(!html.includes('<a>'), 'the title is escaped');
    assert.throws(() => webviewHtml({ cspSource: 'x', scriptUri: 'y', nonce: "a' 'unsafe-inline", title: 't' }));
  });
});

describe('settings', () => {
  it('defaults and typed values; invalid values fall back', () => {
    const d = readSettings(() => undefined);
    assert.equal(d.falco.selector, 'app.kubernetes.io/name=falco');
    assert.equal(d.webhookPort, undefined);
    assert.equal(d.grouping, 'priority>rule>pod');
    assert.equal(d.capture.caps.durationSeconds, 30);
    assert.equal(d.askBeforeCapture, true);
    const v: Record<string, unknown> = { 'webhook.port': 2801, 'capture.method': 'exec', 'capture.tool': 'rm', 'capture.durationSeconds': -1, 'alerts.grouping': 'rule>pod', context: '  ', 'falco.namespace': 'falco' };
    const s = readSettings((k) => v[k]);
    assert.equal(s.webhookPort, 2801);
    assert.equal(s.capture.method, 'exec');
    assert.equal(s.capture.tool, 'tshark');
    assert.equal(s.capture.caps.durationSeconds, 30);
    assert.equal(s.grouping, 'rule>pod');
    assert.equal(s.context, undefined);
    assert.equal(s.falco.namespace, 'falco');
  });

  it('capture folder: ${workspaceFolder}, ~, and a fallback without a folder', () => {
    assert.equal(resolveCaptureFolder('${workspaceFolder}/.falcoshark/captures', '/w', '/g', '/h'), '/w/.falcoshark/captures');
    assert.equal(resolveCaptureFolder('${workspaceFolder}/c', undefined, '/g/captures', '/h'), '/g/captures');
    assert.equal(resolveCaptureFolder('~/caps', '/w', '/g', '/home/me'), '/home/me/caps');
    assert.equal(resolveCaptureFolder('', '/w', '/g', '/h'), '/w/.falcoshark/captures');
    assert.equal(resolveCaptureFolder('caps', '/w', '/g/captures', '/h'), '/w/caps');
    assert.equal(resolveCaptureFolder('caps', undefined, '/g/captures', '/h'), '/g/caps');
  });
});

describe('alert feed problems (welcome content)', () => {
  it('maps source events to the state the welcome content explains, by their code', () => {
    assert.equal(problemOf({ type: 'status', source: 'cluster:k', level: 'warning', message: 'no pods match app.kubernetes.io/name=falco in any namespace; waiting', code: 'no-falco-pods' }), 'noFalcoPods');
    assert.equal(problemOf({ type: 'status', source: 'cluster:k', level: 'error', message: '403: cannot list pods at the cluster scope (all namespaces) (context "k")', code: 'forbidden' }), 'forbidden');
    assert.equal(problemOf({ type: 'status', source: 'pod:falco/falco-x', level: 'error', message: '401: the API server rejected the credentials', code: 'unauthorized' }), 'forbidden');
    // The message is for people: words in it decide nothing (an alert source named "forbidden-zone").
    assert.equal(problemOf({ type: 'status', source: 'file', level: 'error', message: 'cannot open /var/log/forbidden-zone/no pods match.json (403)' }), undefined);
    assert.equal(problemOf({ type: 'skipped', source: 'pod', kind: 'text-alert', reason: 'text', hint: 'enable json_output' }), 'textOutput');
    assert.equal(problemOf({ type: 'skipped', source: 'pod', kind: 'falco-log', reason: 'log line' }), undefined);
    assert.equal(problemOf({ type: 'status', source: 'pod', level: 'info', message: 'following' }), undefined);
  });
});

describe('capture list', () => {
  it('lists captures newest first with their sidecar facts; broken sidecars are reported', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fs-caps-'));
    try {
      writeFileSync(join(dir, 'a.pcapng'), Buffer.alloc(2048));
      writeTestSidecar(dir, { id: 'a', createdAt: '2026-01-02T00:00:00Z', target: { kind: 'pod', namespace: 'shop', pod: 'api-1' }, alert: { rule: 'Outbound C2', priority: 'critical' } });
      writeFileSync(join(dir, 'b.pcap'), Buffer.alloc(10));
      writeFileSync(join(dir, 'b.falcoshark.json'), '{broken');
      writeFileSync(join(dir, 'audit.jsonl'), '');
      const list = await captureInfos(dir);
      assert.equal(list.length, 2);
      const a = list.find((c) => c.name === 'a.pcapng');
      assert.deepEqual({ rule: a?.rule, priority: a?.priority, target: a?.target, outcome: a?.outcome, size: a?.size, time: a?.time },
        { rule: 'Outbound C2', priority: 'critical', target: 'shop/api-1', outcome: 'complete', size: 2048, time: Date.parse('2026-01-02T00:00:00Z') });
      const b = list.find((c) => c.name === 'b.pcap');
      assert.ok(b?.sidecarProblem);
      assert.deepEqual(await captureInfos(join(dir, 'missing')), []);
    } finally { rmSync(dir, { recursive: true, force: true }); }
  });
});
