// A flow's fields as the analyzer holds them — numbers, and texts made once per address or
// name — filled into one reused object (FlowRecordMaker.parts), from which the extension's
// worker makes the flow columns (ColumnsBuilder.addParts) without a record object, ISO time
// text or parse back per flow. The columns are the same as those of the flow's record.
import type { FlowRecord } from './flowSummary.js';
import type { EndpointIdentity } from './annotatedSummary.js';

export interface FlowParts {
  protocol: string;
  /** The client's and server's IPv4 address as a number (uint32), -1 for IPv6. */
  clientV4: number;
  serverV4: number;
  /** Address texts: always for IPv6; for IPv4 only when `wantIpText` (the columns format an
   *  IPv4 address once per address from its number). */
  wantIpText: boolean;
  clientIp: string;
  serverIp: string;
  /** -1: the protocol has no ports. */
  clientPort: number;
  serverPort: number;
  packetsFromClient: number;
  packetsFromServer: number;
  bytesFromClient: number;
  bytesFromServer: number;
  /** Whole seconds (epoch) and nanoseconds of the first and last packet. */
  firstSec: number;
  firstNs: number;
  lastSec: number;
  lastNs: number;
  clientBy: FlowRecord['clientBy'];
  tunnelDepth: number;
  /** TCP flag names (FlowRecord.flags), `flagCount` of them; 0 for other protocols. */
  flags: string[];
  flagCount: number;
  /** Activity from bucket `actFirst`: `actCount` entries of `actPackets` / `actBytes`. */
  actFirst: number;
  actCount: number;
  actPackets: number[];
  actBytes: number[];
  /** 0: none before the alert (or no alert time). */
  beforePackets: number;
  beforeBytes: number;
  /** The flow's names: its first 32 DNS hints' (`dnsNameCount` ids in `dnsNameIds`), its TLS
   *  SNI's (`tlsSniId`, -1: none) — ids of `names`, the analyzer's name table, where one id is
   *  one text — and its HTTP request's method, host and path (undefined when it has none). */
  names: NameTexts | undefined;
  dnsNameIds: number[];
  dnsNameCount: number;
  tlsSniId: number;
  httpMethod: string | undefined;
  httpHost: string | undefined;
  httpPath: string | undefined;
  /** The record's `ipFragments`, `dns`, `tlsSni` and `http` keys as JSON text, each with its
   *  leading comma (`extraJson[0 .. extraLength)`; 0: it has none of them). */
  extraJson: Uint8Array;
  extraLength: number;
  // annotation (the worker's, from the capture's sidecar)
  clientIdentity: EndpointIdentity | undefined;
  serverIdentity: EndpointIdentity | undefined;
  alerted: boolean;
  capturedOn: string[] | undefined;
}

/** Texts by id, one text per id, the same object for every flow of one table. */
export interface NameTexts {
  text(id: number): string;
}

export function newFlowParts(): FlowParts {
  return {
    protocol: '', clientV4: -1, serverV4: -1, wantIpText: true, clientIp: '', serverIp: '', clientPort: -1, serverPort: -1,
    packetsFromClient: 0, packetsFromServer: 0, bytesFromClient: 0, bytesFromServer: 0,
    firstSec: 0, firstNs: 0, lastSec: 0, lastNs: 0, clientBy: 'first-packet', tunnelDepth: 0,
    flags: [], flagCount: 0, actFirst: 0, actCount: 0, actPackets: [], actBytes: [],
    beforePackets: 0, beforeBytes: 0, names: undefined, dnsNameIds: [], dnsNameCount: 0, tlsSniId: -1, httpMethod: undefined, httpHost: undefined, httpPath: undefined,
    extraJson: new Uint8Array(0), extraLength: 0,
    clientIdentity: undefined, serverIdentity: undefined, alerted: false, capturedOn: undefined,
  };
}
