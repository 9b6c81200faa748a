// The argv of each capture tool, writing a capture to stdout. Arrays only: no shell ever sees
// these, and every value in them was validated (the filter was built from validated values
// or compiled by libpcap before it gets here).
import type { CaptureCaps, CaptureTool } from './capturePlan.js';

const IFACE = /^(any|[A-Za-z0-9][A-Za-z0-9_.:@-]{0,14})$/;

export function checkInterfaceName(iface: string): void {
  if (!IFACE.test(iface)) throw new Error(`${JSON.stringify(iface.slice(0, 40))} is not a network interface name`);
}

/** argv (tool first) that captures on `iface` with `bpf` and writes the capture to stdout. */
export function captureToolArgv(tool: CaptureTool, iface: string, bpf: string, caps: CaptureCaps): string[] {
  checkInterfaceName(iface);
  switch (tool) {
    case 'tshark':
      // -F pcapng, -w - : capture to stdout; -a/-c: the tool's own caps (ours are enforced too).
      return ['tshark', '-i', iface, '-q', '-F', 'pcapng', '-w', '-', '-s', String(caps.snapLen),
        '-a', `duration:${caps.durationSeconds}`, '-c', String(caps.maxPackets), ...(bpf ? ['-f', bpf] : [])];
    case 'dumpcap':
      return ['dumpcap', '-i', iface, '-q', '-w', '-', '-s', String(caps.snapLen),
        '-a', `duration:${caps.durationSeconds}`, '-c', String(caps.maxPackets), ...(bpf ? ['-f', bpf] : [])];
    case 'tcpdump':
      // -U: packet-buffered output, so a cut stream loses at most the packet in flight.
      // tcpdump has no duration option: the session's timer stops it.
      return ['tcpdump', '-i', iface, '-U', '-n', '-w', '-', '-s', String(caps.snapLen), '-c', String(caps.maxPackets),
        ...(bpf ? [bpf] : [])];
  }
}
