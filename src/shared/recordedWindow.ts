// The window of a capture cut from a flight recorder: in the plan (src/core/capture/capturePlan.ts)
// and, as it is, in the annotated summary the webview draws (src/shared/annotatedSummary.ts).

/** A capture cut from a flight recorder's rolling buffer (method 'recorder', issue 13): the
 *  packets of [alertTime − beforeSeconds, alertTime + afterSeconds]. */
export interface RecordedWindow {
  /** The recorder that held the packets ("falcoshark/falcoshark-recorder-x2k4 on node lab", "host:any"). */
  recorder: string;
  /** The time the window is cut around (the alert's time, ISO 8601 with nanoseconds). */
  alertTime: string;
  beforeSeconds: number;
  afterSeconds: number;
  /** The window asked for (ISO 8601). */
  from: string;
  to: string;
  /** The oldest packet time the recorder still held when it cut (later than `from` when its bounds had dropped older ones). */
  heldFrom?: string;
}
