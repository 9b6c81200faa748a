import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AlertStore } from '../../../src/core/alerts/alertStore.js';
import { parseAlert } from '../../../src/core/alerts/alertParser.js';
import type { FalcoAlert } from '../../../src/core/alerts/types.js';
import { groupAlerts, levelsOf, parseAlertFilter, timeAgo, isGrouping, describeFilter, type GroupNode } from '../../../src/extension/views/alertGrouping.js';
import { alertOneLine, alertDocumentText } from '../../../src/extension/views/alertText.js';

function alert(rule: string, priority: string, ns: string | null, pod: string | null, time: string, extra: Record<string, unknown> = {}): FalcoAlert {
  const r = parseAlert(JSON.stringify({ rule, priority, time, output: `${time} ${priority} ${rule}`, hostname: 'node-1',
    output_fields: { ...(ns ? { 'k8s.ns.name': ns } : {}), ...(pod ? { 'k8s.pod.name': pod } : {}), 'proc.cmdline': 'sh -c id', ...extra } }));
  assert.ok(r.ok, r.ok ? '' : r.reason);
  return r.alert;
}

function store(): AlertStore {
  const s = new AlertStore();
  s.add(alert('Terminal shell in container', 'Notice', 'shop', 'api-1', '2026-01-01T00:00:01Z'));
  s.add(alert('Terminal shell in container', 'Notice', 'shop', 'api-1', '2026-01-01T00:00:05Z'));
  s.add(alert('Terminal shell in container', 'Notice', 'shop', 'web-1', '2026-01-01T00:00:02Z'));
  s.add(alert('Outbound C2', 'Critical', 'shop', 'api-1', '2026-01-01T00:00:03Z', { 'fd.cip': '10.0.0.5', 'fd.cport': 43122, 'fd.sip': '203.0.113.9', 'fd.sport': 4444, 'fd.l4proto': 'tcp' }));
  s.add(alert('Write below root', 'Error', null, null, '2026-01-01T00:00:04Z'));
  return s;
}

describe('alert grouping', () => {
  it('groups priority > rule > pod, most severe first, with counts and folded alerts', () => {
    const tree = groupAlerts(store().query(), levelsOf('priority>rule>pod'));
    assert.deepEqual(tree.map((n) => (n as GroupNode).label), ['Critical', 'Error', 'Notice']);
    const notice = tree[2] as GroupNode;
    assert.equal(notice.count, 3);
    assert.equal(notice.distinct, 2);
    const rule = notice.children[0] as GroupNode;
    assert.equal(rule.label, 'Terminal shell in container');
    const pods = rule.children as GroupNode[];
    assert.deepEqual(pods.map((p) => [p.label, p.count]), [['shop/api-1', 2], ['shop/web-1', 1]]);
    assert.equal(pods[0].children[0].kind, 'alert');
    // Host alerts group under the node.
    const err = (tree[1] as GroupNode).children[0] as GroupNode;
    assert.equal((err.children[0] as GroupNode).label, 'host node-1');
  });

  it('ids are unique and stable across refreshes', () => {
    const ids = (nodes: ReturnType<typeof groupAlerts>): string[] => nodes.flatMap((n) => [n.id, ...(n.kind === 'group' ? ids(n.children) : [])]);
    const a = ids(groupAlerts(store().query(), levelsOf('namespace>pod>rule')));
    assert.equal(new Set(a).size, a.length);
    assert.deepEqual(a, ids(groupAlerts(store().query(), levelsOf('namespace>pod>rule'))));
  });

  it('"none" lists alerts most recent first', () => {
    const flat = groupAlerts(store().query(), levelsOf('none'));
    assert.ok(flat.every((n) => n.kind === 'alert'));
    assert.equal(flat.length, 4);
    assert.equal(flat[0].kind === 'alert' && flat[0].entry.alert.rule, 'Terminal shell in container');
  });

  it('validates the grouping setting', () => {
    assert.ok(isGrouping('rule>pod'));
    assert.ok(!isGrouping('pod>priority'));
    assert.ok(!isGrouping(3));
  });

  it('time since last seen', () => {
    assert.equal(timeAgo(1000, 2000), 'just now');
    assert.equal(timeAgo(0, 42_000), '42s ago');
    assert.equal(timeAgo(0, 5 * 60_000), '5m ago');
    assert.equal(timeAgo(0, 3 * 3600_000), '3h ago');
    assert.equal(timeAgo(0, 72 * 3600_000), '3d ago');
    assert.equal(timeAgo(5000, 0), 'just now');
  });
});

describe('alert filter', () => {
  it('parses keys, quoted values and free text', () => {
    const r = parseAlertFilter('priority:warning rule:"Terminal shell in container" ns:shop curl  evil');
    assert.deepEqual(r, { ok: true, filter: { minPriority: 'warning', rule: 'Terminal shell in container', namespace: 'shop', text: 'curl evil' } });
    assert.deepEqual(parseAlertFilter('p:info'), { ok: true, filter: { minPriority: 'informational' } });
    assert.deepEqual(parseAlertFilter(''), { ok: true, filter: {} });
    assert.deepEqual(parseAlertFilter('http://x:1'), { ok: true, filter: { text: 'http://x:1' } });
  });

  it('refuses an unknown priority', () => {
    const r = parseAlertFilter('priority:urgent');
    assert.equal(r.ok, false);
  });

  it('the filter applies through the store query', () => {
    const r = parseAlertFilter('priority:error');
    assert.ok(r.ok);
    const got = store().query({ ...(r.filter.minPriority ? { minPriority: r.filter.minPriority } : {}) });
    assert.deepEqual(got.map((e) => e.alert.rule).sort(), ['Outbound C2', 'Write below root']);
    assert.equal(describeFilter(r.filter), 'priority ≥ error');
  });
});

describe('alert text', () => {
  it('the leaf label says what the grouping does not, control characters escaped', () => {
    const a = alert('Outbound C2', 'Critical', 'shop', 'api-1', '2026-01-01T00:00:03Z', { 'fd.cip': '10.0.0.5', 'fd.cport': 43122, 'fd.sip': '203.0.113.9', 'fd.sport': 4444, 'fd.l4proto': 'tcp' });
    assert.equal(alertOneLine(a, ['priority', 'rule', 'pod']), 'tcp 10.0.0.5:43122->203.0.113.9:4444');
    assert.equal(alertOneLine(a, []), 'Outbound C2 · shop/api-1 · tcp 10.0.0.5:43122->203.0.113.9:4444');
    const b = alert('Shell\u202e\u001b[31m', 'Notice', 'shop', 'api-1', '2026-01-01T00:00:03Z');
    // eslint-disable-next-line no-control-regex -- looking for the escape character is the point
    assert.ok(!/[\u202e\u001b]/.test(alertOneLine(b, ['pod'])));
  });

  it('the alert document holds fields, output and raw JSON, markup untouched as text', () => {
    const s = new AlertStore();
    const e = s.add(alert('<img src=x onerror=alert(1)></script>', 'Critical', 'shop', 'api-1', '2026-01-01T00:00:03Z'));
    const text = alertDocumentText(e);
    assert.match(text, /^critical: <img src=x onerror=alert\(1\)><\/script>/);
    assert.match(text, /\nFields\n/);
    assert.match(text, /k8s\.pod\.name\s+api-1/);
    assert.match(text, /\nJSON \(the alert as parsed[^\n]*\n\{/);
  });
});
