// How a plan and its alert read in the pcapng section header (what `capinfos` and
// Wireshark's "Capture File Properties" show). Text only: the alert's output is data.
import { workloadWords, type CapturePlan, type CaptureTarget } from './capturePlan.js';

/** The target in a few characters, for lists: "shop/api-7d9c", "host:any", "lab-api:eth0",
 *  "shop/Deployment api". */
export function shortTarget(t: CaptureTarget): string {
  switch (t.kind) {
    case 'pod': return `${t.namespace}/${t.pod}`;
    case 'workload': return `${t.namespace}/${workloadWords(t)}`;
    case 'local': return `${t.netns ?? 'host'}:${t.iface}`;
  }
}

/** The target as the summary's context names it: "shop/api-7d9c (api)", "host:any",
 *  "shop: Deployment api (every pod)". */
export function targetText(t: CaptureTarget): string {
  switch (t.kind) {
    case 'pod': return `${t.namespace}/${t.pod}${t.container ? ` (${t.container})` : ''}`;
    case 'workload': return `${t.namespace}: ${workloadWords(t)} (every pod${t.container ? `, container ${t.container}` : ''})`;
    case 'local': return `${t.netns ?? 'host'}:${t.iface}`;
  }
}

export function planComment(plan: CapturePlan): string[] {
  const t = plan.target;
  const where = t.kind === 'pod'
    ? `pod ${t.namespace}/${t.pod}${t.container ? ` container ${t.container}` : ''}${t.node ? ` node ${t.node}` : ''}${t.context ? ` context ${t.context}` : ''}`
    : t.kind === 'workload'
      ? `every pod of ${workloadWords(t)} in namespace ${t.namespace}${t.selector ? ` (selector ${t.selector})` : ''}${t.container ? ` container ${t.container}` : ''}${t.context ? ` context ${t.context}` : ''}, one interface per pod`
      : `${t.netns ? `netns ${t.netns}` : 'host'} interface ${t.iface}`;
  const lines = [
    `falcoshark capture ${plan.id}`,
    `target: ${where} (method ${plan.method}, tool ${plan.tool}${plan.image ? `, image ${plan.image}` : ''})`,
    `filter: ${plan.filter.bpf || '(none)'} (${plan.filter.description})`,
    `caps: ${plan.caps.durationSeconds} s, ${plan.caps.maxPackets} packets, ${plan.caps.maxBytes} bytes, snaplen ${plan.caps.snapLen}`,
  ];
  if (plan.recorded) {
    const w = plan.recorded;
    lines.push(`recorded: ${w.beforeSeconds} s before → ${w.afterSeconds} s after the alert at ${w.alertTime} (${w.from} → ${w.to}), by ${w.recorder}${w.heldFrom ? `, held from ${w.heldFrom}` : ''}`);
  }
  if (plan.filter.display) lines.push(`display filter for the alerted flow: ${plan.filter.display}`);
  for (const n of plan.notes) lines.push(`note: ${n}`);
  const comments = [lines.join('\n')];
  if (plan.alert) {
    const a = plan.alert;
    comments.unshift([
      `Falco alert: ${a.rule}`,
      `priority: ${a.priority ?? 'unknown'}  time: ${a.time ?? 'unknown'}  source: ${a.source ?? 'unknown'}  node: ${a.node ?? 'unknown'}${a.uuid ? `  uuid: ${a.uuid}` : ''}`,
      `output: ${a.output}`,
    ].join('\n'));
  }
  return comments;
}
