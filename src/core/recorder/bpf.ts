// Capture filters applied to packets already held (the flight recorder cuts its buffer with the
// same alert-derived filter a live capture gives libpcap). libpcap compiles: `tcpdump -ddd`
// reading an empty file of the buffer's link type prints the program as numbers and needs no
// privilege; this file runs that classic BPF program, instruction by instruction as libpcap's
// own bpf_filter() does (out-of-bounds loads and division by zero reject the packet).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTool } from '../util/toolProcess.js';
import { CodedError } from '../util/problem.js';

export interface BpfInsn { code: number; jt: number; jf: number; k: number }
export type BpfProgram = readonly BpfInsn[];

export class BpfError extends CodedError {
  override readonly name = 'BpfError';
  readonly code = 'filter';
}

/** libpcap's BPF_MAXINSNS. */
const MAX_INSNS = 4096;

/** Parses `tcpdump -ddd` output ("N" then N lines "code jt jf k"), checking what it can. */
export function parseDecimalProgram(text: string): BpfProgram {
  const lines = text.trim().split('\n').map((l) => l.trim()).filter(Boolean);
  const n = Number(lines[0]);
  if (!Number.isInteger(n) || n < 1 || n > MAX_INSNS || lines.length !== n + 1) throw new BpfError(`not a BPF program: ${JSON.stringify(text.slice(0, 80))}`);
  const prog: BpfInsn[] = [];
  for (let i = 1; i <= n; i++) {
    const f = lines[i].split(/\s+/).map(Number);
    if (f.length !== 4 || f.some((x) => !Number.isInteger(x) || x < 0 || x > 0xffffffff)) throw new BpfError(`bad BPF instruction ${i - 1}: ${lines[i]}`);
    const [code, jt, jf, k] = f;
    const cls = code & 0x07;
    if (cls === 0x05 && (code & 0xf0) !== 0x00 && (i + jt >= n + 1 || i + jf >= n + 1)) throw new BpfError(`BPF jump out of the program at ${i - 1}`);
    if (cls === 0x05 && (code & 0xf0) === 0x00 && i + k >= n + 1) throw new BpfError(`BPF jump out of the program at ${i - 1}`);
    prog.push({ code, jt, jf, k });
  }
  if ((prog[n - 1].code & 0x07) !== 0x06) throw new BpfError('the BPF program does not end with a return');
  return prog;
}

/** An empty classic pcap file of `linkType` (what tcpdump compiles for). */
function emptyPcap(linkType: number): Buffer {
  const b = Buffer.alloc(24);
  b.writeUInt32LE(0xa1b2c3d4, 0);
  b.writeUInt16LE(2, 4);
  b.writeUInt16LE(4, 6);
  b.writeUInt32LE(262144, 16);
  b.writeUInt32LE(linkType, 20);
  return b;
}

