// `node bench/floor/loop.mjs js|wasm decode|account FILE`: the floor of the analyzer's
// per-packet work (see assembly/loop.ts for what it does and leaves out), in JavaScript over
// typed arrays (as the analyzer is written) or in the WebAssembly build of assembly/loop.ts
// (bench/data/floor.wasm, made by bench/floor/run.ts). Reads the file in 4 MiB chunks straight
// into the buffer the loop reads (for wasm: its memory). Prints {packets, flows, skipped}.
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';

const [impl, what, file] = process.argv.slice(2);
if (!['js', 'wasm'].includes(impl) || !['decode', 'account'].includes(what) || !file) {
  throw new Error('usage: node bench/floor/loop.mjs js|wasm decode|account FILE');
}
const mode = what === 'account' ? 1 : 0;
const IN = 4 << 20;

function readChunks(buf, run) {
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(24);
    readSync(fd, head, 0, 24, 0);
    if (head.readUInt32LE(0) !== 0xa1b2c3d4 || head.readUInt32LE(20) !== 1) throw new Error('the floor probe reads little-endian µs pcap with Ethernet only');
    let pos = 24;
    let carry = 0;
    for (;;) {
      const n = readSync(fd, buf, carry, IN - carry, pos);
      if (n === 0) break;
      pos += n;
      const len = carry + n;
      const used = run(len);
      if (used < 0 || used > len) throw new Error('a record longer than 256 KiB');
      carry = len - used;
      buf.copyWithin(0, used, len);
    }
  } finally {
    closeSync(fd);
  }
}

