// What a capture tool (tshark, dumpcap, tcpdump) said on stderr that is worth showing: its
// last lines, without the routine chatter every run prints.
const CHATTER = /^(Capturing on|Running as user|File: -|\d+ packets? captured|tcpdump: listening)/;

export function toolMessages(stderr: string, lines = 3): string {
  return stderr.split('\n').map((l) => l.trim()).filter((l) => l && !CHATTER.test(l)).slice(-lines).join(' | ');
}
