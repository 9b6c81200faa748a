// Above the table: the filter (text, protocol, alerted only, alerted first, and — when the
// alert's time is inside the capture — all / before the alert / after the alert), the count,
// and the actions on the selected flow (Open in Wireshark, Reveal file, Copy flow).
import { append, el } from './dom.js';
import { PHASE_FILTERS, type FilterState, type PhaseFilter } from './flowModel.js';
import { formatCount } from './format.js';

export interface ToolbarEvents {
  filterChanged(filter: FilterState): void;
  open(): void;
  reveal(): void;
  copy(): void;
}

const PHASE_LABELS: Record<PhaseFilter, [string, string]> = {
  all: ['all', 'Every flow'],
  before: ['before the alert', 'Flows with packets before the alert\'s time (begun before it)'],
  after: ['after the alert', 'Flows with packets at or after the alert\'s time'],
};

const NO_WIRESHARK = 'Wireshark was not found: install it or set falcoshark.wiresharkPath (Reveal file shows the capture)';

export class Toolbar {
  readonly element: HTMLElement;
  private readonly text: HTMLInputElement;
  private readonly protocol: HTMLSelectElement;
  private readonly alertedOnly: HTMLInputElement;
  private readonly alertedFirst: HTMLInputElement;
  private readonly phaseGroup: HTMLElement;
  private readonly phaseButtons: HTMLButtonElement[] = [];
  private phase: PhaseFilter = 'all';
  private readonly count: HTMLElement;
  private readonly openButton: HTMLButtonElement;
  private readonly openWrap: HTMLElement;
  private readonly copyButton: HTMLButtonElement;
  private timer = 0;
  private wireshark = false;
  private hasSelection = false;

  constructor(private readonly events: ToolbarEvents) {
    this.element = el('div', 'toolbar');
    this.text = el('input', 'filter-text');
    this.text.type = 'search';
    this.text.placeholder = 'Filter: address, pod, service, DNS, SNI, HTTP host…';
    this.text.setAttribute('aria-label', 'Filter flows');
    this.text.maxLength = 500;
    this.text.addEventListener('input', () => {
      clearTimeout(this.timer);
      this.timer = window.setTimeout(() => this.emit(), 120);
    });
    this.text.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') {
        clearTimeout(this.timer);
        this.emit();
      }
    });
    this.protocol = el('select', 'filter-protocol');
    this.protocol.setAttribute('aria-label', 'Protocol');
    this.protocol.addEventListener('change', () => this.emit());
    this.alertedOnly = el('input');
    this.alertedOnly.type = 'checkbox';
    this.alertedOnly.addEventListener('change', () => this.emit());
    this.alertedFirst = el('input');
    this.alertedFirst.type = 'checkbox';
    this.alertedFirst.addEventListener('change', () => this.emit());
    const only = el('label', 'check');
    append(only, this.alertedOnly, el('span', undefined, 'alerted only'));
    only.classList.add('alerted-only');
    const first = el('label', 'check');
    append(first, this.alertedFirst, el('span', undefined, 'alerted first'));
    first.classList.add('alerted-first');
    this.phaseGroup = el('div', 'phase-filter');
    this.phaseGroup.setAttribute('role', 'group');
    this.phaseGroup.setAttribute('aria-label', 'Flows by time against the alert');
    this.phaseGroup.hidden = true;
    for (const p of PHASE_FILTERS) {
      const b = el('button', 'segment', PHASE_LABELS[p][0]);
      b.type = 'button';
      b.title = PHASE_LABELS[p][1];
      b.dataset.phase = p;
      b.addEventListener('click', () => {
        this.setPhase(p);
        this.emit();
      });
      this.phaseButtons.push(b);
      append(this.phaseGroup, b);
    }
    this.count = el('span', 'count');
    this.count.setAttribute('aria-live', 'polite');
    this.openButton = el('button', 'primary open-wireshark', 'Open in Wireshark');
    this.openButton.type = 'button';
    this.openButton.addEventListener('click', () => this.events.open());
    // A disabled button gets no pointer events: the wrapper carries the tooltip too.
    this.openWrap = el('span', 'button-wrap');
    append(this.openWrap, this.openButton);
    const reveal = el('button', 'secondary reveal-file', 'Reveal file');
    reveal.type = 'button';
    reveal.addEventListener('click', () => this.events.reveal());
    this.copyButton = el('button', 'secondary copy-flow', 'Copy flow');
    this.copyButton.type = 'button';
    this.copyButton.title = 'Copy the selected flow as text';
    this.copyButton.addEventListener('click', () => this.events.copy());
    append(this.element, this.text, this.protocol, only, first, this.phaseGroup, this.count, el('span', 'spacer'), this.openWrap, reveal, this.copyButton);
  }

  private emit(): void {
    this.events.filterChanged(this.read());
  }

  read(): FilterState {
    return { text: this.text.value, protocol: this.protocol.value, alertedOnly: this.alertedOnly.checked, alertedFirst: this.alertedFirst.checked, phase: this.phase };
  }

  setFilter(f: FilterState): void {
    this.text.value = f.text;
    if (Array.from(this.protocol.options).some((o) => o.value === f.protocol)) this.protocol.value = f.protocol;
    this.alertedOnly.checked = f.alertedOnly;
    this.alertedFirst.checked = f.alertedFirst;
    this.setPhase(f.phase);
  }

  private setPhase(p: PhaseFilter): void {
    this.phase = p;
    for (const b of this.phaseButtons) b.setAttribute('aria-pressed', String(b.dataset.phase === p));
  }

  /** Shows the before/after toggle (only when the alert's time is inside the capture). */
  setPhaseAvailable(available: boolean): void {
    this.phaseGroup.hidden = !available;
  }

  setProtocols(protocols: string[]): void {
    this.protocol.replaceChildren();
    const all = el('option', undefined, 'all protocols');
    all.value = '';
    this.protocol.appendChild(all);
    for (const p of protocols.slice(0, 64)) {
      const o = el('option', undefined, p);
      o.value = p;
      this.protocol.appendChild(o);
    }
  }

  setCount(shown: number, total: number): void {
    this.count.textContent = shown === total ? `${formatCount(total)} flows` : `${formatCount(shown)} of ${formatCount(total)} flows`;
  }

  setWireshark(available: boolean): void {
    this.wireshark = available;
    this.update();
  }

  setSelection(has: boolean): void {
    this.hasSelection = has;
    this.update();
  }

  private update(): void {
    this.openButton.disabled = !this.wireshark;
    const tip = !this.wireshark ? NO_WIRESHARK : this.hasSelection ? 'Open the capture in Wireshark filtered to the selected flow (Enter)' : 'Open the capture in Wireshark filtered to the alerted flow';
    this.openButton.title = tip;
    this.openWrap.title = tip;
    this.copyButton.disabled = !this.hasSelection;
  }
}
