// The flows table, virtualised: a fixed pool of row elements (only the visible rows plus a
// few) is re-filled as the view scrolls from the flow model (a view object is made for the
// rows drawn only), so 600,000 flows cost their columns and a sorted index array, never
// 600,000 DOM rows or objects. Keyboard: ↑/↓/PgUp/PgDn/Home/End move the
// selection, Enter opens the selected flow in Wireshark.
import { append, clear, el } from './dom.js';
import type { EndpointView, FlowModel, FlowView, SortKey, SortState } from './flowModel.js';
import { clip, formatBytes, formatCount, formatDuration, TITLE_MAX } from './format.js';
import { formatGap } from './alertTiming.js';

export const ROW_HEIGHT = 36;
const OVERSCAN = 6;

interface Column {
  key: SortKey;
  title: string;
  label: string;
  cls: string;
  fill(f: FlowView, cell: HTMLElement): void;
}

const KIND_BADGE: Record<EndpointView['kind'], string> = { pod: 'pod', service: 'svc', node: 'node', external: 'ext', unknown: '?', none: '' };

function setText(cell: HTMLElement, text: string, title?: string): void {
  cell.textContent = text;
  cell.title = title ?? '';
}

function fillEndpoint(e: EndpointView, cell: HTMLElement): void {
  // Children: badge, label, address (created once per cell, see makeRow).
  const [badge, label, addr] = Array.from(cell.children) as HTMLElement[];
  const b = KIND_BADGE[e.kind];
  badge.textContent = b;
  badge.className = `kind kind-${e.kind}`;
  badge.hidden = !b;
  const named = e.label !== e.ip;
  // "ns/pod (Deployment api, svc ns/api)": the name on the first line, the address and the
  // parenthesised details on the second.
  const m = named ? /^(.*?) \((.*)\)$/.exec(e.label) : null;
  label.textContent = named ? clip(m ? m[1] : e.label, 160) : e.addr;
  addr.textContent = named ? (m ? `${e.addr} · ${clip(m[2], 160)}` : e.addr) : '';
  addr.hidden = !named;
  cell.classList.toggle('single', !named);
  cell.title = clip(`${e.label}${named ? ` — ${e.addr}` : ''}${e.kind === 'external' ? ' (outside the cluster)' : ''}`, TITLE_MAX);
}

function fillNames(f: FlowView, cell: HTMLElement): void {
  // Up to two lines, clamped, in a child that the cell centres vertically.
  (cell.firstElementChild as HTMLElement).textContent = clip(f.names.join(' · '), 200);
  cell.title = clip(f.names.join('\n'), TITLE_MAX);
}

/** The packets before the alert: a "before" badge for a flow begun before it (the title says
 *  it in full), "all 12" or "5 of 12". */
function fillBefore(f: FlowView, cell: HTMLElement): void {
  const [badge, text] = Array.from(cell.children) as HTMLElement[];
  const began = f.phase === 'before' || f.phase === 'across';
  badge.hidden = !began;
  badge.textContent = began ? 'before' : '';
  badge.title = began ? 'began before the alert' : '';
  const total = f.packetsOut + f.packetsIn;
  const known = Number.isFinite(f.beforePackets);
  text.textContent = !began ? '' : f.phase === 'before' ? `all ${formatCount(total)}` : known ? `${formatCount(f.beforePackets)} of ${formatCount(total)}` : 'some';
  const after = total - f.beforePackets;
  const gap = Number.isFinite(f.startVsAlert) ? `; first packet ${formatGap(f.startVsAlert)} ${f.startVsAlert < 0 ? 'before' : 'after'} the alert` : '';
  cell.title = f.phase === 'none' ? '' : !began ? `every packet at or after the alert${gap}`
    : known ? `${formatCount(f.beforePackets)} packets (${formatBytes(f.beforeBytes)}) before the alert, ${formatCount(after)} (${formatBytes(f.bytesOut + f.bytesIn - f.beforeBytes)}) after${gap}`
      : `began before the alert and went on after it${gap}`;
}

