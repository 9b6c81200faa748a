// Per-flow DNS hints in one Int32Array heap instead of an object tree per flow: each flow's
// list of questions (name, type, rcode of the latest answer, answers) as linked blocks of
// NameTable ids. 300,000 DNS flows cost their blocks (36 bytes for a question with one answer,
// 36 more per two further answers) and no garbage. The rules are those of the summary's `dns`
// hint: a question is kept once per (name, type) per flow, at most `maxDnsPerFlow`; a
// response's answers go to its first question, each (name, type, value) once, at most
// `maxAnswersPerName`; the hint-text budget is charged for every kept name and value.

import type { DnsRecordHint } from '../../shared/flowSummary.js';
import { A_VALUE, dnsRcodeName, dnsTypeName, ipv4ValueLength, ipv4ValueText, type DnsView } from './dns.js';
import type { NameTable } from './nameTable.js';
import { Konst, type ByteWriter } from './byteWriter.js';
import type { BlockRefs } from './activityStore.js';
import { EXT_DNS } from './flowRecords.js';

/** The hint-text budget shared by every hint of a capture, and the count of hints dropped. */
export class HintBudget {
  dropped = 0;
  /** A hint was refused because the budget was spent (not merely a per-flow bound). */
  spent = false;
  constructor(public charsLeft: number) {}

  take(n: number): boolean {
    if (n > this.charsLeft) {
      this.dropped++;
      this.spent = true;
      return false;
    }
    this.charsLeft -= n;
    return true;
  }
}

// Entry block: next, name, type | (rcode + 1) << 16 (rcode -1: none), answer count, first
// chunk, then the first answer inline (most questions have one answer or none).
const E_NEXT = 0, E_NAME = 1, E_TYPE_RCODE = 2, E_COUNT = 3, E_CHUNK = 4, E_ANSWER = 5, E_SIZE = 9;
// Answer chunk (the 2nd answer on): next, then PER_CHUNK × (name, type, ttl, value).
const PER_CHUNK = 2;
/** 64 MiB of address space: the blocks of ~1.7 M questions with an answer. */
const HEAP_RESERVE = 1 << 24;
const C_SIZE = 1 + PER_CHUNK * 4;

const J = {
  DNS: new Konst(',"dns":['),
  NAME0: new Konst('{"name":"'),
  NAME: new Konst(',{"name":"'),
  TYPE: new Konst('","type":"'),
  /** An answer for the question's own name, written as 0 (see writeJson's `sameAsZero`). */
  SAME0: new Konst('{"name":0,"type":"'),
  SAME: new Konst(',{"name":0,"type":"'),
  ANSWERS: new Konst('","answers":['),
  TTL: new Konst('","ttl":'),
  VALUE: new Konst(',"value":"'),
  QUOTE_END: new Konst('"}'),
  END: new Konst('}'),
  RCODE: new Konst('],"rcode":"'),
  LIST_END: new Konst(']}'),
  CLOSE: new Konst(']'),
};

export class DnsStore {
  /** Reserved at HEAP_RESERVE words (address space only until used: no copy as it fills). */
  private heap: Int32Array = new Int32Array(HEAP_RESERVE);
  private used = 1; // 0 is "none"

  /** `refs` keeps each flow's first entry block (its record's extension entry). */
  constructor(private readonly names: NameTable, private readonly budget: HintBudget,
    private readonly maxPerFlow: number, private readonly maxAnswers: number, private readonly refs: BlockRefs) {}

  private headOf(f: number): number {
    return this.refs.extOf(f, EXT_DNS);
  }

  /** Bytes held, for the memory figures. */
  get memoryBytes(): number {
    return this.used * 4;
  }


  private alloc(n: number): number {
    if (this.used + n > this.heap.length) {
      const h = new Int32Array(this.heap.length * 2);
      h.set(this.heap.subarray(0, this.used));
      this.heap = h;
    }
    const at = this.used;
    this.used += n;
    return at;
  }

