// The flow summary webview: alert header, timeline, graph and flows table for one capture.
// Talks to the extension host only through typed, guarded messages (messages.ts).
import type { AnnotatedSummary } from '../src/shared/annotatedSummary.js';
import type { HostMessage } from '../src/shared/webviewProtocol.js';
import { renderHeader } from './alertHeader.js';
import { alertTimingOf } from './alertTiming.js';
import { flowText, renderDetail } from './detail.js';
import { append, el } from './dom.js';
import { FlowModel, orderFlows, passes, TEXT_KEYS, type SortKey } from './flowModel.js';
import { clip, formatBytes, num } from './format.js';
import { renderGraph } from './graph.js';
import { connect, type PersistedState } from './messages.js';
import { FlowTable } from './table.js';
import { markTimelineSelection, renderTimeline } from './timeline.js';
import { Toolbar } from './toolbar.js';

interface Loaded {
  summary: AnnotatedSummary;
  file: string;
  model: FlowModel;
  wiresharkAvailable: boolean;
}

const app = document.getElementById('app') ?? document.body.appendChild(el('div'));
app.id = 'app';
const banner = el('div', 'banner');
banner.setAttribute('role', 'alert');
banner.hidden = true;
const progress = el('div', 'progress');
progress.hidden = true;
const headerBox = el('div', 'header-box');
const charts = el('section', 'charts');
const timelinePanel = el('div', 'panel');
const timelineBox = el('div', 'timeline-box');
const graphPanel = el('div', 'panel');
const graphBox = el('div', 'graph-box');
append(timelinePanel, el('h2', undefined, 'Traffic over time'), timelineBox);
append(graphPanel, el('h2', undefined, 'Who talked to whom'), graphBox);
append(charts, timelinePanel, graphPanel);
const flowsSection = el('section', 'flows');
const detailBox = el('div', 'detail');
const waiting = el('p', 'muted waiting', 'Waiting for the capture summary…');
append(app, banner, progress, waiting, headerBox, charts, flowsSection);
charts.hidden = true;
flowsSection.hidden = true;

let loaded: Loaded | undefined;

const table = new FlowTable({
  select: (i) => setSelected(i, false),
  open: (i) => openInWireshark(i),
  sort: (key) => setSort(key),
});
const toolbar = new Toolbar({
  filterChanged: (f) => {
    state.filter = f;
    reorder();
  },
  open: () => openInWireshark(table.selection ?? undefined),
  reveal: () => channel.post({ type: 'revealFile' }),
  copy: () => {
    if (!loaded || table.selection === null) return;
    channel.post({ type: 'copyText', text: flowText(loaded.model.view(table.selection), loaded.model.raw(table.selection)) });
  },
});
append(flowsSection, toolbar.element, table.element, detailBox);

function save(): void {
  channel.saveState(state);
}

function openInWireshark(flowIndex: number | undefined): void {
  if (!loaded?.wiresharkAvailable) return;
  channel.post(flowIndex === undefined ? { type: 'openInWireshark' } : { type: 'openInWireshark', flowIndex });
}

function setSort(key: SortKey): void {
  state.sort = state.sort.key === key ? { key, descending: !state.sort.descending } : { key, descending: !TEXT_KEYS.has(key) };
  reorder();
}

let order: Uint32Array = new Uint32Array(0);

function showDetail(): void {
  const i = state.selected;
  const m = loaded?.model;
  renderDetail(detailBox, i === null || !m ? undefined : m.view(i), i === null || !m ? undefined : m.raw(i), i !== null && !order.includes(i));
}

function setSelected(flowIndex: number | null, scroll: boolean): void {
  state.selected = flowIndex;
  if (scroll) table.select(flowIndex, true);
  showDetail();
  markTimelineSelection(timelineBox, flowIndex);
  toolbar.setSelection(flowIndex !== null);
  save();
}

function reorder(): void {
  if (!loaded) return;
  order = orderFlows(loaded.model, state.sort, state.filter);
  table.setOrder(order, state.sort);
  toolbar.setCount(order.length, loaded.model.count);
  showDetail();
  save();
}

function drawCharts(): void {
  if (!loaded) return;
  const l = loaded;
  renderTimeline(timelineBox, { activity: l.summary.activity, model: l.model, selected: state.selected }, {
    select: (i) => {
      if (!passes(l.model, i, state.filter)) {
        state.filter = { ...state.filter, text: '', protocol: '', alertedOnly: false, phase: 'all' };
        toolbar.setFilter(state.filter);
        reorder();
      }
      setSelected(i, true);
    },
  });
  renderGraph(graphBox, l.model, {
    filter: (text) => {
      state.filter = { ...state.filter, text };
      toolbar.setFilter(state.filter);
      reorder();
    },
  });
}