const num = (n: number): string => formatCount(n);
export const COLUMNS: readonly Column[] = [
  { key: 'alerted', title: 'Alerted flow first', label: '⚑', cls: 'c-alert', fill: (f, c) => setText(c, f.alerted ? '⚑' : '', f.alerted ? 'the flow the alert is about' : '') },
  { key: 'protocol', title: 'Protocol', label: 'Proto', cls: 'c-proto', fill: (f, c) => setText(c, f.protocol, f.flags.length ? `TCP flags seen: ${f.flags.join(' ')}` : undefined) },
  { key: 'client', title: 'Client (who started the flow)', label: 'Client', cls: 'c-ep', fill: (f, c) => fillEndpoint(f.client, c) },
  { key: 'server', title: 'Server', label: 'Server', cls: 'c-ep', fill: (f, c) => fillEndpoint(f.server, c) },
  { key: 'names', title: 'DNS names, TLS SNI, HTTP host and path', label: 'Names', cls: 'c-names', fill: (f, c) => fillNames(f, c) },
  { key: 'capturedOn', title: 'The pod(s) whose interface the flow was captured on', label: 'Captured on', cls: 'c-pods',
    fill: (f, c) => setText(c, clip(f.capturedOn.join(' · '), 200), clip(f.capturedOn.join('\n'), TITLE_MAX)) },
  { key: 'packetsOut', title: 'Packets client → server', label: 'Pkts →', cls: 'c-num', fill: (f, c) => setText(c, num(f.packetsOut)) },
  { key: 'packetsIn', title: 'Packets server → client', label: 'Pkts ←', cls: 'c-num', fill: (f, c) => setText(c, num(f.packetsIn)) },
  { key: 'bytesOut', title: 'Bytes client → server', label: 'Bytes →', cls: 'c-num', fill: (f, c) => setText(c, formatBytes(f.bytesOut), `${num(f.bytesOut)} bytes`) },
  { key: 'bytesIn', title: 'Bytes server → client', label: 'Bytes ←', cls: 'c-num', fill: (f, c) => setText(c, formatBytes(f.bytesIn), `${num(f.bytesIn)} bytes`) },
  { key: 'bytes', title: 'Bytes both ways', label: 'Bytes', cls: 'c-num', fill: (f, c) => setText(c, formatBytes(f.bytesOut + f.bytesIn), `${num(f.bytesOut + f.bytesIn)} bytes`) },
  { key: 'duration', title: 'Last packet minus first', label: 'Duration', cls: 'c-num', fill: (f, c) => setText(c, formatDuration(f.duration)) },
  { key: 'firstSeen', title: 'First packet (UTC)', label: 'First seen', cls: 'c-time', fill: (f, c) => setText(c, Number.isFinite(f.firstSeen) ? new Date(f.firstSeen * 1000).toISOString().slice(11, 23) : '–', f.firstSeenText) },
  { key: 'beforeAlert', title: 'Packets before the alert\'s time (flows begun before the alert)', label: 'Before alert', cls: 'c-before', fill: (f, c) => fillBefore(f, c) },
];

export interface TableEvents {
  select(flowIndex: number): void;
  open(flowIndex: number): void;
  sort(key: SortKey): void;
}

interface Row {
  el: HTMLElement;
  cells: HTMLElement[];
  pos: number;
}

export class FlowTable {
  readonly element: HTMLElement;
  private readonly viewport: HTMLElement;
  private readonly body: HTMLElement;
  private readonly rowsBox: HTMLElement;
  private readonly empty: HTMLElement;
  private readonly headers: HTMLElement[] = [];
  private readonly pool: Row[] = [];
  private model: FlowModel | undefined;
  private order: Uint32Array = new Uint32Array(0);
  private selected: number | null = null;
  private selectedPos = -1;
  private frame = 0;

