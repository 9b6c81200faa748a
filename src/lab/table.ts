// meta.k8s.io/v1 Table rendering (what `kubectl get` asks for with Accept: …;as=Table).
import type { ContainerStatus, KObject } from './types.js';
import { isRecord } from './types.js';

interface Column { name: string; type: string; format: string; description: string; priority: number }

function col(name: string, type = 'string', priority = 0, format = ''): Column {
  return { name, type, format, description: name, priority };
}

export function age(ts: string | undefined, now = Date.now()): string {
  if (!ts) return '<unknown>';
  const s = Math.max(0, Math.floor((now - Date.parse(ts)) / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return `${m}m${s % 60 ? `${s % 60}s` : ''}`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h`;
  return `${Math.floor(h / 24)}d`;
}

function statuses(o: KObject): ContainerStatus[] {
  const s = o.status?.containerStatuses;
  return Array.isArray(s) ? (s as ContainerStatus[]) : [];
}

function podStatusText(o: KObject): string {
  if (o.metadata.deletionTimestamp) return 'Terminating';
  for (const c of statuses(o)) {
    if (c.state.waiting) return c.state.waiting.reason;
    if (c.state.terminated && o.status?.phase !== 'Succeeded') return c.state.terminated.reason;
  }
  return typeof o.status?.phase === 'string' ? o.status.phase : 'Unknown';
}

const POD_COLUMNS = [col('Name', 'string', 0, 'name'), col('Ready'), col('Status'), col('Restarts'), col('Age'), col('IP', 'string', 1), col('Node', 'string', 1), col('Nominated Node', 'string', 1), col('Readiness Gates', 'string', 1)];

function podCells(o: KObject): unknown[] {
  const cs = statuses(o);
  const ready = cs.filter((c) => c.ready).length;
  const restarts = cs.reduce((n, c) => n + c.restartCount, 0);
  return [o.metadata.name, `${ready}/${cs.length}`, podStatusText(o), restarts, age(o.metadata.creationTimestamp),
    (o.status?.podIP as string | undefined) ?? '<none>', (o.spec?.nodeName as string | undefined) ?? '<none>', '<none>', '<none>'];
}

function num(v: unknown): number {
  return typeof v === 'number' ? v : 0;
}

function selectorText(sel: unknown): string {
  if (!isRecord(sel)) return '<none>';
  const m = isRecord(sel.matchLabels) ? sel.matchLabels : sel;
  const parts = Object.entries(m).map(([k, v]) => `${k}=${String(v)}`);
  return parts.length ? parts.join(',') : '<none>';
}

function templateContainers(o: KObject): { names: string; images: string } {
  const t = isRecord(o.spec?.template) && isRecord(o.spec.template.spec) ? o.spec.template.spec.containers : undefined;
  const cs = Array.isArray(t) ? t.filter(isRecord) : [];
  return { names: cs.map((c) => String(c.name)).join(','), images: cs.map((c) => String(c.image)).join(',') };
}

function ports(o: KObject): string {
  const p = o.spec?.ports;
  if (!Array.isArray(p) || p.length === 0) return '<none>';
  return p.map((x: unknown) => (isRecord(x) ? `${String(x.port)}/${String(x.protocol ?? 'TCP')}` : '')).join(',');
}

const BY_KIND: Record<string, { columns: Column[]; cells: (o: KObject) => unknown[] }> = {
  Pod: { columns: POD_COLUMNS, cells: podCells },
  Namespace: { columns: [col('Name', 'string', 0, 'name'), col('Status'), col('Age')], cells: (o) => [o.metadata.name, o.status?.phase ?? 'Active', age(o.metadata.creationTimestamp)] },
  Node: {
    columns: [col('Name', 'string', 0, 'name'), col('Status'), col('Roles'), col('Age'), col('Version'), col('Internal-IP', 'string', 1), col('External-IP', 'string', 1), col('OS-Image', 'string', 1), col('Kernel-Version', 'string', 1), col('Container-Runtime', 'string', 1)],
    cells: (o) => {
      const ni = isRecord(o.status?.nodeInfo) ? o.status.nodeInfo : {};
      const addrs = Array.isArray(o.status?.addresses) ? o.status.addresses as { type: string; address: string }[] : [];
      return [o.metadata.name, 'Ready', '<none>', age(o.metadata.creationTimestamp), ni.kubeletVersion ?? '', addrs.find((a) => a.type === 'InternalIP')?.address ?? '<none>', '<none>', ni.osImage ?? '', ni.kernelVersion ?? '', ni.containerRuntimeVersion ?? ''];
    },
  },
  Service: {
    columns: [col('Name', 'string', 0, 'name'), col('Type'), col('Cluster-IP'), col('External-IP'), col('Port(s)'), col('Age'), col('Selector', 'string', 1)],
    cells: (o) => [o.metadata.name, o.spec?.type ?? 'ClusterIP', o.spec?.clusterIP ?? '<none>', '<none>', ports(o), age(o.metadata.creationTimestamp), selectorText(o.spec?.selector)],
  },
  Deployment: {
    columns: [col('Name', 'string', 0, 'name'), col('Ready'), col('Up-to-date', 'integer'), col('Available', 'integer'), col('Age'), col('Containers', 'string', 1), col('Images', 'string', 1), col('Selector', 'string', 1)],
    cells: (o) => [o.metadata.name, `${num(o.status?.readyReplicas)}/${num(o.spec?.replicas)}`, num(o.status?.updatedReplicas), num(o.status?.availableReplicas), age(o.metadata.creationTimestamp), templateContainers(o).names, templateContainers(o).images, selectorText(o.spec?.selector)],
  },
  ReplicaSet: {
    columns: [col('Name', 'string', 0, 'name'), col('Desired', 'integer'), col('Current', 'integer'), col('Ready', 'integer'), col('Age'), col('Containers', 'string', 1), col('Images', 'string', 1), col('Selector', 'string', 1)],
    cells: (o) => [o.metadata.name, num(o.spec?.replicas), num(o.status?.replicas), num(o.status?.readyReplicas), age(o.metadata.creationTimestamp), templateContainers(o).names, templateContainers(o).images, selectorText(o.spec?.selector)],
  },
  DaemonSet: {
    columns: [col('Name', 'string', 0, 'name'), col('Desired', 'integer'), col('Current', 'integer'), col('Ready', 'integer'), col('Up-to-date', 'integer'), col('Available', 'integer'), col('Node Selector'), col('Age')],
    cells: (o) => [o.metadata.name, num(o.status?.desiredNumberScheduled), num(o.status?.currentNumberScheduled), num(o.status?.numberReady), num(o.status?.updatedNumberScheduled), num(o.status?.numberAvailable), '<none>', age(o.metadata.creationTimestamp)],
  },
};

function sliceCells(o: KObject): unknown[] {
  const eps = Array.isArray(o.endpoints) ? o.endpoints.filter(isRecord) : [];
  const addrs = eps.flatMap((e) => (Array.isArray(e.addresses) ? e.addresses.map(String) : []));
  const ps = Array.isArray(o.ports) ? o.ports.filter(isRecord).map((p) => String(p.port)) : [];
  const shown = addrs.length > 3 ? `${addrs.slice(0, 3).join(',')} + ${addrs.length - 3} more...` : addrs.join(',') || '<unset>';
  return [o.metadata.name, o.addressType ?? 'IPv4', ps.join(',') || '<unset>', shown, age(o.metadata.creationTimestamp)];
}

BY_KIND.EndpointSlice = { columns: [col('Name', 'string', 0, 'name'), col('AddressType'), col('Ports'), col('Endpoints'), col('Age')], cells: sliceCells };

const DEFAULT = { columns: [col('Name', 'string', 0, 'name'), col('Age')], cells: (o: KObject) => [o.metadata.name, age(o.metadata.creationTimestamp)] };

function partialMeta(o: KObject): Record<string, unknown> {
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata };
}

export function toTable(kind: string, items: KObject[], resourceVersion: string, withHeaders = true): Record<string, unknown> {
  const spec = BY_KIND[kind] ?? DEFAULT;
  return {
    kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata: { resourceVersion },
    ...(withHeaders ? { columnDefinitions: spec.columns } : { columnDefinitions: null }),
    rows: items.map((o) => ({ cells: spec.cells(o), object: partialMeta(o) })),
  };
}

/** True when the Accept header asks for a meta.k8s.io/v1 Table first. */
export function wantsTable(accept: string | undefined): boolean {
  if (!accept) return false;
  const first = accept.split(',')[0] ?? '';
  return /as=Table/.test(first) && /g=meta\.k8s\.io/.test(first);
}
