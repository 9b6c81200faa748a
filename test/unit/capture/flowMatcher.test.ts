import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeFlowMatcher } from '../../../src/core/capture/flowMatcher.js';
import { readCaptureFile } from '../../../src/core/pcap/readCaptureFile.js';
import type { FlowContext } from '../../../src/core/capture/flowContext.js';

async function count(file: string, flow: FlowContext): Promise<number> {
  const m = makeFlowMatcher(flow)!;
  let n = 0;
  await readCaptureFile(file, { packet: (r) => { if (m(r)) n++; } });
  return n;
}

// Expected counts from tshark on the same files, e.g.
//   tshark -r gen_lo.pcap -Y 'ip.addr==127.5.235.3 && ip.addr==127.0.0.1 && tcp.port==39765 && tcp.port==8443' | wc -l
test('matches exactly the packets tshark selects for the flow (Ethernet, SLL, SLL2, pcapng)', async () => {
  const flow: FlowContext = { protocol: 'tcp', client: { ip: '127.5.235.3', port: 39765 }, server: { ip: '127.0.0.1', port: 8443 } };
  for (const f of ['gen_lo.pcap', 'gen_lo.pcapng', 'gen_any_sll.pcap', 'gen_any_tcpdump.pcap', 'gen_any_sll2.pcapng']) {
    assert.equal(await count(`test/fixtures/pcap/${f}`, flow), 14, f);
  }
  // The same conversation whichever end the alert calls the client.
  assert.equal(await count('test/fixtures/pcap/gen_lo.pcap', { protocol: 'tcp', client: { ip: '127.0.0.1', port: 8443 }, server: { ip: '127.5.235.3', port: 39765 } }), 14);
  // A port that does not belong to the flow does not match.
  assert.equal(await count('test/fixtures/pcap/gen_lo.pcap', { protocol: 'tcp', client: { ip: '127.5.235.3', port: 39766 }, server: { ip: '127.0.0.1', port: 8443 } }), 0);
  // Server only: every connection to 8443.
  assert.ok(await count('test/fixtures/pcap/gen_lo.pcap', { protocol: 'tcp', server: { ip: '127.0.0.1', port: 8443 } }) > 14);
  // UDP is not TCP.
  assert.equal(await count('test/fixtures/pcap/gen_lo.pcap', { protocol: 'udp', client: { ip: '127.5.235.3', port: 39765 }, server: { ip: '127.0.0.1', port: 8443 } }), 0);
});

test('no address, no matcher', () => {
  assert.equal(makeFlowMatcher({ protocol: 'tcp' }), undefined);
});