  constructor(private readonly events: TableEvents) {
    this.element = el('div', 'flow-table');
    this.element.setAttribute('role', 'grid');
    this.element.setAttribute('aria-label', 'Flows');
    this.element.setAttribute('aria-colcount', String(COLUMNS.length));
    this.element.style.setProperty('--row-h', `${ROW_HEIGHT}px`);
    this.viewport = el('div', 'viewport');
    const head = el('div', 'row head');
    head.setAttribute('role', 'row');
    head.setAttribute('aria-rowindex', '1');
    for (const col of COLUMNS) {
      const h = el('div', `cell ${col.cls}`);
      h.setAttribute('role', 'columnheader');
      const b = el('button', 'sort', col.label);
      b.type = 'button';
      b.title = `${col.title} — sort`;
      b.dataset.key = col.key;
      b.addEventListener('click', () => this.events.sort(col.key));
      append(h, b);
      this.headers.push(h);
      append(head, h);
    }
    this.body = el('div', 'body');
    this.rowsBox = el('div', 'rows');
    this.rowsBox.setAttribute('role', 'rowgroup');
    this.empty = el('div', 'empty', 'No flows match the filter.');
    this.empty.hidden = true;
    append(this.body, this.rowsBox);
    append(this.viewport, head, this.body, this.empty);
    append(this.element, this.viewport);
    this.viewport.addEventListener('scroll', () => this.schedule());
    this.viewport.addEventListener('keydown', (e) => this.onKey(e));
    new ResizeObserver(() => this.schedule()).observe(this.viewport);
  }

  setModel(model: FlowModel): void {
    this.model = model;
    // The "Before alert" column only when the alert's time is inside the capture; "Captured on"
    // only for a workload capture's flows (some flow says which pod it was captured on).
    this.element.classList.toggle('with-alert', model.splitShown);
    this.element.classList.toggle('with-pods', model.hasPods);
    this.element.setAttribute('aria-colcount', String(COLUMNS.length - (model.splitShown ? 0 : 1) - (model.hasPods ? 0 : 1)));
  }

  /** New order (after sort/filter): the same row elements are re-filled. */
  setOrder(order: Uint32Array, sort: SortState): void {
    this.order = order;
    this.selectedPos = this.selected === null ? -1 : order.indexOf(this.selected);
    this.element.setAttribute('aria-rowcount', String(order.length + 1));
    this.body.style.height = `${order.length * ROW_HEIGHT}px`;
    this.empty.hidden = order.length > 0;
    COLUMNS.forEach((c, i) => {
      const active = c.key === sort.key;
      this.headers[i].setAttribute('aria-sort', active ? (sort.descending ? 'descending' : 'ascending') : 'none');
      this.headers[i].classList.toggle('sorted', active);
      this.headers[i].dataset.dir = active ? (sort.descending ? '▼' : '▲') : '';
    });
    this.render();
  }

  get selection(): number | null {
    return this.selected;
  }

  /** Selects a flow (index into summary.flows) and scrolls it into view. */
  select(flowIndex: number | null, focus = false): void {
    this.selected = flowIndex;
    this.selectedPos = flowIndex === null ? -1 : this.order.indexOf(flowIndex);
    if (this.selectedPos >= 0) this.scrollToPos(this.selectedPos);
    this.render();
    if (focus) this.focusSelected();
  }

  /** Scrolls so that position `pos` of the current order is visible. */
  scrollToPos(pos: number): void {
    const head = this.viewport.firstElementChild as HTMLElement;
    const visible = this.viewport.clientHeight - head.offsetHeight;
    const top = pos * ROW_HEIGHT;
    if (top < this.viewport.scrollTop) this.viewport.scrollTop = top;
    else if (top + ROW_HEIGHT > this.viewport.scrollTop + visible) this.viewport.scrollTop = top + ROW_HEIGHT - visible;
  }

  private pageRows(): number {
    return Math.max(1, Math.floor((this.viewport.clientHeight - ROW_HEIGHT) / ROW_HEIGHT) - 1);
  }

  private onKey(e: KeyboardEvent): void {
    const n = this.order.length;
    if (n === 0) return;
    const cur = this.selectedPos;
    let pos: number;
    switch (e.key) {
      case 'ArrowDown': pos = cur < 0 ? 0 : cur + 1; break;
      case 'ArrowUp': pos = cur < 0 ? 0 : cur - 1; break;
      case 'PageDown': pos = (cur < 0 ? 0 : cur) + this.pageRows(); break;
      case 'PageUp': pos = (cur < 0 ? 0 : cur) - this.pageRows(); break;
      case 'Home': pos = 0; break;
      case 'End': pos = n - 1; break;
      case 'Enter':
        if (this.selected !== null && !(e.target instanceof HTMLButtonElement)) {
          e.preventDefault();
          this.events.open(this.selected);
        }
        return;
      default:
        return;
    }
    if (e.target instanceof HTMLButtonElement) return; // header buttons keep their keys
    e.preventDefault();
    pos = Math.max(0, Math.min(n - 1, pos));
    const flow = this.order[pos];
    this.select(flow, true);
    this.events.select(flow);
  }