let lastWidths = '';
new ResizeObserver(() => {
  const w = `${Math.round(timelineBox.clientWidth / 40)}:${Math.round(graphBox.clientWidth / 40)}`;
  if (w !== lastWidths && loaded) {
    lastWidths = w;
    drawCharts();
  }
}).observe(charts);

/** Runs `fn` under a performance measure named falcoshark:<name> (seen in dev tools and tests). */
function timed<T>(name: string, fn: () => T): T {
  const start = performance.now();
  try {
    return fn();
  } finally {
    performance.measure(`falcoshark:${name}`, { start, end: performance.now() });
  }
}

/** The flows of a summary message: the columns the host sent (a large summary: `flows` is
 *  then empty), or columns made here from `flows` (an older host, a small summary). */
function modelOf(summary: AnnotatedSummary, buckets: number): FlowModel {
  const cols = (summary as { columns?: unknown }).columns;
  if (cols !== undefined) {
    const m = FlowModel.fromColumns(cols);
    if (m) return m;
    console.warn('falcoshark webview: the summary\'s flow columns are malformed; using its flows');
  }
  return FlowModel.fromFlows(summary.flows, buckets);
}

function showSummary(summary: AnnotatedSummary, file: string, wiresharkAvailable: boolean): void {
  const a = summary.activity as unknown;
  const buckets = typeof a === 'object' && a !== null ? Math.min(4096, num((a as { buckets?: unknown }).buckets)) : 0;
  const model = timed('views', () => modelOf(summary, buckets));
  model.setAlert(alertTimingOf(summary));
  loaded = { summary, file, model, wiresharkAvailable };
  banner.hidden = true;
  progress.hidden = true;
  waiting.hidden = true;
  headerBox.replaceChildren(renderHeader(summary, file, model.count, model.alert));
  charts.hidden = false;
  flowsSection.hidden = false;
  table.setModel(model);
  toolbar.setProtocols(model.protocols());
  toolbar.setWireshark(wiresharkAvailable);
  toolbar.setPhaseAvailable(model.splitShown);
  if (state.selected !== null && state.selected >= model.count) state.selected = null;
  if (state.selected === null) {
    for (let i = 0; i < model.count; i++) {
      if (model.alerted(i)) {
        state.selected = i;
        break;
      }
    }
  }
  toolbar.setFilter(state.filter);
  timed('order', reorder);
  lastWidths = `${Math.round(timelineBox.clientWidth / 40)}:${Math.round(graphBox.clientWidth / 40)}`;
  table.select(state.selected);
  setSelected(state.selected, false);
  // The table first; the charts (force layout over up to 120 nodes) right after it is painted.
  const drawn = loaded;
  setTimeout(() => {
    if (loaded === drawn) timed('charts', drawCharts);
  }, 0);
  document.title = `Flows: ${clip(file, 100)}`;
}

function onMessage(m: HostMessage): void {
  switch (m.type) {
    case 'summary':
      try {
        showSummary(m.summary, m.file, m.wiresharkAvailable);
      } catch (e) {
        showError(`This summary could not be shown: ${e instanceof Error ? e.message : String(e)}`);
      }
      return;
    case 'progress': {
      const pct = m.totalBytes > 0 ? Math.min(100, (100 * m.bytesRead) / m.totalBytes) : 0;
      progress.hidden = false;
      progress.replaceChildren(
        el('span', undefined, `Analysing ${clip(m.file, 200)}: ${formatBytes(Math.max(0, m.bytesRead))}${m.totalBytes > 0 ? ` of ${formatBytes(m.totalBytes)}` : ''}`),
      );
      const bar = el('progress');
      bar.max = 100;
      bar.value = pct;
      bar.setAttribute('aria-label', `${Math.round(pct)}% analysed`);
      progress.appendChild(bar);
      return;
    }
    case 'error':
      showError(m.message);
      return;
    default: {
      const never: never = m;
      console.warn('falcoshark webview: unhandled message', never);
    }
  }
}

function showError(message: string): void {
  banner.hidden = false;
  progress.hidden = true;
  waiting.hidden = true;
  banner.textContent = clip(message, 2000);
}

// Listen, then say `ready` (the host queues its messages until then).
const channel = connect(onMessage, (why) => console.warn(`falcoshark webview: ignored a ${why}`));
const state: PersistedState = channel.state();
