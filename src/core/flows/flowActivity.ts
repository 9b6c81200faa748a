// The activity side of the flow records: each flow's current bucket lives in its record
// (consecutive packets in one bucket touch nothing else); a flow gets a block of the 32 buckets
// in the ActivityStore when a second bucket comes, and its buckets merge when the capture's
// timeline grows coarser.

import { ACTIVITY_BUCKETS } from './activityStore.js';
import { B_ACT_EXP, B_CUR_BUCKET, D_CUR_BYTES, FlowRecords, REC_BYTES, REC_DOUBLES, REC_WORDS, W_CUR_PKTS } from './flowRecords.js';

export class ActivityRecords extends FlowRecords {
  /** Counts `bytes` in activity bucket `bucket` of the timeline whose width exponent is
   *  `exp`. The flow's current bucket is in its record (consecutive packets in one bucket only
   *  touch the record); a flow gets an activity block when a second bucket comes. */
  activity(f: number, bucket: number, exp: number, bytes: number): void {
    const w = f * REC_WORDS;
    const cb = f * REC_BYTES + B_CUR_BUCKET;
    if (this.recI8[f * REC_BYTES + B_ACT_EXP] !== exp) this.rescale(f, exp);
    if (this.recI8[cb] === bucket && this.rec[w + W_CUR_PKTS] < 0x40000000) {
      this.rec[w + W_CUR_PKTS]++;
      this.recF[f * REC_DOUBLES + D_CUR_BYTES] += bytes;
      return;
    }
    this.flushActivity(f);
    this.recI8[cb] = bucket;
    this.rec[w + W_CUR_PKTS] = 1;
    this.recF[f * REC_DOUBLES + D_CUR_BYTES] = bytes;
  }

  /** Moves flow f's current bucket into its activity block. */
  private flushActivity(f: number): void {
    const b = this.recI8[f * REC_BYTES + B_CUR_BUCKET];
    if (b < 0) return;
    this.act.add(f, b, this.rec[f * REC_WORDS + W_CUR_PKTS], this.recF[f * REC_DOUBLES + D_CUR_BYTES]);
    this.recI8[f * REC_BYTES + B_CUR_BUCKET] = -1;
  }

  /** Brings flow f to the coarser timeline of exponent `exp`: its buckets merge. */
  private rescale(f: number, exp: number): void {
    const shift = exp - this.recI8[f * REC_BYTES + B_ACT_EXP];
    if (shift <= 0) return;
    const cb = f * REC_BYTES + B_CUR_BUCKET;
    const cur = this.recI8[cb];
    if (cur >= 0) this.recI8[cb] = shift >= 31 ? 0 : cur >> shift;
    this.act.rescale(f, shift);
    this.recI8[f * REC_BYTES + B_ACT_EXP] = exp;
  }

  /** Brings every flow's activity up to date on the timeline of exponent `exp`. */
  finalizeActivity(exp: number): void {
    const act = this.act;
    for (let f = 0; f < this.count; f++) {
      this.rescale(f, exp);
      if (act.has(f)) this.flushActivity(f);
    }
  }

  /** First bucket with packets of flow f (after `finalizeActivity`; ACTIVITY_BUCKETS when
   *  it has none), and one past the last. */
  activityStart(f: number): number {
    if (this.act.has(f)) {
      let lo = 0;
      while (lo < ACTIVITY_BUCKETS && this.act.packets(f, lo) === 0) lo++;
      return lo;
    }
    const b = this.recI8[f * REC_BYTES + B_CUR_BUCKET];
    return b >= 0 && this.rec[f * REC_WORDS + W_CUR_PKTS] > 0 ? b : ACTIVITY_BUCKETS;
  }

  activityEnd(f: number): number {
    if (this.act.has(f)) {
      let hi = ACTIVITY_BUCKETS;
      while (hi > 0 && this.act.packets(f, hi - 1) === 0) hi--;
      return Math.max(hi, this.activityStart(f));
    }
    const lo = this.activityStart(f);
    return lo < ACTIVITY_BUCKETS ? lo + 1 : lo;
  }

  /** Packets in activity bucket `bucket` of flow f (after `finalizeActivity`). */
  activityPackets(f: number, bucket: number): number {
    if (this.act.has(f)) return this.act.packets(f, bucket);
    return this.recI8[f * REC_BYTES + B_CUR_BUCKET] === bucket ? this.rec[f * REC_WORDS + W_CUR_PKTS] : 0;
  }

  /** Bytes in activity bucket `bucket` of flow f, as a 32-bit float (see FlowActivity). */
  activityBytes(f: number, bucket: number): number {
    if (this.act.has(f)) return this.act.bytesOf(f, bucket);
    return this.recI8[f * REC_BYTES + B_CUR_BUCKET] === bucket ? Math.fround(this.recF[f * REC_DOUBLES + D_CUR_BYTES]) : 0;
  }
}