  private focusSelected(): void {
    const row = this.pool.find((r) => r.pos === this.selectedPos && !r.el.hidden);
    row?.el.focus({ preventScroll: true });
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  private makeRow(): Row {
    const row = el('div', 'row');
    row.setAttribute('role', 'row');
    row.tabIndex = -1;
    const cells = COLUMNS.map((c) => {
      const cell = el('div', `cell ${c.cls}`);
      cell.setAttribute('role', 'gridcell');
      if (c.cls === 'c-ep') append(cell, el('span', 'kind'), el('span', 'label'), el('span', 'addr'));
      if (c.cls === 'c-names') append(cell, el('span', 'clamp'));
      if (c.cls === 'c-before') append(cell, el('span', 'phase'), el('span', 'n'));
      append(row, cell);
      return cell;
    });
    const r: Row = { el: row, cells, pos: -1 };
    row.addEventListener('click', () => this.clickRow(r));
    row.addEventListener('dblclick', () => {
      if (r.pos >= 0 && r.pos < this.order.length) this.events.open(this.order[r.pos]);
    });
    row.addEventListener('focus', () => {
      if (this.selected === null && r.pos >= 0 && r.pos < this.order.length) this.clickRow(r);
    });
    append(this.rowsBox, row);
    return r;
  }

  private clickRow(r: Row): void {
    if (r.pos < 0 || r.pos >= this.order.length) return;
    const flow = this.order[r.pos];
    this.selected = flow;
    this.selectedPos = r.pos;
    this.render();
    r.el.focus({ preventScroll: true });
    this.events.select(flow);
  }

  /** Fills the pool for the current scroll position. Cost: visible rows × columns. */
  render(): void {
    const n = this.order.length;
    const height = Math.max(ROW_HEIGHT, this.viewport.clientHeight);
    const first = Math.max(0, Math.floor(this.viewport.scrollTop / ROW_HEIGHT) - OVERSCAN);
    const count = Math.ceil(height / ROW_HEIGHT) + 2 * OVERSCAN;
    while (this.pool.length < count) this.pool.push(this.makeRow());
    this.rowsBox.style.transform = `translateY(${first * ROW_HEIGHT}px)`;
    const focusIn = this.element.contains(document.activeElement);
    let tabbable = false;
    for (let j = 0; j < this.pool.length; j++) {
      const r = this.pool[j];
      const pos = first + j;
      if (j >= count || pos >= n) {
        r.el.hidden = true;
        r.pos = -1;
        r.el.tabIndex = -1;
        continue;
      }
      r.el.hidden = false;
      r.pos = pos;
      const f = (this.model as FlowModel).view(this.order[pos]);
      for (let c = 0; c < COLUMNS.length; c++) COLUMNS[c].fill(f, r.cells[c]);
      const sel = pos === this.selectedPos;
      r.el.classList.toggle('alerted', f.alerted);
      r.el.classList.toggle('began-before', f.phase === 'before' || f.phase === 'across');
      r.el.classList.toggle('selected', sel);
      r.el.setAttribute('aria-selected', String(sel));
      r.el.setAttribute('aria-rowindex', String(pos + 2));
      r.el.dataset.flow = String(f.index);
      const t = sel || (this.selectedPos < 0 && pos === first) || (this.selectedPos >= 0 && !this.posVisible(this.selectedPos, first, count) && j === 0);
      r.el.tabIndex = t && !tabbable ? 0 : -1;
      if (r.el.tabIndex === 0) tabbable = true;
    }
    if (focusIn && document.activeElement?.classList.contains('row')) this.focusSelected();
  }

  private posVisible(pos: number, first: number, count: number): boolean {
    return pos >= first && pos < first + count;
  }

  /** Rows currently in the DOM (tests and diagnostics). */
  get domRows(): number {
    return this.pool.length;
  }

  dispose(): void {
    clear(this.element);
  }
}