  snapshot(): { heap: Int32Array; used: number } {
    return { heap: this.heap, used: this.used };
  }

  restore(s: { heap: Int32Array; used: number }): void {
    this.heap = s.heap;
    this.used = s.used;
  }

  has(f: number): boolean {
    return this.headOf(f) !== 0;
  }

  /** Adds message `m` of flow f (its questions, and a response's answers). */
  record(f: number, m: DnsView): void {
    if (m.qCount === 0) return;
    const names = this.names;
    const budget = this.budget;
    let first = 0;
    for (let q = 0; q < m.qCount; q++) {
      const name = m.qName[q];
      const type = m.qType[q];
      let e = this.headOf(f);
      let last = 0;
      let n = 0;
      while (e !== 0) {
        const h = this.heap;
        if (h[e + E_NAME] === name && (h[e + E_TYPE_RCODE] & 0xffff) === type) break;
        last = e;
        e = h[e + E_NEXT];
        n++;
      }
      if (e === 0) {
        if (n >= this.maxPerFlow) {
          budget.dropped++;
          continue;
        }
        if (!budget.take(names.length(name))) continue;
        e = this.alloc(E_SIZE);
        const h = this.heap;
        h[e + E_NAME] = name;
        h[e + E_TYPE_RCODE] = type;
        if (last === 0) this.refs.setExt(f, EXT_DNS, e);
        else h[last + E_NEXT] = e;
      }
      if (first === 0) first = e;
    }
    if (!m.response || first === 0) return;
    this.heap[first + E_TYPE_RCODE] = (this.heap[first + E_TYPE_RCODE] & 0xffff) | ((m.rcode + 1) << 16);
    for (let i = 0; i < m.aCount; i++) {
      const type = m.aType[i];
      if (type === 41) continue; // OPT is not an answer
      const name = m.aName[i];
      const value = m.aValue[i];
      if (this.hasAnswer(first, name, type, value)) continue;
      const count = this.heap[first + E_COUNT];
      const valueLen = type & A_VALUE ? ipv4ValueLength(value) : value >= 0 ? names.length(value) : 0;
      if (count >= this.maxAnswers || !budget.take(names.length(name) + valueLen)) {
        budget.dropped++;
        break;
      }
      const a = this.answerSlot(first, count);
      const h = this.heap;
      h[a] = name;
      h[a + 1] = type;
      h[a + 2] = m.aTtl[i] | 0;
      h[a + 3] = value;
      h[first + E_COUNT] = count + 1;
    }
  }

  /** Heap index of answer `k` of entry e (k = its count: a new one, allocated). */
  private answerSlot(e: number, k: number): number {
    if (k === 0) return e + E_ANSWER;
    let link = e + E_CHUNK;
    for (let i = 1; i + PER_CHUNK <= k; i += PER_CHUNK) link = this.heap[link];
    let c = this.heap[link];
    if (c === 0) {
      c = this.alloc(C_SIZE);
      this.heap[link] = c;
    }
    return c + 1 + ((k - 1) % PER_CHUNK) * 4;
  }

  /** Heap index of answer k (< its count) of entry e. */
  private answerAt(e: number, k: number): number {
    if (k === 0) return e + E_ANSWER;
    let c = this.heap[e + E_CHUNK];
    for (let i = 1; i + PER_CHUNK <= k; i += PER_CHUNK) c = this.heap[c];
    return c + 1 + ((k - 1) % PER_CHUNK) * 4;
  }

  private hasAnswer(e: number, name: number, type: number, value: number): boolean {
    const h = this.heap;
    const n = h[e + E_COUNT];
    for (let k = 0; k < n; k++) {
      const a = this.answerAt(e, k);
      if (h[a] === name && h[a + 1] === type && h[a + 3] === value) return true;
    }
    return false;
  }

