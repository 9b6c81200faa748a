// Which pods of a workload capture a flow was captured on. Each pod is captured in its own
// network namespace, so a packet on its interface has that pod's address at one end (the
// Service address is translated outside it, on the node): a flow was captured on the pods of
// the capture whose address is its client or server. Loopback flows (127.0.0.1, ::1) and IPv6
// link-local ones (router solicitations) have no pod address and are not attributed. Built once per summary from the sidecar's `pods`.
import type { CaptureSidecar } from './captureSidecar.js';

export type CapturedOn = (clientIp: string, serverIp: string) => string[] | undefined;

/** The lookup of a workload capture's sidecar; undefined for other captures. */
export function capturedOnOf(sidecar: CaptureSidecar | undefined): CapturedOn | undefined {
  const pods = sidecar?.pods;
  if (!pods?.length) return undefined;
  const byIp = new Map<string, string[]>();
  for (const p of pods) {
    if (p.packets === 0) continue;
    for (const ip of p.ips) {
      const names = byIp.get(ip) ?? [];
      const name = `${p.namespace}/${p.pod}`;
      if (!names.includes(name)) names.push(name);
      byIp.set(ip, names);
    }
  }
  return (c, s) => {
    const a = byIp.get(c);
    const b = byIp.get(s);
    if (!a && !b) return undefined;
    return [...new Set([...(a ?? []), ...(b ?? [])])];
  };
}
