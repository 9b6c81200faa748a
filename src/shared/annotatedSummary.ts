// A flow summary annotated with Kubernetes and Falco context: endpoints named by pod,
// service, workload and namespace (or marked external), the alerted flow marked.
import type { RecordedWindow } from './recordedWindow.js';
import type { FlowRecord, FlowSummary } from './flowSummary.js';
import type { WorkloadRef } from './clusterSnapshot.js';

export interface EndpointIdentity {
  kind: 'pod' | 'service' | 'node' | 'external' | 'unknown';
  namespace?: string;
  name?: string;
  workload?: WorkloadRef;
  services?: string[];
  node?: string;
  /** What a person reads: "shop/api-7d9c (Deployment api, svc shop/api)", "external". */
  label: string;
}

export interface AnnotatedFlow extends FlowRecord {
  clientIdentity?: EndpointIdentity;
  serverIdentity?: EndpointIdentity;
  /** True for the flow the alert is about. */
  alerted?: boolean;
  /** Workload captures: the pods ("ns/name") whose interface the flow was captured on. */
  capturedOn?: string[];
}

export interface CaptureContext {
  id: string;
  target: string;
  filter: string;
  displayFilter: string;
  outcome?: string;
  reason?: string;
  alert?: { rule: string; priority: string | null; time: string | null; output: string; node: string | null; namespace?: string | null; pod?: string | null };
  snapshotTakenAt?: string;
  snapshotGaps?: string[];
  /** Set when the packets were cut from a flight recorder's buffer around the alert (plan
   *  method 'recorder'): the window asked for and what the recorder still held. */
  recorded?: RecordedContext;
  /** Workload captures (plan target kind 'workload'): each pod with how its capture went, from
   *  the sidecar's `pods` (a failed or skipped pod with its reason). */
  pods?: CapturedPod[];
}

export interface CapturedPod {
  /** "ns/name", as a flow's `capturedOn` names it. */
  pod: string;
  node?: string;
  outcome: string;
  reason: string;
  packets: number;
}

/** The recorded window, as the plan has it (heldFrom only when later than `from`). */
export type RecordedContext = RecordedWindow;

export interface AnnotatedSummary extends FlowSummary {
  flows: AnnotatedFlow[];
  /** Present when the capture's sidecar (`<name>.falcoshark.json`) was found. */
  context?: CaptureContext;
}
