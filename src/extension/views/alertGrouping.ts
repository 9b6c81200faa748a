// The Alerts tree's model: stored alerts grouped by the configured levels, with counts and
// the most recent time. Pure data, no `vscode` (alertsTree.ts renders it).
import type { StoredAlert } from '../../core/alerts/alertStore.js';
import { PRIORITIES, priorityRank, type Priority } from '../../core/alerts/priority.js';

export const GROUPINGS = ['priority>rule>pod', 'priority>rule', 'rule>pod', 'namespace>pod>rule', 'priority', 'none'] as const;
export type Grouping = (typeof GROUPINGS)[number];
export type GroupLevel = 'priority' | 'rule' | 'pod' | 'namespace';

export function isGrouping(v: unknown): v is Grouping {
  return typeof v === 'string' && (GROUPINGS as readonly string[]).includes(v);
}

export function levelsOf(g: Grouping): GroupLevel[] {
  return g === 'none' ? [] : (g.split('>') as GroupLevel[]);
}

export interface GroupNode {
  kind: 'group';
  /** Unique in the tree and stable across refreshes (keeps expansion state). */
  id: string;
  level: GroupLevel;
  label: string;
  /** Alerts in the group, folded ones counted each time. */
  count: number;
  /** Distinct (folded) alerts. */
  distinct: number;
  lastSeen: number;
  /** Most severe priority inside (for the icon). */
  priority: Priority | null;
  children: AlertTreeNode[];
}

export interface AlertLeaf {
  kind: 'alert';
  id: string;
  entry: StoredAlert;
}

export type AlertTreeNode = GroupNode | AlertLeaf;

function keyOf(level: GroupLevel, e: StoredAlert): { key: string; label: string } {
  const a = e.alert;
  switch (level) {
    case 'priority': return { key: a.priority ?? '', label: a.priority ? a.priority[0].toUpperCase() + a.priority.slice(1) : '(no priority)' };
    case 'rule': return { key: a.rule, label: a.rule || '(no rule)' };
    case 'namespace': return { key: a.namespace ?? '', label: a.namespace ?? '(no namespace)' };
    case 'pod': {
      if (a.pod) return { key: `${a.namespace ?? ''}/${a.pod}`, label: `${a.namespace ?? '?'}/${a.pod}` };
      return { key: `host:${a.node ?? ''}`, label: a.node ? `host ${a.node}` : '(no pod)' };
    }
  }
}

const worse = (a: Priority | null, b: Priority | null): Priority | null => (a === null ? b : b === null ? a : priorityRank(a) >= priorityRank(b) ? a : b);

/** Groups entries (any order) by `levels`; groups sorted by severity (priority level) or by
 *  most recent; alerts inside most recent first. */
export function groupAlerts(entries: readonly StoredAlert[], levels: readonly GroupLevel[], parentId = ''): AlertTreeNode[] {
  if (levels.length === 0) {
    return [...entries].sort((x, y) => y.lastSeen - x.lastSeen).map((entry) => ({ kind: 'alert', id: `a:${entry.key}`, entry }));
  }
  const [level, ...rest] = levels;
  const buckets = new Map<string, { label: string; items: StoredAlert[] }>();
  for (const e of entries) {
    const { key, label } = keyOf(level, e);
    let b = buckets.get(key);
    if (!b) { b = { label, items: [] }; buckets.set(key, b); }
    b.items.push(e);
  }
  const groups: GroupNode[] = [];
  for (const [key, b] of buckets) {
    const id = `${parentId}/${level}:${key}`;
    let count = 0;
    let lastSeen = 0;
    let priority: Priority | null = null;
    for (const e of b.items) {
      count += e.count;
      lastSeen = Math.max(lastSeen, e.lastSeen);
      priority = worse(priority, e.alert.priority);
    }
    groups.push({ kind: 'group', id, level, label: b.label, count, distinct: b.items.length, lastSeen, priority, children: groupAlerts(b.items, rest, id) });
  }
  if (level === 'priority') {
    const rank = (p: Priority | null): number => (p === null ? -1 : priorityRank(p));
    groups.sort((x, y) => rank(y.priority) - rank(x.priority));
  } else {
    groups.sort((x, y) => y.lastSeen - x.lastSeen || x.label.localeCompare(y.label));
  }
  return groups;
}

/** "just now", "42s ago", "5m ago", "3h ago", "2d ago". */
export function timeAgo(thenMs: number, nowMs: number): string {
  const s = Math.max(0, Math.round((nowMs - thenMs) / 1000));
  if (s < 5) return 'just now';
  if (s < 60) return `${s}s ago`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ago`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ago`;
  return `${Math.floor(h / 24)}d ago`;
}

export interface AlertFilter {
  minPriority?: Priority;
  rule?: string;
  namespace?: string;
  text?: string;
}

export type FilterParse = { ok: true; filter: AlertFilter } | { ok: false; reason: string };

/** Parses "priority:warning rule:\"Terminal shell in container\" ns:shop curl" into a filter.
 *  Keys: priority (p), rule (r), namespace (ns, n); anything else is free text. */
export function parseAlertFilter(input: string): FilterParse {
  const filter: AlertFilter = {};
  const text: string[] = [];
  const re = /(\w+):(?:"([^"]*)"|(\S+))|"([^"]*)"|(\S+)/g;
  for (const m of input.matchAll(re)) {
    if (m[1] !== undefined) {
      const key = m[1].toLowerCase();
      const value = m[2] ?? m[3] ?? '';
      if (key === 'priority' || key === 'p') {
        const p = value.toLowerCase() === 'info' ? 'informational' : value.toLowerCase();
        if (!(PRIORITIES as readonly string[]).includes(p)) return { ok: false, reason: `unknown priority "${value}" (one of ${PRIORITIES.join(', ')})` };
        filter.minPriority = p as Priority;
      } else if (key === 'rule' || key === 'r') filter.rule = value;
      else if (key === 'namespace' || key === 'ns' || key === 'n') filter.namespace = value;
      else text.push(m[0]);
    } else {
      text.push(m[4] ?? m[5] ?? '');
    }
  }
  const t = text.join(' ').trim();
  if (t) filter.text = t;
  return { ok: true, filter };
}

export function describeFilter(f: AlertFilter): string {
  const parts: string[] = [];
  if (f.minPriority) parts.push(`priority ≥ ${f.minPriority}`);
  if (f.rule) parts.push(`rule "${f.rule}"`);
  if (f.namespace) parts.push(`namespace ${f.namespace}`);
  if (f.text) parts.push(`"${f.text}"`);
  return parts.join(', ');
}

export function isEmptyFilter(f: AlertFilter): boolean {
  return !f.minPriority && !f.rule && !f.namespace && !f.text;
}
