// The flows of a finished analysis as columns (what the extension's worker sends the host),
// made from the analyzer's fields one flow at a time — no record object and no time text per
// flow — and annotated from the capture's sidecar. No `vscode` import.
import type { StreamedSummary } from '../core/flows/analyzeFile.js';
import type { CaptureSidecar } from '../core/capture/captureSidecar.js';
import { annotateSummary, FlowAnnotator } from '../core/annotate/annotateSummary.js';
import type { AnnotatedSummary } from '../shared/annotatedSummary.js';
import { newFlowParts } from '../shared/flowParts.js';
import { ColumnsBuilder } from '../../webview/flowColumns.js';

/** The annotated head and the builder with every flow added, not yet finished: once the caller
 *  drops `streamed`, the analysis is no longer reachable when `finish` makes the last arrays. */
export function columnsOfAnalysis(streamed: StreamedSummary, sidecar: CaptureSidecar | undefined): { head: AnnotatedSummary; builder: ColumnsBuilder } {
  const head = annotateSummary(streamed.head, sidecar);
  const builder = new ColumnsBuilder(streamed.count, head.activity.buckets, true);
  const parts = newFlowParts();
  const annotator = sidecar ? new FlowAnnotator(sidecar, streamed.endpoints) : undefined;
  parts.wantIpText = annotator !== undefined; // names endpoints by their text
  for (let f = 0; f < streamed.count; f++) {
    streamed.parts(f, parts);
    if (annotator) {
      parts.clientIdentity = annotator.identity(parts.clientIp);
      parts.serverIdentity = annotator.identity(parts.serverIp);
      parts.alerted = annotator.alerted(f);
      parts.capturedOn = annotator.capturedOnFlow(f);
    }
    builder.addParts(parts);
  }
  return { head, builder };
}
