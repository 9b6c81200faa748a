// The flow analyzer: a CaptureSink that decodes each packet's link layer, keeps the capture's
// totals and activity timeline, and hands the packet to the flow accounting (IP and above,
// flowAccounting.ts). The hot path allocates nothing per packet; strings are made only when
// a flow's hint is found and when the summary is built.

import type { CaptureSink, InterfaceInfo, PacketRecord, SectionInfo } from '../pcap/types.js';
import { decodeLink, LinkStatus } from './linkLayer.js';
import { ACTIVITY_BUCKETS } from './flowTable.js';
import { CountMap } from './countMap.js';
import { FlowAccounting, type FlowAccountingOptions } from './flowAccounting.js';

export { DEFAULT_MAX_FLOWS } from './flowAccounting.js';
export type FlowAnalyzerOptions = FlowAccountingOptions;

export const MIN_ACTIVITY_EXP = -10; // first bucket width: 2^-10 s (about 1 ms)

export class FlowAnalyzer extends FlowAccounting implements CaptureSink {
  // totals
  packets = 0;
  bytes = 0;
  firstSec = 0;
  firstNs = 0;
  lastSec = 0;
  lastNs = 0;
  /** Frames before `splitAt` and their bytes (0 without one). */
  packetsBefore = 0;
  bytesBefore = 0;
  readonly linkTypes = new CountMap(4096);
  readonly unknownLinkTypes = new CountMap(4096);
  readonly sections: SectionInfo[] = [];
  readonly interfaces: InterfaceInfo[] = [];

  // activity timeline: starts at the first packet's time (earlier packets go to bucket 0)
  activitySec = 0;
  activityNs = 0;
  private activityScale = 2 ** -MIN_ACTIVITY_EXP;

  private lastLinkType = -1;
  private lastLinkCount = 0;
  private lastLinkUnknown = 0;

  constructor(opts: FlowAnalyzerOptions = {}) {
    super(opts, MIN_ACTIVITY_EXP);
  }

  section(info: SectionInfo): void {
    if (this.sections.length < 1024) this.sections.push({ ...info, comments: [...info.comments] });
  }

  interface(info: InterfaceInfo): void {
    if (this.interfaces.length < 4096) this.interfaces.push({ ...info, comments: [...info.comments] });
  }

  packet(rec: PacketRecord): void {
    const len = rec.origLen;
    const sec = rec.tsSec;
    const ns = rec.tsNsec;
    this.curLen = len;
    this.curSec = sec;
    this.curNs = ns;
    if (this.packets === 0) {
      this.firstSec = this.lastSec = this.activitySec = sec;
      this.firstNs = this.lastNs = this.activityNs = ns;
    } else {
      if (sec < this.firstSec || (sec === this.firstSec && ns < this.firstNs)) {
        this.firstSec = sec;
        this.firstNs = ns;
      }
      if (sec > this.lastSec || (sec === this.lastSec && ns > this.lastNs)) {
        this.lastSec = sec;
        this.lastNs = ns;
      }
    }
    this.table.birth = this.packets;
    this.packets++;
    this.bytes += len;
    if (sec < this.splitSec || (sec === this.splitSec && ns < this.splitNs)) {
      this.packetsBefore++;
      this.bytesBefore += len;
    }
    this.bucket = this.bucketOf(sec, ns);

    const lt = rec.linkType;
    if (lt !== this.lastLinkType) {
      this.flushLinkCount();
      this.lastLinkType = lt;
    }
    this.lastLinkCount++;

    const buf = rec.buf;
    const end = rec.offset + rec.capLen;
    const link = this.link;
    const st = decodeLink(buf, rec.offset, end, lt, link);
    if (st === LinkStatus.Ok) this.network(buf, link.netOff, end, link.netType, 0);
    else if (st === LinkStatus.UnknownLinkType) this.lastLinkUnknown++;
    else if (!this.countsUnrouted) return;
    else if (st === LinkStatus.NonIp) this.nonIp.add(link.reason, 1);
    else this.bad(link.reason);
  }

  private flushLinkCount(): void {
    if (this.lastLinkCount > 0) this.linkTypes.add(String(this.lastLinkType), this.lastLinkCount);
    if (this.lastLinkUnknown > 0) this.unknownLinkTypes.add(String(this.lastLinkType), this.lastLinkUnknown);
    this.lastLinkCount = 0;
    this.lastLinkUnknown = 0;
  }

  private finished = false;

  /** Call after the last packet (again: nothing more is done). */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.flushLinkCount();
    this.lastLinkType = -1;
    this.table.finalizeActivity(this.activityExp);
  }

  private bucketOf(sec: number, ns: number): number {
    const rel = sec - this.activitySec + (ns - this.activityNs) * 1e-9;
    if (!(rel > 0)) return 0;
    let b = Math.floor(rel * this.activityScale);
    while (b >= ACTIVITY_BUCKETS) {
      this.activityExp++;
      this.activityScale *= 0.5;
      b = Math.floor(rel * this.activityScale);
    }
    return b;
  }
}
