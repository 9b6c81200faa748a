// The flight recorder: one capture on the node ("any", Linux cooked v2, so each packet says
// which interface it crossed), packets kept per interface in the PacketRing, each interface tied
// to the pod behind it. A pod's interface is learnt from the packets themselves: a packet the
// pod sent (any type but "outgoing" on the host side of its veth) carries the pod's IP as its
// source, and the pod index says whose IP that is. An interface on which two running pods send
// is a bridge, not a pod's: it is not recorded (a pod's packets are each held once, from its own
// veth). Interfaces not yet tied to a pod are held for a short time only (bounded), in case the
// pod's IP arrives from the API a moment after its first packets.
//
// In host mode (no pod index: a plain Linux host or network namespace) every interface is
// recorded under its own name.
import { CaptureReader } from '../pcap/captureReader.js';
import type { PacketRecord } from '../pcap/types.js';
import { formatIpv6Bytes } from '../flows/format.js';
import type { CaptureSource } from '../capture/captureSession.js';
import { PacketRing, type RingLimits } from './packetRing.js';
import type { PodIndex, RecordedPod } from './podIndex.js';

export const LINKTYPE_LINUX_SLL2 = 276;
const PACKET_OUTGOING = 4;

export interface InterfaceName { name: string; kind: 'bridge' | 'loopback' | 'other' }

export interface FlightRecorderOptions {
  limits: RingLimits;
  /** Starts the node's capture (dumpcap -i any -y LINUX_SLL2 -w -); restarted when it ends. */
  startCapture: () => CaptureSource;
  /** Pods by IP (cluster mode); without it every interface is recorded (host mode). */
  pods?: PodIndex;
  /** The node's interfaces by index (sysfs, or `ip -j link` in a network namespace). */
  interfaces: () => Promise<Map<number, InterfaceName>>;
  /** An interface not tied to a pod is held at most this long and this much. */
  pending?: { seconds: number; bytes: number };
  log: (level: 'info' | 'warning' | 'error', message: string) => void;
  now?: () => number;
}

export type InterfaceState = 'pending' | 'pod' | 'shared' | 'not-recorded' | 'host';

export interface RecordedInterface {
  ifindex: number;
  name: string;
  state: InterfaceState;
  podUid?: string;
  firstSeenMs: number;
  pendingBytes: number;
  /** The pod index generation when it was judged not recorded (judged again when it changes). */
  judgedAt?: number;
}

export type PacketListener = (ifindex: number, rec: PacketRecord, data: Uint8Array) => void;

export interface RecorderCounters {
  captured: number;
  notRecorded: number;
  sharedInterface: number;
  notCooked: number;
  captureRestarts: number;
}

export class FlightRecorder {
  readonly ring: PacketRing;
  readonly counters: RecorderCounters = { captured: 0, notRecorded: 0, sharedInterface: 0, notCooked: 0, captureRestarts: 0 };
  readonly interfaces = new Map<number, RecordedInterface>();
  /** When the capture last started (ms), and whether it runs. */
  capturing = false;
  private names = new Map<number, InterfaceName>();
  private namesAt = 0;
  private readonly listeners = new Set<PacketListener>();
  private readonly now: () => number;
  private readonly pending: { seconds: number; bytes: number };

  constructor(private readonly o: FlightRecorderOptions) {
    this.ring = new PacketRing(o.limits);
    this.now = o.now ?? Date.now;
    this.pending = o.pending ?? { seconds: 30, bytes: 1 << 20 };
  }

  get hostMode(): boolean { return this.o.pods === undefined; }

