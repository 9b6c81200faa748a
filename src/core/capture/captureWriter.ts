// The sink between a capture tool's output and the file on disk. It re-frames whatever the
// tool writes (pcap or pcapng, any link type) into our own pcapng: a section header whose
// comments carry the alert and the plan, one interface block per source interface named
// after the pod, and packet comments on the packets of the alerted flow. Because only whole
// records are ever written, a stream cut anywhere still leaves a valid file.
//
// Caps are enforced here, on our side: the packet that would cross maxPackets or maxBytes is
// not written, and `onCapReached` tells the session to stop the remote tool.
import type { CaptureSink, InterfaceInfo, PacketRecord, SectionInfo } from '../pcap/types.js';
import type { CaptureCaps } from './capturePlan.js';
import { enhancedPacketBlock, interfaceDescriptionBlock, sectionHeaderBlock, type InterfaceHeader } from './pcapngWriter.js';

export type CapReason = 'packets' | 'bytes';

export interface CaptureWriterOptions {
  caps: CaptureCaps;
  /** Comments of our section header (alert, plan). */
  sectionComments: string[];
  userApplication: string;
  /** Name and description for the interface the tool reports (e.g. "any" inside pod shop/api). */
  describeInterface(info: InterfaceInfo | undefined): { name: string; description: string };
  /** True for packets of the alerted flow; they get `alertedComment`. */
  isAlerted?: (rec: PacketRecord) => boolean;
  alertedComment?: string;
  /** Receives each chunk of file bytes, in order. */
  write(bytes: Uint8Array): void;
  onCapReached(reason: CapReason): void;
}

export class CaptureWriter implements CaptureSink {
  packets = 0;
  alertedPackets = 0;
  /** Bytes of the file written so far (headers included). */
  bytes = 0;
  capReached: CapReason | undefined;
  firstPacketAt: { sec: number; nsec: number } | undefined;
  lastPacketAt: { sec: number; nsec: number } | undefined;
  private headerWritten = false;
  /** Source (section, interface) → our interface id. */
  private readonly ifMap = new Map<string, { id: number; units: number }>();
  private readonly pendingInterfaces = new Map<string, InterfaceInfo>();
  private nextIf = 0;

  constructor(private readonly opts: CaptureWriterOptions) {}

  section(_info: SectionInfo): void {
    // Every source section maps onto our single section; interfaces are re-numbered.
    this.ensureHeader();
  }

  interface(info: InterfaceInfo): void {
    this.pendingInterfaces.set(`${info.sectionIndex}/${info.interfaceId}`, info);
  }

  packet(rec: PacketRecord): void {
    if (this.capReached) return;
    this.ensureHeader();
    const key = `${rec.sectionIndex}/${rec.interfaceId}`;
    let iface = this.ifMap.get(key);
    if (!iface) iface = this.addInterface(key, rec.linkType);
    const alerted = this.opts.isAlerted?.(rec) === true;
    const data = rec.buf.subarray(rec.offset, rec.offset + rec.capLen);
    const comments = alerted && this.opts.alertedComment ? [this.opts.alertedComment] : [];
    const block = enhancedPacketBlock(iface.id, rec.tsSec, rec.tsNsec, data, rec.origLen, comments, iface.units);
    if (this.packets + 1 > this.opts.caps.maxPackets) { this.stop('packets'); return; }
    if (this.bytes + block.length > this.opts.caps.maxBytes) { this.stop('bytes'); return; }
    this.emit(block);
    this.packets++;
    if (alerted) this.alertedPackets++;
    const at = { sec: rec.tsSec, nsec: rec.tsNsec };
    this.firstPacketAt ??= at;
    this.lastPacketAt = at;
    if (this.packets === this.opts.caps.maxPackets) this.stop('packets');
  }

  /** Writes the section header even when no packet came (an empty capture is still a file). */
  finish(): void {
    this.ensureHeader();
  }

  private stop(reason: CapReason): void {
    this.capReached = reason;
    this.opts.onCapReached(reason);
  }

  private ensureHeader(): void {
    if (this.headerWritten) return;
    this.headerWritten = true;
    this.emit(sectionHeaderBlock({ comments: this.opts.sectionComments, userApplication: this.opts.userApplication }));
  }

  private addInterface(key: string, linkType: number): { id: number; units: number } {
    const info = this.pendingInterfaces.get(key);
    const { name, description } = this.opts.describeInterface(info);
    const h: InterfaceHeader = { linkType, snapLen: Math.min(info?.snapLen || 262144, 262144), name, description, nanosecond: true };
    this.emit(interfaceDescriptionBlock(h));
    const entry = { id: this.nextIf++, units: 1e9 };
    this.ifMap.set(key, entry);
    return entry;
  }

  private emit(bytes: Uint8Array): void {
    this.bytes += bytes.length;
    this.opts.write(bytes);
  }
}