function jsLoop() {
  const buf = new Uint8Array(IN);
  const SLOT_BITS = 21;
  const IDX = (1 << SLOT_BITS) - 1;
  const TAG = ~IDX;
  const MAX = 1200000;
  const RW = 22;
  const slots = new Int32Array(1 << SLOT_BITS);
  const rec = new Int32Array(MAX * RW);
  const recD = new Float64Array(rec.buffer);
  const recB = new Uint8Array(rec.buffer);
  let count = 0;
  let packets = 0;
  let skipped = 0;
  let folded = 0;
  // The table's hash (src/core/flows/flowTable.ts mixKey), copied as assembly/loop.ts copies it:
  // the floor is plain JS and wasm, run without building the project.
  const mix = (meta, a, b, ports) => {
    const ha = Math.imul(a, 0x9e3779b1) ^ Math.imul((ports >>> 16) + 0x165667b1, 0x2545f491);
    const hb = Math.imul(b, 0x9e3779b1) ^ Math.imul((ports & 0xffff) + 0x165667b1, 0x2545f491);
    let h = (ha + hb + meta) | 0;
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    return h ^ (h >>> 16);
  };
  const account = (meta, a, b, ports, len, sec, ns, flags) => {
    const h = mix(meta, a, b, ports);
    const rp = ((ports & 0xffff) << 16) | (ports >>> 16);
    const tag = h & TAG;
    let i = h & IDX;
    let f = -1;
    let dir = 0;
    for (;;) {
      const sv = slots[i];
      if (sv === 0) break;
      if ((sv & TAG) === tag) {
        const r = ((sv & IDX) - 1) * RW;
        if (rec[r] === meta) {
          const kp = rec[r + 3];
          if (kp === ports && rec[r + 1] === a && rec[r + 2] === b) { f = (sv & IDX) - 1; dir = 0; break; }
          if (kp === rp && rec[r + 1] === b && rec[r + 2] === a) { f = (sv & IDX) - 1; dir = 1; break; }
        }
      }
      i = (i + 1) & IDX;
    }
    if (f < 0) {
      if (count >= MAX) { skipped++; return; }
      f = count++;
      slots[i] = tag | (f + 1);
      const r = f * RW;
      rec[r] = meta; rec[r + 1] = a; rec[r + 2] = b; rec[r + 3] = ports; rec[r + 14] = sec; rec[r + 16] = ns;
    }
    const r = f * RW;
    recD[(r >> 1) + 5 + dir] += len;
    rec[r + 18 + dir]++;
    rec[r + 15] = sec;
    rec[r + 17] = ns;
    recB[r * 4 + 29] |= flags;
  };
  const le32 = (p) => buf[p] | (buf[p + 1] << 8) | (buf[p + 2] << 16) | (buf[p + 3] << 24);
  const be32 = (p) => (buf[p] << 24) | (buf[p + 1] << 16) | (buf[p + 2] << 8) | buf[p + 3];
  const run = (len) => {
    let p = 0;
    while (p + 16 <= len) {
      const incl = le32(p + 8) >>> 0;
      if (incl > 262144) return -1;
      if (p + 16 + incl > len) break;
      const orig = le32(p + 12) >>> 0;
      const sec = le32(p);
      const ns = Math.imul(le32(p + 4), 1000);
      const d = p + 16;
      const end = d + incl;
      p = end;
      packets++;
      if (incl < 14) { skipped++; continue; }
      let et = (buf[d + 12] << 8) | buf[d + 13];
      let n = d + 14;
      if (et === 0x8100 && n + 4 <= end) { et = (buf[n + 2] << 8) | buf[n + 3]; n += 4; }
      let meta, a, b, proto, l4, l4end;
      if (et === 0x0800) {
        if (n + 20 > end) { skipped++; continue; }
        const vihl = buf[n];
        const ihl = (vihl & 15) << 2;
        const tot = (buf[n + 2] << 8) | buf[n + 3];
        if (vihl >> 4 !== 4 || ihl < 20 || tot < ihl) { skipped++; continue; }
        proto = buf[n + 9];
        a = be32(n + 12);
        b = be32(n + 16);
        l4 = n + ihl;
        l4end = Math.min(end, n + tot);
        meta = proto | (4 << 8);
      } else if (et === 0x86dd) {
        if (n + 40 > end) { skipped++; continue; }
        proto = buf[n + 6];
        a = be32(n + 8) ^ Math.imul(be32(n + 12), 31) ^ Math.imul(be32(n + 16), 7) ^ be32(n + 20);
        b = be32(n + 24) ^ Math.imul(be32(n + 28), 31) ^ Math.imul(be32(n + 32), 7) ^ be32(n + 36);
        l4 = n + 40;
        l4end = Math.min(end, n + 40 + ((buf[n + 4] << 8) | buf[n + 5]));
        meta = proto | (6 << 8);
      } else { skipped++; continue; }
      let ports = 0;
      let flags = 0;
      if (proto === 6) {
        if (l4 + 20 > l4end) { skipped++; continue; }
        ports = be32(l4);
        flags = buf[l4 + 13];
      } else if (proto === 17) {
        if (l4 + 8 > l4end) { skipped++; continue; }
        ports = be32(l4);
      }
      if (mode === 1) account(meta, a, b, ports, orig, sec, ns, flags);
      else folded += (a ^ b ^ ports ^ flags) & 1;
    }
    return p;
  };
  readChunks(buf, run);
  return { packets, flows: count, skipped, folded };
}

function wasmLoop() {
  const wasm = new WebAssembly.Instance(new WebAssembly.Module(readFileSync('bench/data/floor.wasm')), { env: { abort: () => { throw new Error('wasm abort'); } } }).exports;
  wasm.init(mode);
  const buf = new Uint8Array(wasm.memory.buffer, 0, IN); // init grew the memory: take the view after it
  readChunks(buf, (len) => { const u = wasm.run(len) >>> 0; return u === 0xffffffff ? -1 : u; });
  return { packets: wasm.packets.value >>> 0, flows: wasm.flows() >>> 0, skipped: wasm.skipped.value >>> 0, folded: wasm.folded.value >>> 0 };
}

process.stdout.write(JSON.stringify(impl === 'js' ? jsLoop() : wasmLoop()) + '\n');
