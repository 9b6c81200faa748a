// The recorder's bounds: the time window, the byte budget (never crossed, segments pooled),
// the flooding source losing its own oldest packets while a quiet one keeps its window.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PacketRing } from '../../../src/core/recorder/packetRing.js';

const pkt = (n: number, fill = 0): Uint8Array => new Uint8Array(n).fill(fill);
const NS = 1_000_000_000n;

describe('PacketRing', () => {
  it('gives back the packets of a time range, oldest first, with their bytes and lengths', () => {
    const r = new PacketRing({ windowSeconds: 120, budgetBytes: 1 << 20 });
    for (let i = 0; i < 1000; i++) r.append(7, 1000 + Math.floor(i / 10), (i % 10) * 100_000_000, 60 + i, pkt(40 + (i % 13), i & 0xff));
    const got = [...r.packets(7, 1010n * NS, 1019n * NS + 999_999_999n)];
    assert.equal(got.length, 100);
    assert.equal(got[0].tsSec, 1010);
    assert.equal(got[0].origLen, 160);
    assert.equal(got[0].data.length, 40 + (100 % 13));
    assert.ok(got[0].data.every((b) => b === 100));
    assert.equal(got[99].tsSec, 1019);
    assert.deepEqual([...r.packets(8, 0n, 1n << 62n)], []);
    assert.equal(r.packetsHeld, 1000);
  });

  it('drops what is older than the window, a segment at a time', () => {
    const r = new PacketRing({ windowSeconds: 10, budgetBytes: 8 << 20, maxSegmentBytes: 64 * 1024 });
    for (let s = 0; s < 100; s++) for (let i = 0; i < 100; i++) r.append(1, s, i * 1000, 100, pkt(100));
    r.expire(99);
    const oldest = Number(r.oldest(1)! / NS);
    // A segment holds 564 of these (5.6 s): the oldest kept is within one segment of the window.
    assert.ok(oldest >= 89 - 6 && oldest <= 89, `oldest held ${oldest}`);
    assert.ok(r.droppedByWindow > 0 && r.droppedByWindow + r.packetsHeld === 10_000);
    assert.equal(r.stats(1)!.droppedByWindow, r.droppedByWindow);
    r.expire(10_000);
    assert.equal(r.packetsHeld, 0);
  });

  it('never holds more than the budget: a flood loses its own oldest packets, a quiet source keeps all of its own', () => {
    const budget = 4 << 20;
    const r = new PacketRing({ windowSeconds: 120, budgetBytes: budget });
    let quiet = 0;
    let maxAllocated = 0;
    for (let i = 0; i < 200_000; i++) {
      r.append(1, 100 + Math.floor(i / 2000), 0, 1500, pkt(1400)); // the flood: ~280 MB offered
      if (i % 1000 === 0) { r.append(2, 100 + Math.floor(i / 2000), 1, 90, pkt(90)); quiet++; }
      maxAllocated = Math.max(maxAllocated, r.allocated);
    }
    assert.ok(maxAllocated <= budget, `allocated ${maxAllocated} > ${budget}`);
    assert.equal(r.stats(2)!.packets, quiet, 'the quiet source lost nothing');
    assert.equal(r.stats(2)!.droppedByBudget, 0);
    assert.ok(r.stats(1)!.droppedByBudget > 190_000, `flood dropped ${r.stats(1)!.droppedByBudget}`);
    // What is left of the flood is its newest packets.
    const held = [...r.packets(1, 0n, 1n << 62n)];
    assert.equal(held.length, r.stats(1)!.packets);
    assert.equal(held[held.length - 1].tsSec, 100 + Math.floor(199_999 / 2000));
    assert.equal(r.droppedByBudget + r.packetsHeld, 200_000 + quiet);
  });

  it('refuses a packet bigger than a segment and forgets a source on request', () => {
    const r = new PacketRing({ windowSeconds: 120, budgetBytes: 1 << 20, maxSegmentBytes: 64 * 1024 });
    assert.equal(r.append(1, 1, 0, 70_000, pkt(70_000)), false);
    assert.equal(r.refused, 1);
    r.append(3, 1, 0, 10, pkt(10));
    r.forget(3);
    assert.equal(r.packetsHeld, 0);
    assert.equal(r.stats(3), undefined);
    assert.throws(() => new PacketRing({ windowSeconds: 1, budgetBytes: 1000 }), /less than one segment/);
  });
});

describe('PacketRing iteration while the ring moves', () => {
  it('holds what was there when asked: later packets are not part of it', () => {
    const r = new PacketRing({ windowSeconds: 120, budgetBytes: 8 << 20 });
    for (let i = 0; i < 2000; i++) r.append(1, 10, i, 100, pkt(100));
    const held = r.packets(1, 0n, 1n << 62n);
    const it = held[Symbol.iterator]();
    it.next();
    for (let i = 0; i < 500; i++) r.append(1, 10, 5000 + i, 100, pkt(100));
    let n = 1;
    while (!it.next().done) n++;
    assert.equal(n, 2000);
    assert.equal(held.lost, 0);
  });

  it('ends a segment the budget dropped during a pause, and counts what it could not give', () => {
    const r = new PacketRing({ windowSeconds: 120, budgetBytes: 512 * 1024, maxSegmentBytes: 64 * 1024 });
    for (let i = 0; i < 2000; i++) r.append(1, 10, i, 100, pkt(100, 7));
    const atCall = r.stats(1)!.packets;
    const held = r.packets(1, 0n, 1n << 62n);
    const it = held[Symbol.iterator]();
    assert.ok(it.next().value!.data.every((b: number) => b === 7));
    for (let i = 0; i < 10_000; i++) r.append(1, 11, i, 1400, pkt(1400, 9)); // its own flood drops its oldest segments
    let n = 1;
    for (let x = it.next(); !x.done; x = it.next()) { assert.equal(x.value.tsSec, 10); assert.ok(x.value.data.every((b) => b === 7), 'no reused bytes'); n++; }
    assert.ok(held.lost > 0, 'some of what was asked for was dropped meanwhile');
    assert.equal(n + held.lost, atCall);
  });
});
