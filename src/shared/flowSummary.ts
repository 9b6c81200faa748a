// The JSON summary of a capture, as `falcoshark analyze --json` prints it and as the webview
// receives it. Plain data types only: no runtime dependencies (the webview imports this file).
// JSON Schema of the same shape: docs/flow-summary.schema.json. Keys documented here are
// stable; `schemaVersion` changes when a key changes meaning or disappears.

export const FLOW_SUMMARY_SCHEMA_VERSION = 1;

/** "tcp", "udp", "icmp", "icmpv6", or "ip-<n>" for any other IP protocol number. */
export type FlowProtocol = string;

export interface FlowEndpoint {
  /** Dotted IPv4 or RFC 5952 IPv6 text. */
  ip: string;
  /** Absent for port-less protocols (icmp, icmpv6, ip-<n>). */
  port?: number;
}

export interface Directional {
  fromClient: number;
  fromServer: number;
}

/** TCP flags seen at least once in the flow. */
export type TcpFlagName = 'SYN' | 'SYN-ACK' | 'FIN' | 'RST';

export interface DnsAnswer {
  /** Owner name of the record (differs from the question after a CNAME). */
  name: string;
  /** "A", "AAAA", "CNAME", "PTR", "NS", "MX", "TXT" or "TYPE<n>". */
  type: string;
  /** Presentation form of the record data; absent for types whose data is not kept. */
  value?: string;
  ttl: number;
}

export interface DnsRecordHint {
  /** Question name, in presentation form (non-printable bytes escaped as \DDD). */
  name: string;
  /** Question type ("A", "AAAA", "TYPE65", …). */
  type: string;
  /** Response code of the answer ("NOERROR", "NXDOMAIN", "RCODE<n>"), absent when only
   *  the query was seen. */
  rcode?: string;
  answers: DnsAnswer[];
}

export interface HttpRequestHint {
  method: string;
  /** Request target as sent (truncated to 1024 characters). */
  path: string;
  /** "HTTP/1.0" or "HTTP/1.1". */
  version: string;
  host?: string;
}

/** A flow's frames over the capture's timeline (`FlowSummary.activity`): every frame of the
 *  flow, both directions, IP fragments included. Trailing and leading empty buckets are
 *  left out. */
export interface FlowActivity {
  /** Index of the first bucket given, in the summary's `activity` timeline. */
  firstBucket: number;
  /** Frames per bucket from `firstBucket` on. */
  packets: number[];
  /** Bytes (original frame length) per bucket from `firstBucket` on; kept as 32-bit floats,
   *  so exact up to 16 MiB per bucket and approximate (to about 1e-6) above: for charts. */
  bytes: number[];
}

export interface FlowRecord {
  protocol: FlowProtocol;
  client: FlowEndpoint;
  server: FlowEndpoint;
  /** Packets (frames) each way. A fragmented IP datagram counts once, on the frame that
   *  completes it, as tshark's conversation tables count it; its other fragments are in
   *  `ipFragments`. */
  packets: Directional;
  /** Original frame lengths each way (tshark's conversation "Bytes"). */
  bytes: Directional;
  /** Fragments of this flow's datagrams that are not in `packets` (see there). */
  ipFragments?: { packets: Directional; bytes: Directional };
  /** ISO 8601 UTC with 9 fractional digits. */
  firstSeen: string;
  lastSeen: string;
  /** TCP only. */
  flags?: TcpFlagName[];
  /** How the client was chosen: the sender of a SYN without ACK, the receiver of a SYN-ACK
   *  seen first, else the sender of the first packet. */
  clientBy: 'syn' | 'syn-ack' | 'first-packet';
  /** How many IP layers enclose this flow's IP header (0 = not tunnelled). */
  tunnelDepth?: number;
  dns?: DnsRecordHint[];
  tlsSni?: string;
  http?: HttpRequestHint;
  activity: FlowActivity;
  /** Present when the summary has `alertSplit` and some of this flow's packets came before
   *  its time: of `packets` and `bytes` (both directions), those of frames earlier than the
   *  alert's time (the rest came at or after it). Absent with `alertSplit`: none before. */
  beforeAlert?: { packets: number; bytes: number };
}

/** The time each flow's counts are split at (the alert's time from the capture's sidecar, when
 *  the analysis was given one), and the capture's frames before it. */
export interface AlertSplit {
  /** ISO 8601 UTC with 9 fractional digits. */
  time: string;
  /** Frames (all of them, IP or not) earlier than `time`, and their original lengths. */
  packetsBefore: number;
  bytesBefore: number;
}

export interface ProtocolTotals {
  flows: number;
  packets: number;
  bytes: number;
}

export interface FlowTotals {
  /** Frames in the capture (each counts once, whatever it carries). */
  packets: number;
  /** Sum of original frame lengths. */
  bytes: number;
  /** Last timestamp minus first (0 with fewer than two packets). */
  durationSeconds: number;
  firstPacket?: string;
  lastPacket?: string;
  flows: number;
  /** Per flow protocol; a tunnelled frame counts under each of its layers' protocols. */
  protocols: Record<string, ProtocolTotals>;
  /** LINKTYPE value (as a decimal string) → frames. */
  linkTypes: Record<string, number>;
  /** Frames on link types the analyzer does not decode, by LINKTYPE value. */
  unknownLinkTypes: Record<string, number>;
  /** Frames that carry no IP (ARP, STP, LLDP, …), by what they carry. */
  nonIp: Record<string, number>;
  /** Frames (or tunnelled layers) that could not be decoded, by reason. */
  undecodable: { packets: number; reasons: Record<string, number> };
  /** IP fragments: all seen, and those whose first fragment was never seen or whose
   *  reassembly state was evicted (so no flow could be named for them). */
  ipFragments: { packets: number; unattributed: number };
  /** Packets of flows that could not be created because `maxFlows` was reached. */
  overflow: { maxFlows: number; flowsRefused: number; packets: number; bytes: number };
  /** Application hints not kept because a size bound was reached. */
  hintsDropped: number;
}

export interface CaptureInterfaceSummary {
  section: number;
  id: number;
  linkType: number;
  name?: string;
  description?: string;
  comments?: string[];
}

export interface FlowSummary {
  schemaVersion: number;
  /** "pcap" or "pcapng"; absent when no header was read. */
  format?: 'pcap' | 'pcapng';
  /** Size of the input in bytes when known. */
  fileBytes?: number;
  /** Present when the input stopped in the middle of a header or record: every packet
   *  before `offset` was analysed. */
  truncated?: { offset: number; reason: string };
  /** Section (SHB) comments. */
  comments: string[];
  interfaces: CaptureInterfaceSummary[];
  totals: FlowTotals;
  /** Timeline shared by every flow's `activity`. */
  activity: { start: string; bucketSeconds: number; buckets: number };
  flows: FlowRecord[];
  /** Present when the analysis was given the alert's time (see `FlowRecord.beforeAlert`). */
  alertSplit?: AlertSplit;
}