  /** Called for every packet held from now on (a cut's live part). */
  subscribe(l: PacketListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  recordedPods(): RecordedPod[] {
    return this.o.pods?.pods() ?? [];
  }

  podsNamed(namespace: string, name: string): RecordedPod[] {
    return this.o.pods?.byName(namespace, name) ?? [];
  }

  /** The interfaces tied to a pod (a pod has one, or one per network it is on). */
  interfacesOf(pod: RecordedPod): RecordedInterface[] {
    return [...this.interfaces.values()].filter((i) => i.state === 'pod' && i.podUid === pod.uid);
  }

  /** Runs the capture until `signal` aborts, restarting it (with a pause) when it ends. */
  async run(signal: AbortSignal): Promise<void> {
    await this.refreshNames(true);
    const tick = setInterval(() => this.housekeeping(), 1000);
    try {
      while (!signal.aborted) {
        const source = this.o.startCapture();
        const onAbort = (): void => source.stop();
        signal.addEventListener('abort', onAbort, { once: true });
        this.capturing = true;
        const reader = new CaptureReader({ packet: (rec) => this.packet(rec) }, { maxRecordBytes: 262144 + 65536 });
        let error = '';
        try {
          for await (const chunk of source.stream) reader.push(chunk);
        } catch (e) {
          error = (e as Error).message;
        } finally {
          signal.removeEventListener('abort', onAbort);
          this.capturing = false;
        }
        const done = await source.done;
        if (signal.aborted) break;
        this.counters.captureRestarts++;
        this.o.log('error', `the node's capture ended (${error || done.detail || 'no reason given'}); starting it again in 2 s`);
        await new Promise((r) => setTimeout(r, 2000));
      }
    } finally {
      clearInterval(tick);
    }
  }

  /** One packet of the node's capture (tests feed these directly). */
  packet(rec: PacketRecord): void {
    this.counters.captured++;
    if (rec.linkType !== LINKTYPE_LINUX_SLL2 || rec.capLen < 20) { this.counters.notCooked++; return; }
    const b = rec.buf;
    const off = rec.offset;
    const ifindex = (b[off + 4] << 24 | b[off + 5] << 16 | b[off + 6] << 8 | b[off + 7]) >>> 0;
    let st = this.interfaces.get(ifindex);
    if (!st) st = this.addInterface(ifindex);
    if (!this.hostMode) {
      if (st.state === 'not-recorded' && st.judgedAt !== this.o.pods!.generation) { st.state = 'pending'; st.pendingBytes = 0; st.firstSeenMs = this.now(); }
      if (st.state === 'shared') { this.counters.sharedInterface++; return; }
      if (st.state === 'not-recorded') { this.counters.notRecorded++; return; }
      if (b[off + 10] !== PACKET_OUTGOING && this.learn(st, b, off, rec.capLen) === 'shared') { this.counters.sharedInterface++; return; }
      if (st.state === 'pending') {
        st.pendingBytes += rec.capLen;
        if (st.pendingBytes > this.pending.bytes || this.now() - st.firstSeenMs > this.pending.seconds * 1000) {
          this.notRecorded(st, `no recorded pod sends on it (${st.pendingBytes} bytes in ${Math.round((this.now() - st.firstSeenMs) / 1000)} s)`);
          this.counters.notRecorded++;
          return;
        }
      }
    }
    const data = b.subarray(off, off + rec.capLen);
    if (!this.ring.append(ifindex, rec.tsSec, rec.tsNsec, rec.origLen, data)) return;
    for (const l of this.listeners) l(ifindex, rec, data);
  }

  private learn(st: RecordedInterface, b: Uint8Array, off: number, capLen: number): InterfaceState {
    const proto = b[off] << 8 | b[off + 1];
    let ip: string | undefined;
    const l3 = off + 20;
    if (proto === 0x0800 && capLen >= 20 + 20) ip = `${b[l3 + 12]}.${b[l3 + 13]}.${b[l3 + 14]}.${b[l3 + 15]}`;
    else if (proto === 0x86dd && capLen >= 20 + 40) ip = formatIpv6Bytes(b, l3 + 8); // inet_ntop's form, as the API writes pod IPs
    if (ip === undefined) return st.state;
    const pod = this.o.pods!.podOfIp(ip);
    if (!pod || pod.goneAt !== undefined) return st.state;
    if (st.podUid === undefined) {
      st.podUid = pod.uid;
      st.state = 'pod';
      this.o.log('info', `interface ${st.name} (index ${st.ifindex}) is pod ${pod.namespace}/${pod.name}'s (${ip})`);
      return st.state;
    }
    if (st.podUid === pod.uid) return st.state;
    const other = this.o.pods!.get(st.podUid);
    if (other && other.goneAt === undefined) {
      st.state = 'shared';
      this.ring.forget(st.ifindex);
      this.o.log('info', `interface ${st.name} (index ${st.ifindex}) carries the packets of several pods (${other.namespace}/${other.name}, ${pod.namespace}/${pod.name}): a bridge, not recorded`);
    } else {
      st.podUid = pod.uid; // the old pod is gone and its interface index now serves another
    }
    return st.state;
  }

  private notRecorded(st: RecordedInterface, why: string): void {
    st.state = 'not-recorded';
    st.judgedAt = this.o.pods?.generation;
    this.ring.forget(st.ifindex);
    this.o.log('info', `interface ${st.name} (index ${st.ifindex}) is not recorded: ${why}`);
  }

  private addInterface(ifindex: number): RecordedInterface {
    void this.refreshNames(false);
    const n = this.names.get(ifindex);
    const st: RecordedInterface = { ifindex, name: n?.name ?? `if${ifindex}`, state: this.hostMode ? 'host' : 'pending', firstSeenMs: this.now(), pendingBytes: 0 };
    this.interfaces.set(ifindex, st);
    if (!this.hostMode && n && n.kind !== 'other') this.notRecorded(st, n.kind === 'bridge' ? 'a bridge (each pod is recorded on its own interface)' : 'loopback');
    return st;
  }

  private async refreshNames(force: boolean): Promise<void> {
    if (!force && this.now() - this.namesAt < 1000) return;
    this.namesAt = this.now();
    try {
      this.names = await this.o.interfaces();
    } catch (e) {
      this.o.log('warning', `cannot list the node's interfaces: ${(e as Error).message}`);
      return;
    }
    for (const st of this.interfaces.values()) {
      const n = this.names.get(st.ifindex);
      if (!n) continue;
      if (st.name !== n.name) st.name = n.name;
      if (!this.hostMode && n.kind !== 'other' && st.state !== 'not-recorded') this.notRecorded(st, n.kind === 'bridge' ? 'a bridge (each pod is recorded on its own interface)' : 'loopback');
    }
  }

  private housekeeping(): void {
    this.ring.expire(Math.floor(this.now() / 1000));
    this.o.pods?.prune();
    // An interface gone from the node and from the ring is forgotten.
    for (const [ifindex, st] of this.interfaces) {
      if (!this.names.has(ifindex) && this.ring.stats(ifindex) === undefined && this.now() - st.firstSeenMs > this.o.limits.windowSeconds * 1000) this.interfaces.delete(ifindex);
    }
  }
}
