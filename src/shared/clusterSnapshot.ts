// What the cluster looked like when a capture was taken: every pod, service and node address
// the capture may show, and who owns it. Plain data (stored in the capture's sidecar, read by
// the annotator and the webview).

export interface WorkloadRef {
  /** Deployment, DaemonSet, StatefulSet, Job, CronJob, ReplicaSet (when it has no owner), … */
  kind: string;
  name: string;
}

export interface IpOwner {
  kind: 'pod' | 'service' | 'node';
  name: string;
  namespace?: string;
  /** Pods: the controller at the top of the owner chain. */
  workload?: WorkloadRef;
  /** Pods: services whose selector matches the pod ("ns/name"). */
  services?: string[];
  /** Pods: the node they run on. */
  node?: string;
}

export interface ClusterSnapshot {
  takenAt: string;
  context: string;
  /** IP (canonical text) → its owner. A pod IP wins over a node IP (hostNetwork pods are left out). */
  ips: Record<string, IpOwner>;
  /** What could not be read (RBAC, errors): the snapshot is partial in these respects. */
  gaps: string[];
}
