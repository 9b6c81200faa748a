// The Wireshark hand-off of a workload capture (one pcapng, one interface per pod named
// "ns/pod:any"): the extension opens the file itself (`-r FILE`, nothing re-exported, so the
// interface names are the file's), and a flow's display filter (addresses and ports, no
// interface) selects in the multi-interface file exactly the packets the summary counts for
// it, on the interfaces of the pods the summary says it was captured on: a flow between two
// pods of the workload on both, the others on their pod's only. No frame.interface_name term
// is needed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PcapngBuilder } from '../../support/captureBuilder.js';
import { requireTool } from '../../support/prereq.js';
import { ACK, PSH, SYN, ascii, tcp4, udp4 } from '../flows/packets.js';
import { analyzeFile } from '../../../src/core/flows/analyzeFile.js';
import { annotateSummary } from '../../../src/core/annotate/annotateSummary.js';
import { displayFilterForFlow } from '../../../src/core/wireshark/flowDisplayFilter.js';
import { wiresharkArgv } from '../../../src/core/wireshark/launchWireshark.js';
import type { CaptureSidecar } from '../../../src/core/capture/captureSidecar.js';
import type { WorkloadPodRecord } from '../../../src/core/capture/workloadSession.js';

const API = { name: 'shop/api-1', ip: '10.244.1.12' };
const WEB = { name: 'shop/web-2', ip: '10.244.1.20' };

function pod(p: { name: string; ip: string }, packets: number): WorkloadPodRecord {
  const [namespace, name] = p.name.split('/');
  return { namespace, pod: name, ips: [p.ip], joined: 'start', outcome: 'complete', reason: '', packets, bytes: 0, alertedPackets: 0, overSharePackets: 0, interfaces: [`${p.name}:any`] };
}

function workloadFile(dir: string): string {
  const b = new PcapngBuilder().shb({ userApplication: 'falcoshark test' })
    .idb({ linkType: 1, name: `${API.name}:any`, tsresol: 9 }).idb({ linkType: 1, name: `${WEB.name}:any`, tsresol: 9 });
  let t = 0;
  const on = (iface: number, data: Uint8Array): void => { b.epb({ interfaceId: iface, data, tsSec: 1_800_000_000, tsNsec: (t += 1000) }); };
  // api → web: both are pods of the workload, each packet is on both interfaces.
  for (const [src, sp, dst, dp, fl] of [[API.ip, 40000, WEB.ip, 8080, SYN], [WEB.ip, 8080, API.ip, 40000, SYN | ACK], [API.ip, 40000, WEB.ip, 8080, ACK | PSH]] as const) {
    const f = tcp4(src, sp, dst, dp, fl, fl & PSH ? ascii('GET / HTTP/1.1\r\nHost: web\r\n\r\n') : undefined);
    on(0, f);
    on(1, f);
  }
  // api → outside: on api's interface only; web → DNS: on web's only.
  on(0, tcp4(API.ip, 40001, '203.0.113.9', 443, SYN));
  on(0, tcp4('203.0.113.9', 443, API.ip, 40001, SYN | ACK));
  on(1, udp4(WEB.ip, 50000, '10.96.0.10', 53, ascii('q')));
  const file = join(dir, 'workload.pcapng');
  writeFileSync(file, b.build());
  return file;
}

test('a workload capture\'s flow display filter selects its packets, on the interfaces of the pods it was captured on', async (t) => {
  if (!requireTool(t, 'tshark')) return;
  const dir = mkdtempSync(join(tmpdir(), 'fs-handoff-'));
  try {
    const file = workloadFile(dir);
    assert.deepEqual(wiresharkArgv(file, 'tcp'), ['-r', file, '-Y', 'tcp'], 'Wireshark opens the capture itself');
    const names = execFileSync('tshark', ['-r', file, '-T', 'fields', '-e', 'frame.interface_name'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).split('\n').filter(Boolean);
    assert.deepEqual([...new Set(names)].sort(), [`${API.name}:any`, `${WEB.name}:any`]);
    const sidecar = { plan: { id: 'x', target: { kind: 'workload', namespace: 'shop', selector: 'app=x' }, filter: { bpf: '' } }, pods: [pod(API, 8), pod(WEB, 7)] } as unknown as CaptureSidecar;
    const summary = annotateSummary(await analyzeFile(file), sidecar);
    assert.equal(summary.flows.length, 3);
    assert.deepEqual(summary.context?.pods?.map((p) => p.pod), [API.name, WEB.name]);
    const seen = new Map<string, string[]>();
    for (const f of summary.flows) {
      const df = displayFilterForFlow(f);
      assert.ok(df.ok, JSON.stringify(f.client));
      const sel = execFileSync('tshark', ['-r', file, '-Y', df.filter, '-T', 'fields', '-e', 'frame.interface_name'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).split('\n').filter(Boolean);
      assert.equal(sel.length, f.packets.fromClient + f.packets.fromServer, `${df.filter}: the packets the summary counts`);
      assert.deepEqual([...new Set(sel)].sort(), (f.capturedOn ?? []).map((p) => `${p}:any`).sort(), df.filter);
      seen.set(`${f.server.ip}:${f.server.port ?? ''}`, f.capturedOn ?? []);
    }
    assert.deepEqual(seen.get(`${WEB.ip}:8080`)?.sort(), [API.name, WEB.name], 'the flow between two pods was captured on both');
    assert.deepEqual(seen.get('203.0.113.9:443'), [API.name]);
    assert.deepEqual(seen.get('10.96.0.10:53'), [WEB.name]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
