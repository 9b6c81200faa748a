// Wireshark display filters for a capture: a selected flow's, or the alerted flow's rebuilt from
// the plan's flow context. Addresses and ports come from packet bytes or from a file on disk, so
// they are checked and re-printed (selectionOf); nothing reaches the filter as text.
import type { FlowRecord } from '../../shared/flowSummary.js';
import { buildFilters } from '../capture/captureFilter.js';
import { FilterInputError, flowContextOfRecord } from '../capture/flowContext.js';
import type { CapturePlan } from '../capture/capturePlan.js';

export type DisplayFilterResult = { ok: true; filter: string } | { ok: false; reason: string };

/** The display filter selecting one flow of a summary (both directions). */
export function displayFilterForFlow(flow: Pick<FlowRecord, 'protocol' | 'client' | 'server'>): DisplayFilterResult {
  try {
    const built = buildFilters(flowContextOfRecord(flow));
    return built.display ? { ok: true, filter: built.display } : { ok: false, reason: 'the flow has no usable address' };
  } catch (e) {
    if (e instanceof FilterInputError) return { ok: false, reason: e.message };
    throw e;
  }
}

/** The display filter of a capture's alerted flow, from its plan's flow context; undefined when
 *  the plan has none (a filter typed by the user, no network context) or it is not usable. */
export function alertedDisplayFilter(plan: Pick<CapturePlan, 'flow'>): string | undefined {
  if (!plan.flow) return undefined;
  try {
    return buildFilters(plan.flow).display || undefined;
  } catch (e) {
    if (e instanceof FilterInputError) return undefined;
    throw e;
  }
}
