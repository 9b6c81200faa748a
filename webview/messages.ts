// The webview's side of the host contract: `acquireVsCodeApi()` (called once), typed
// messages out, guarded messages in, and the state VS Code keeps while the panel is hidden.
import { isHostMessage, type HostMessage, type WebviewMessage } from '../src/shared/webviewProtocol.js';
import { PHASE_FILTERS, SORT_KEYS, type FilterState, type PhaseFilter, type SortKey, type SortState } from './flowModel.js';

export interface PersistedState {
  sort: SortState;
  filter: FilterState;
  /** Index into summary.flows of the selected flow. */
  selected: number | null;
}

interface VsCodeApi {
  postMessage(message: WebviewMessage): void;
  getState(): unknown;
  setState(state: PersistedState): void;
}

declare global {
  function acquireVsCodeApi(): VsCodeApi;
}

export const DEFAULT_STATE: PersistedState = {
  sort: { key: 'bytes', descending: true },
  filter: { text: '', protocol: '', alertedOnly: false, alertedFirst: true, phase: 'all' },
  selected: null,
};

/** Whatever VS Code gives back (possibly from an older version of this code), made valid. */
export function validState(v: unknown): PersistedState {
  const d = DEFAULT_STATE;
  if (typeof v !== 'object' || v === null) return structuredClone(d);
  const o = v as Record<string, unknown>;
  const s = (typeof o.sort === 'object' && o.sort !== null ? o.sort : {}) as Record<string, unknown>;
  const f = (typeof o.filter === 'object' && o.filter !== null ? o.filter : {}) as Record<string, unknown>;
  return {
    sort: {
      key: SORT_KEYS.includes(s.key as SortKey) ? (s.key as SortKey) : d.sort.key,
      descending: typeof s.descending === 'boolean' ? s.descending : d.sort.descending,
    },
    filter: {
      text: typeof f.text === 'string' ? f.text.slice(0, 500) : '',
      protocol: typeof f.protocol === 'string' ? f.protocol.slice(0, 32) : '',
      alertedOnly: f.alertedOnly === true,
      alertedFirst: f.alertedFirst !== false,
      phase: PHASE_FILTERS.includes(f.phase as PhaseFilter) ? (f.phase as PhaseFilter) : 'all',
    },
    selected: typeof o.selected === 'number' && Number.isInteger(o.selected) && o.selected >= 0 ? o.selected : null,
  };
}

export interface HostChannel {
  post(message: WebviewMessage): void;
  state(): PersistedState;
  saveState(state: PersistedState): void;
}

/** Connects to the host: listens (guarded) first, then says `ready`. */
export function connect(onMessage: (m: HostMessage) => void, onRejected: (why: string) => void): HostChannel {
  const api = acquireVsCodeApi();
  window.addEventListener('message', (e: MessageEvent<unknown>) => {
    if (isHostMessage(e.data)) onMessage(e.data);
    else onRejected(describe(e.data));
  });
  api.postMessage({ type: 'ready' });
  return {
    post: (m) => api.postMessage(m),
    state: () => validState(api.getState()),
    saveState: (s) => api.setState(s),
  };
}

function describe(v: unknown): string {
  if (typeof v === 'object' && v !== null && 'type' in v) {
    const t = (v as { type: unknown }).type;
    return `message of type ${typeof t === 'string' ? JSON.stringify(t.slice(0, 40)) : typeof t} with an unexpected shape`;
  }
  return `message that is not an object with a type (${typeof v})`;
}
