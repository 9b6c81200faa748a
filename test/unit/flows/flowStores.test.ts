// The compact per-flow stores: IPv6 addresses stored once, packet counts past 2^32, and the DNS
// hint rules (questions once per flow up to the bound, answers on the first question, the
// hint-text budget) with the counts of what was dropped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { V6Addresses } from '../../../src/core/flows/v6Addresses.js';
import { FlowTable, S_PKTS } from '../../../src/core/flows/flowTable.js';
import { REC_WORDS, W_PKTS } from '../../../src/core/flows/flowRecords.js';
import { HintExtractor } from '../../../src/core/flows/hints.js';
import { dnsMessage, ip4 } from './packets.js';

test('IPv6 addresses: one number each, a lookup stores nothing', () => {
  const v6 = new V6Addresses();
  const ids: number[] = [];
  for (let i = 0; i < 5000; i++) ids.push(v6.add(0x20010db8, i, i * 7, -i));
  for (let i = 0; i < 5000; i++) {
    assert.equal(v6.lookup(0x20010db8, i, i * 7, -i), ids[i]);
    assert.equal(v6.add(0x20010db8, i, i * 7, -i), ids[i]);
    assert.equal(v6.word(ids[i], 2), i * 7);
  }
  assert.equal(new Set(ids).size, 5000);
  assert.equal(v6.lookup(1, 2, 3, 4), -1);
  assert.equal(v6.count, 5000);
});

class PokedTable extends FlowTable {
  setPackets(f: number, d: number, n: number): void {
    this.recU[f * REC_WORDS + W_PKTS + d] = n;
  }
}

test('packets each way past 2^32 are counted exactly', () => {
  const t = new PokedTable(16);
  t.k.set([17 | (4 << 8), 1, 0, 0, 0, 2, 0, 0, 0, (1000 << 16) | 53]);
  const f = t.insert(1, 0, 0, -10);
  t.setPackets(f, 1, 0xfffffffe);
  for (let i = 0; i < 3; i++) t.count1(f, 0, 100, 2, 0);
  assert.equal(t.stat(f, S_PKTS + 1), 2 ** 32 + 1);
  assert.equal(t.stat(f, S_PKTS), 0);
  t.swapSides(f);
  assert.equal(t.stat(f, S_PKTS), 2 ** 32 + 1);
  assert.equal(t.stat(f, S_PKTS + 1), 0);
});

function answers(name: string, n: number): [string, number, number[]][] {
  return Array.from({ length: n }, (_, i) => [name, 1, ip4(`192.0.2.${i + 1}`)] as [string, number, number[]]);
}

test('DNS hints: the per-flow bounds and the text budget, with what was dropped', () => {
  const t = new FlowTable(16);
  t.k.set([17 | (4 << 8), 1, 0, 0, 0, 2, 0, 0, 0, (1000 << 16) | 53]);
  const f = t.insert(1, 0, 0, -10);
  const h = new HintExtractor(t, { maxStreamBytes: 16384, maxBufferedBytes: 1 << 20, maxHintChars: 1000, maxDnsPerFlow: 2, maxAnswersPerName: 2, maxDnsMessagesPerFlow: 4 });
  const send = (m: Uint8Array): void => h.dns(f, m, 0, m.length);
  send(dnsMessage({ questions: [['a.example', 1], ['b.example', 1], ['c.example', 1]] })); // c: over 2 per flow
  assert.equal(h.dropped, 1);
  send(dnsMessage({ response: true, questions: [['a.example', 1]], answers: answers('a.example', 3) })); // third answer: over 2
  assert.equal(h.dropped, 2);
  send(dnsMessage({ response: true, rcode: 3, questions: [['a.example', 1]], answers: answers('a.example', 1) })); // seen: no new answer
  send(dnsMessage({ questions: [['d.example', 1]] }));
  send(dnsMessage({ questions: [['e.example', 1]] })); // the fifth message: not parsed at all
  assert.equal(h.dropped, 3, 'd.example: the flow already has two names');
  assert.deepEqual(h.hintsOf(f).dns, [
    { name: 'a.example', type: 'A', answers: [{ name: 'a.example', type: 'A', ttl: 300, value: '192.0.2.1' }, { name: 'a.example', type: 'A', ttl: 300, value: '192.0.2.2' }], rcode: 'NXDOMAIN' },
    { name: 'b.example', type: 'A', answers: [] },
  ]);
  assert.equal(h.budgetSpent, false);
  const t2 = new FlowTable(16);
  t2.k.set(t.k);
  const g = t2.insert(1, 0, 0, -10);
  const tight = new HintExtractor(t2, { maxStreamBytes: 16384, maxBufferedBytes: 1 << 20, maxHintChars: 12, maxDnsPerFlow: 16, maxAnswersPerName: 16, maxDnsMessagesPerFlow: 64 });
  const m = dnsMessage({ questions: [['abc.example', 1], ['longer.example', 1]] });
  tight.dns(g, m, 0, m.length);
  assert.deepEqual(tight.hintsOf(g).dns?.map((d) => d.name), ['abc.example']);
  assert.equal(tight.dropped, 1);
  assert.equal(tight.budgetSpent, true);
});

test('times more than 68 years from the first flow\'s are kept exactly (apart from the record)', () => {
  const t = new FlowTable(16);
  t.k.set([17 | (4 << 8), 1, 0, 0, 0, 2, 0, 0, 0, (1000 << 16) | 53]);
  const f = t.insert(1_700_000_000, 5, 0, -10);
  t.count1(f, 1, 60, 1_700_000_000, 5);
  t.count1(f, 0, 60, 2 ** 40, 7); // pcapng's 64-bit timestamps reach far beyond
  t.count1(f, 1, 60, 3, 9);
  assert.deepEqual([t.firstSec(f), t.firstNs(f), t.lastSec(f), t.lastNs(f)], [3, 9, 2 ** 40, 7]);
  t.k[9] = (1001 << 16) | 53;
  t.find();
  const g = t.insert(2 ** 45, 1, 0, -10);
  t.count1(g, 1, 60, 2 ** 45, 1);
  assert.deepEqual([t.firstSec(g), t.lastSec(g)], [2 ** 45, 2 ** 45]);
  assert.deepEqual([t.firstSec(f), t.lastSec(f)], [3, 2 ** 40], 'the first flow is unchanged');
});
