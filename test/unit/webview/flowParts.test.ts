// The extension's worker makes the flow columns from the analyzer's fields (columnsOfAnalysis:
// FlowRecordMaker.parts → ColumnsBuilder.addParts), not from a record per flow: the columns must
// be exactly those of the records (ColumnsBuilder.add of annotateFlow's record), on every fixture capture, in one
// thread and in two, with an alert time (counts before it) and with a sidecar that names
// endpoints, marks the alerted flow and says which pods of a workload capture saw each flow.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeFileStreamed, type AnalyzeOptions, type StreamedSummary } from '../../../src/core/flows/analyzeFile.js';
import { annotateFlow } from '../../../src/core/annotate/annotateSummary.js';
import { columnsOfAnalysis } from '../../../src/extension/analysisColumns.js';
import type { CaptureSidecar } from '../../../src/core/capture/captureSidecar.js';
import { newFlowParts } from '../../../src/shared/flowParts.js';
import { ColumnsBuilder, type FlowColumns } from '../../../webview/flowColumns.js';
import { testSidecar } from '../../support/sidecars.js';
import { isoTime } from '../../../src/core/flows/format.js';

const ROOT = join(__dirname, '..', '..', '..');
const FIXTURES = join(ROOT, 'test', 'fixtures', 'pcap');
const CAPTURES = readdirSync(FIXTURES).filter((f) => /\.pcap(ng)?$/.test(f)).sort();
const PARALLEL = { workerScript: join(ROOT, 'src', 'extension', 'analyzeWorker.ts'), execArgv: ['--require', 'tsx/cjs'], minBytes: 0, minCpus: 1 };

function byRecords(s: StreamedSummary, sidecar: CaptureSidecar | undefined): FlowColumns {
  const b = new ColumnsBuilder(s.count, s.head.activity.buckets, true);
  for (let f = 0; f < s.count; f++) {
    const r = s.record(f);
    b.add(sidecar ? annotateFlow(r, sidecar) : r);
  }
  return b.finish();
}

function byParts(s: StreamedSummary, sidecar: CaptureSidecar | undefined): FlowColumns {
  return columnsOfAnalysis(s, sidecar).builder.finish();
}

/** A sidecar naming the first flow's client as a pod of a workload capture (and its server as a
 *  Service), with that flow as the alerted one. */
function sidecarFor(s: StreamedSummary): CaptureSidecar | undefined {
  if (s.count === 0) return undefined;
  const e = s.endpoints;
  const side = testSidecar({ id: 'parts', target: { kind: 'workload', namespace: 'shop', selector: 'app=api' } });
  const client = e.ip(0, 0);
  const server = e.ip(0, 1);
  const port = e.port(0, 1);
  side.plan.flow = { protocol: e.protocol(0) as 'tcp', server: { ip: server, ...(port !== undefined ? { port } : {}) } };
  side.snapshot = { takenAt: '2026-11-28T13:42:52.000000000Z', context: 'lab', gaps: [], ips: {
    [client]: { kind: 'pod', namespace: 'shop', name: 'api-1', node: 'worker-1' },
    [server]: { kind: 'service', namespace: 'shop', name: 'payments' },
  } } as CaptureSidecar['snapshot'];
  side.pods = [{ namespace: 'shop', pod: 'api-1', ips: [client], joined: 'start', outcome: 'captured', reason: 'test', packets: 1, bytes: 1, alertedPackets: 0, overSharePackets: 0, interfaces: ['eth0'] }] as unknown as CaptureSidecar['pods'];
  return side;
}

async function same(file: string, opts: AnalyzeOptions, what: string): Promise<number> {
  const s = await analyzeFileStreamed(join(FIXTURES, file), opts);
  for (const sidecar of [undefined, sidecarFor(s)]) {
    assert.deepEqual(byParts(s, sidecar), byRecords(s, sidecar), `${file} (${what}${sidecar ? ', with a sidecar' : ''})`);
  }
  return s.count;
}

test('columns from the analyzer\'s fields equal the columns of the records, every fixture capture', async () => {
  let flows = 0;
  for (const f of CAPTURES) {
    try {
      flows += await same(f, {}, 'one thread');
    } catch (e) {
      if ((e as Error).name === 'CaptureFormatError') continue; // a fixture unreadable from its first byte
      throw e;
    }
  }
  assert.ok(CAPTURES.length > 100 && flows > 1000, `${CAPTURES.length} captures, ${flows} flows`);
});

test('the same with two threads and with an alert time splitting the counts', async () => {
  for (const f of ['gen_lo.pcapng', 'ppp_tls2.pcap', 'ppp_many-protocols.pcap', 'ppp_ip-frag.pcap', 'td_various_gre.pcap']) {
    await same(f, { parallel: PARALLEL }, 'two threads');
    const s = await analyzeFileStreamed(join(FIXTURES, f));
    const mid = s.count > 0 ? s.record(Math.floor(s.count / 2)).firstSeen : '2026-01-01T00:00:00.000000000Z';
    await same(f, { alertTime: mid }, `split at ${mid}`);
  }
});

test('times: the seconds and exact times from the analyzer\'s numbers are those read back from its text', () => {
  const times: [number, number][] = [[0, 0], [0, 999_999_999], [1_764_000_000, 1], [1_764_000_000, 500_000_000], [253_402_300_799, 999_999_999],
    [253_402_300_800, 0], [-1, 5], [-86_400 * 400, 123]];
  let seed = 11;
  const rnd = (): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed;
  };
  for (let i = 0; i < 20_000; i++) times.push([rnd() % 4_000_000_000, rnd() % 1_000_000_000]);
  const a = new ColumnsBuilder(times.length, 32, true);
  const b = new ColumnsBuilder(times.length, 32, true);
  const p = newFlowParts();
  for (const [sec, ns] of times) {
    p.firstSec = p.lastSec = sec;
    p.firstNs = p.lastNs = ns;
    a.addParts(p);
    b.add({ firstSeen: isoTime(sec, ns), lastSeen: isoTime(sec, ns) });
  }
  const ca = a.finish();
  const cb = b.finish();
  assert.deepEqual(ca.seen, cb.seen);
  assert.deepEqual(ca.wire?.sec, cb.wire?.sec);
  assert.deepEqual(ca.wire?.ns, cb.wire?.ns);
  assert.deepEqual(ca.wire?.oddTimes, cb.wire?.oddTimes);
  assert.ok(Object.keys(ca.wire?.oddTimes ?? {}).length >= 1, 'a time past 9999 has no exact form');
});
