// The recorder's BPF runner against libpcap itself: for real captures of several link types and
// filters of the kinds falcoshark builds (and harder ones: fragments, VLAN, IPv6, arithmetic),
// the packets our runner keeps are exactly those `tcpdump -r FILE -w - FILTER` keeps.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { BpfError, compileFilter, parseDecimalProgram, runFilter } from '../../../src/core/recorder/bpf.js';
import { readCaptureFile } from '../../../src/core/pcap/readCaptureFile.js';
import { CaptureReader } from '../../../src/core/pcap/captureReader.js';
import type { PacketRecord } from '../../../src/core/pcap/types.js';
import { requireTool } from '../../support/prereq.js';

const FIX = join(__dirname, '..', '..', 'fixtures', 'pcap');
const FILES = ['gen_any_sll2.pcapng', 'gen_any_sll.pcap', 'ppp_sll2.pcap', 'gen_lo.pcap', 'ppp_DnsPackets.pcap', 'ppp_VlanPackets.pcap',
  'ppp_four_ipv6_http_streams.pcap', 'ppp_ip4_fragments.pcap', 'td_LINKTYPE_RAW_ipv4.pcap', 'ppp_example.pcap'];
const FILTERS = ['(tcp and host 203.0.113.66 and port 4444) or port 53', 'port 53', 'udp', 'tcp[tcpflags] & tcp-syn != 0', 'ip6',
  'vlan', 'vlan and tcp', 'ip[6:2] & 0x1fff != 0', 'net 10.0.0.0/8 or net 192.168.0.0/16', 'len > 100 and len < 600',
  'tcp[((tcp[12:1] & 0xf0) >> 2):4] = 0x47455420', 'icmp or arp', 'not tcp', 'greater 1000', 'ether broadcast or ip multicast',
  'ip and (ip[2:2] - ((ip[0]&0xf)<<2)) % 3 = 0', 'ip6 and tcp port 80'];

interface Rec { sec: number; nsec: number; len: number }
async function packetsOf(file: string): Promise<{ linkType: number; recs: { rec: Rec; data: Uint8Array; origLen: number }[] }> {
  const recs: { rec: Rec; data: Uint8Array; origLen: number }[] = [];
  let linkType = -1;
  await readCaptureFile(file, { packet(r: PacketRecord) {
    linkType = r.linkType;
    recs.push({ rec: { sec: r.tsSec, nsec: r.tsNsec, len: r.capLen }, data: r.buf.slice(r.offset, r.offset + r.capLen), origLen: r.origLen });
  } });
  return { linkType, recs };
}

function tcpdumpKeeps(file: string, filter: string): Rec[] | undefined {
  const r = spawnSync('tcpdump', ['-r', file, '-w', '-', '--', filter], { maxBuffer: 1 << 28 });
  if (r.status !== 0) return undefined; // the filter does not apply to this link type (libpcap says so)
  const out: Rec[] = [];
  const reader = new CaptureReader({ packet(p: PacketRecord) { out.push({ sec: p.tsSec, nsec: p.tsNsec, len: p.capLen }); } });
  reader.push(r.stdout);
  reader.end();
  return out;
}

describe('BPF programs compiled by libpcap, run on held packets', () => {
  it('keeps exactly what tcpdump keeps, for every file and filter', async (t) => {
    if (!requireTool(t, 'tcpdump')) return;
    let compared = 0;
    let kept = 0;
    for (const f of FILES) {
      const file = join(FIX, f);
      const { linkType, recs } = await packetsOf(file);
      for (const filter of FILTERS) {
        const want = tcpdumpKeeps(file, filter);
        let prog;
        try { prog = await compileFilter(filter, linkType); } catch (e) {
          assert.ok(e instanceof BpfError, String(e));
          assert.equal(want, undefined, `${f} «${filter}»: tcpdump applied a filter we could not compile: ${(e as Error).message}`);
          continue;
        }
        assert.ok(want, `${f} «${filter}»: we compiled a filter tcpdump refused`);
        const got = recs.filter((r) => runFilter(prog, r.data, r.origLen) > 0).map((r) => r.rec);
        // tcpdump writes microseconds for a pcap it writes: compare at that precision.
        const us = (x: Rec): string => `${x.sec}.${Math.floor(x.nsec / 1000)}/${x.len}`;
        assert.deepEqual(got.map(us), want.map(us), `${f} «${filter}»`);
        compared++;
        kept += got.length;
      }
    }
    t.diagnostic(`${compared} file × filter pairs agree with tcpdump (${kept} packets kept in all)`);
    assert.ok(compared > 100 && kept > 500, `${compared} pairs, ${kept} packets`);
  });

  it('says why a filter does not compile, and takes the filter as one argument', async (t) => {
    if (!requireTool(t, 'tcpdump')) return;
    await assert.rejects(compileFilter('host 999.1.1.1', 276), (e: Error) => e instanceof BpfError && /does not compile/.test(e.message));
    await assert.rejects(compileFilter('-V', 276), (e: Error) => e instanceof BpfError && /does not compile/.test(e.message));
    const all = await compileFilter('', 276);
    assert.ok(runFilter(all, new Uint8Array(3), 3) > 0);
  });

  it('refuses malformed programs and rejects loads past the packet', () => {
    assert.throws(() => parseDecimalProgram('2\n6 0 0 1\n'), BpfError);
    assert.throws(() => parseDecimalProgram('1\n21 5 0 1\n'), BpfError); // jumps out, does not return
    assert.throws(() => parseDecimalProgram('2\n21 3 0 1\n6 0 0 1\n'), /jump out/);
    const prog = parseDecimalProgram('2\n32 0 0 100\n22 0 0 0\n'); // ld [100]; ret a
    assert.equal(runFilter(prog, new Uint8Array(50), 50), 0);
    const div = parseDecimalProgram('3\n0 0 0 7\n52 0 0 0\n22 0 0 0\n'); // ld #7; div #0; ret a
    assert.equal(runFilter(div, new Uint8Array(1), 1), 0);
  });
});