/** Compiles `filter` for `linkType` with libpcap (through tcpdump). '' matches everything. */
export async function compileFilter(filter: string, linkType: number, opts: { tcpdump?: string } = {}): Promise<BpfProgram> {
  if (filter.trim() === '') return [{ code: 0x06, jt: 0, jf: 0, k: 0xffffffff }];
  const dir = await mkdtemp(join(tmpdir(), 'falcoshark-bpf-'));
  try {
    const file = join(dir, 'empty.pcap');
    await writeFile(file, emptyPcap(linkType));
    // `--` ends the options: the filter is one argv element, whatever it holds.
    const r = await runTool(opts.tcpdump ?? 'tcpdump', ['-r', file, '-ddd', '--', filter], { timeoutMs: 10_000 });
    if (!r.ok && !r.started) throw new BpfError(`${r.reason}: cannot compile the capture filter (tcpdump is libpcap's command-line front end)`);
    if (!r.ok) {
      const said = r.stderr.split('\n').filter((l) => l && !/^reading from file|^Warning: interface names/.test(l)).join(' ').trim();
      throw new BpfError(`the capture filter does not compile: ${said || r.reason} (filter: ${filter})`);
    }
    return parseDecimalProgram(r.stdout);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Runs `prog` on the packet bytes `p` (captured length p.length, original length `wirelen`):
 *  the number of bytes to keep, 0 to reject — libpcap's bpf_filter(). */
export function runFilter(prog: BpfProgram, p: Uint8Array, wirelen: number): number {
  let A = 0;
  let X = 0;
  const mem = new Uint32Array(16);
  const len = p.length;
  let pc = 0;
  for (;;) {
    const ins = prog[pc++];
    if (ins === undefined) return 0;
    const k = ins.k;
    switch (ins.code) {
      case 0x06: return k >>> 0; // ret #k
      case 0x16: return A >>> 0; // ret a
      case 0x20: if (k > len - 4 || k >= 0x80000000) return 0; A = (p[k] << 24 | p[k + 1] << 16 | p[k + 2] << 8 | p[k + 3]) >>> 0; break; // ld [k]
      case 0x28: if (k > len - 2 || k >= 0x80000000) return 0; A = p[k] << 8 | p[k + 1]; break; // ldh [k]
      case 0x30: if (k >= len) return 0; A = p[k]; break; // ldb [k]
      case 0x80: A = wirelen >>> 0; break; // ld #len
      case 0x81: X = wirelen >>> 0; break; // ldx #len
      case 0x40: { const o = X + k; if (k >= 0x80000000 || o > len - 4) return 0; A = (p[o] << 24 | p[o + 1] << 16 | p[o + 2] << 8 | p[o + 3]) >>> 0; break; } // ld [x+k]
      case 0x48: { const o = X + k; if (k >= 0x80000000 || o > len - 2) return 0; A = p[o] << 8 | p[o + 1]; break; } // ldh [x+k]
      case 0x50: { const o = X + k; if (k >= 0x80000000 || o >= len) return 0; A = p[o]; break; } // ldb [x+k]
      case 0xb1: if (k >= len) return 0; X = (p[k] & 0xf) << 2; break; // ldxb 4*([k]&0xf)
      case 0x00: A = k >>> 0; break; // ld #k
      case 0x01: X = k >>> 0; break; // ldx #k
      case 0x60: A = mem[k & 15]; break; // ld M[k]
      case 0x61: X = mem[k & 15]; break; // ldx M[k]
      case 0x02: mem[k & 15] = A; break; // st M[k]
      case 0x03: mem[k & 15] = X; break; // stx M[k]
      case 0x05: pc += k; break; // ja
      case 0x15: pc += A === k >>> 0 ? ins.jt : ins.jf; break; // jeq #k
      case 0x1d: pc += A === X ? ins.jt : ins.jf; break; // jeq x
      case 0x25: pc += A > k >>> 0 ? ins.jt : ins.jf; break; // jgt #k
      case 0x2d: pc += A > X ? ins.jt : ins.jf; break;
      case 0x35: pc += A >= k >>> 0 ? ins.jt : ins.jf; break; // jge #k
      case 0x3d: pc += A >= X ? ins.jt : ins.jf; break;
      case 0x45: pc += (A & k) !== 0 ? ins.jt : ins.jf; break; // jset #k
      case 0x4d: pc += (A & X) !== 0 ? ins.jt : ins.jf; break;
      case 0x07: X = A; break; // tax
      case 0x87: A = X; break; // txa
      default: {
        if ((ins.code & 0x07) !== 0x04) return 0; // an instruction libpcap would not run: reject
        const v = (ins.code & 0x08) !== 0 ? X : k >>> 0;
        switch (ins.code & 0xf0) {
          case 0x00: A = (A + v) >>> 0; break;
          case 0x10: A = (A - v) >>> 0; break;
          case 0x20: A = Math.imul(A, v) >>> 0; break;
          case 0x30: if (v === 0) return 0; A = Math.floor(A / v) >>> 0; break;
          case 0x90: if (v === 0) return 0; A = (A % v) >>> 0; break;
          case 0x40: A = (A | v) >>> 0; break;
          case 0x50: A = (A & v) >>> 0; break;
          case 0xa0: A = (A ^ v) >>> 0; break;
          case 0x60: A = v >= 32 ? 0 : (A << v) >>> 0; break;
          case 0x70: A = v >= 32 ? 0 : A >>> v; break;
          case 0x80: A = (-A) >>> 0; break;
          default: return 0;
        }
      }
    }
  }
}