  /** Flow f's DNS hint as the summary's objects (undefined when it has none). */
  hints(f: number): DnsRecordHint[] | undefined {
    if (!this.has(f)) return undefined;
    const names = this.names;
    const h = this.heap;
    const out: DnsRecordHint[] = [];
    for (let e = this.headOf(f); e !== 0; e = h[e + E_NEXT]) {
      // Key order as the summary has always had it: name, type, answers, rcode.
      const entry: DnsRecordHint = { name: names.text(h[e + E_NAME]), type: dnsTypeName(h[e + E_TYPE_RCODE] & 0xffff), answers: [] };
      const rcode = (h[e + E_TYPE_RCODE] >>> 16) - 1;
      if (rcode >= 0) entry.rcode = dnsRcodeName(rcode);
      const n = h[e + E_COUNT];
      for (let k = 0; k < n; k++) {
        const a = this.answerAt(e, k);
        const t = h[a + 1];
        const ans: DnsRecordHint['answers'][number] = { name: names.text(h[a]), type: dnsTypeName(t & 0xffff), ttl: h[a + 2] >>> 0 };
        if (t & A_VALUE) ans.value = ipv4ValueText(h[a + 3]);
        else if (h[a + 3] >= 0) ans.value = names.text(h[a + 3]);
        entry.answers.push(ans);
      }
      out.push(entry);
    }
    return out;
  }

  /** The name ids of flow f's first `max` DNS entries (its hints' `name`s, in order) into
   *  `out`; how many. */
  entryNameIds(f: number, out: number[], max: number): number {
    const h = this.heap;
    let n = 0;
    for (let e = this.headOf(f); e !== 0 && n < max; e = h[e + E_NEXT]) out[n++] = h[e + E_NAME];
    return n;
  }

  /** Writes `,"dns":[…]` for flow f (nothing when it has no DNS hint): the text
   *  JSON.stringify makes of `hints(f)`, written from the heap. `sameAsZero`: an answer whose
   *  name is its question's has `"name":0` instead (the flow columns' form, which keeps each
   *  long name once: the extension's reader puts the name back). */
  writeJson(f: number, w: ByteWriter, sameAsZero = false): void {
    if (!this.has(f)) return;
    const h = this.heap;
    w.k(J.DNS);
    for (let e = this.headOf(f); e !== 0; e = h[e + E_NEXT]) {
      w.k(e === this.headOf(f) ? J.NAME0 : J.NAME);
      this.name(w, h[e + E_NAME]);
      w.k(J.TYPE);
      w.ascii(dnsTypeName(h[e + E_TYPE_RCODE] & 0xffff));
      w.k(J.ANSWERS);
      const n = h[e + E_COUNT];
      for (let k = 0; k < n; k++) {
        const a = this.answerAt(e, k);
        if (sameAsZero && h[a] === h[e + E_NAME]) w.k(k === 0 ? J.SAME0 : J.SAME);
        else {
          w.k(k === 0 ? J.NAME0 : J.NAME);
          this.name(w, h[a]);
          w.k(J.TYPE);
        }
        const t = h[a + 1];
        w.ascii(dnsTypeName(t & 0xffff));
        w.k(J.TTL);
        w.num(h[a + 2] >>> 0);
        if (t & A_VALUE) {
          const v = h[a + 3];
          w.k(J.VALUE);
          w.num(v >>> 24);
          w.byte(0x2e);
          w.num((v >>> 16) & 255);
          w.byte(0x2e);
          w.num((v >>> 8) & 255);
          w.byte(0x2e);
          w.num(v & 255);
          w.k(J.QUOTE_END);
        } else if (h[a + 3] >= 0) {
          w.k(J.VALUE);
          this.name(w, h[a + 3]);
          w.k(J.QUOTE_END);
        } else w.k(J.END);
      }
      const rcode = (h[e + E_TYPE_RCODE] >>> 16) - 1;
      if (rcode >= 0) {
        w.k(J.RCODE);
        w.ascii(dnsRcodeName(rcode));
        w.k(J.QUOTE_END);
      } else w.k(J.LIST_END);
    }
    w.k(J.CLOSE);
  }

  private name(w: ByteWriter, id: number): void {
    this.names.writeTo(w, id);
  }
}
