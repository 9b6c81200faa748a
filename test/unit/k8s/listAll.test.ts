// The cluster snapshot's paged listing: follows `continue` to the end, stops at its bound or
// time budget, and records what it left unread as a gap.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { listAll } from '../../../src/core/k8s/clusterSnapshot.js';

/** A fake list endpoint of `n` objects served `size` at a time. */
function pages(n: number, size: number, calls: (string | undefined)[] = []) {
  return async (cont: string | undefined) => {
    calls.push(cont);
    const from = cont ? Number(cont) : 0;
    const items = Array.from({ length: Math.min(size, n - from) }, (_v, i) => from + i);
    const next = from + items.length;
    return { items, metadata: next < n ? { _continue: String(next), remainingItemCount: n - next } : {} };
  };
}

test('every page is read, in order, following the continue token', async () => {
  const gaps: string[] = [];
  const calls: (string | undefined)[] = [];
  const got = await listAll('pods', pages(6001, 500, calls), gaps);
  assert.equal(got.length, 6001);
  assert.deepEqual(got.slice(4998, 5003), [4998, 4999, 5000, 5001, 5002]);
  assert.equal(calls.length, 13);
  assert.equal(calls[0], undefined);
  assert.deepEqual(gaps, []);
});

test('the bound stops it, and the gap says how many were left', async () => {
  const gaps: string[] = [];
  const got = await listAll('pods', pages(6001, 500), gaps, { maxObjects: 1000 });
  assert.equal(got.length, 1000);
  assert.deepEqual(gaps, ['pods: only the first 1000 were read (the snapshot\'s bound; 5001 more): endpoints among the others are not named']);
});

test('the time budget stops it, and the gap says where', async () => {
  const gaps: string[] = [];
  const slow = pages(6001, 500);
  const got = await listAll('services', async (c) => { await new Promise((r) => setTimeout(r, 30)); return slow(c); }, gaps, { budgetMs: 50 });
  assert.ok(got.length < 6001 && got.length >= 500);
  assert.match(gaps[0], /^services: reading stopped after \d+ in \d+ pages \(time budget 0 s\)/);
});
