// Hostile frames: real frames from the corpus with random bytes changed or cut short, and
// pure noise, on every link type we decode. The analyzer must never throw, and the summary
// must still add up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readCaptureFile } from '../../../src/core/pcap/readCaptureFile.js';
import { FlowAnalyzer } from '../../../src/core/flows/flowAnalyzer.js';
import { buildSummary } from '../../../src/core/flows/buildSummary.js';
import { DECODED_LINK_TYPES } from '../../../src/core/flows/linkLayer.js';
import type { PacketRecord } from '../../../src/core/pcap/types.js';

const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'pcap');
const SOURCES = ['gen_lo.pcapng', 'ppp_example.pcap', 'td_various_gre.pcap', 'td_vxlan.pcap', 'ppp_ip6_fragments.pcap', 'ppp_dns_over_tcp.pcapng', 'ppp_tls2.pcap', 'gen_any_sll2.pcapng', 'td_nflog.pcap', 'lp_filter_http_PPI.pcap'];

async function corpusFrames(): Promise<{ data: Uint8Array; linkType: number }[]> {
  const out: { data: Uint8Array; linkType: number }[] = [];
  for (const f of SOURCES) {
    let n = 0;
    await readCaptureFile(join(FIXTURES, f), {
      packet(rec: PacketRecord) {
        if (n++ < 150) out.push({ data: rec.buf.slice(rec.offset, rec.offset + rec.capLen), linkType: rec.linkType });
      },
    });
  }
  return out;
}

test('mutated and truncated corpus frames and noise never throw', async () => {
  const frames = await corpusFrames();
  assert.ok(frames.length > 500);
  let seed = 12345;
  const rnd = (n: number): number => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed % n;
  };
  const a = new FlowAnalyzer({ maxFlows: 5000 });
  const rec: PacketRecord = { buf: new Uint8Array(0), offset: 0, capLen: 0, origLen: 0, linkType: 1, tsSec: 1, tsNsec: 0, interfaceId: 0, sectionIndex: 0, index: 0, comments: [] };
  let fed = 0;
  const feed = (data: Uint8Array, linkType: number): void => {
    rec.buf = data;
    rec.capLen = data.length;
    rec.origLen = data.length + rnd(3);
    rec.linkType = linkType;
    rec.tsSec = 1_700_000_000 + rnd(1000);
    rec.tsNsec = rnd(1_000_000_000);
    a.packet(rec);
    fed++;
  };
  for (let i = 0; i < 30000; i++) {
    const src = frames[rnd(frames.length)];
    const d = src.data.slice();
    const kind = rnd(4);
    if (kind === 0) for (let j = 0, n = 1 + rnd(4); j < n && d.length; j++) d[rnd(d.length)] = rnd(256);
    else if (kind === 1) for (let j = 0, n = 1 + rnd(3); j < n && d.length > 1; j++) { const p = rnd(d.length - 1); d[p] = rnd(2) ? 0xff : 0; d[p + 1] = rnd(2) ? 0xff : 0; }
    feed(kind === 2 ? d.subarray(0, rnd(d.length + 1)) : d, src.linkType);
    if (kind === 3) {
      const noise = new Uint8Array(rnd(200));
      for (let j = 0; j < noise.length; j++) noise[j] = rnd(256);
      feed(noise, DECODED_LINK_TYPES[rnd(DECODED_LINK_TYPES.length)]);
    }
  }
  const s = buildSummary(a);
  assert.equal(s.totals.packets, fed);
  const flowPackets = s.flows.reduce((n, f) => n + f.packets.fromClient + f.packets.fromServer, 0);
  assert.ok(flowPackets > 0);
  assert.ok(s.totals.undecodable.packets > 0);
  JSON.stringify(s);
});
