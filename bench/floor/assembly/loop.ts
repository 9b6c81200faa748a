// AssemblyScript (compiled by bench/floor/run.ts with asc to bench/data/floor.wasm; not part of
// the product): the floor of the analyzer's per-packet work in WebAssembly. Classic pcap,
// Ethernet only (the bench captures): record framing, Ethernet (+ one VLAN tag), IPv4 / IPv6,
// TCP / UDP ports and flags, then — with `mode` 1 — the flow table's work: a symmetric hash
// of the 5-tuple into open-addressing slots with tags, a record per flow created on first
// sight, per-direction packets and bytes, last time and flags. No hints, no activity, no IPv6
// address numbering (its addresses are folded to 32 bits): a floor, not an analyzer. The
// same loop in JavaScript is bench/floor/loop.mjs.
//
// Memory: [0, IN) the input chunk; then 2^21 hash slots; then the records.
const IN: u32 = 4 << 20;
const REC: u32 = 88;
const SLOT_BITS: u32 = 21;
const IDX_MASK: u32 = (1 << SLOT_BITS) - 1;
const TAG_MASK: u32 = ~IDX_MASK;
const MAX_FLOWS: u32 = 1200000;
const slotsPtr: u32 = IN;
const recPtr: u32 = IN + (4 << SLOT_BITS);
let count: u32 = 0;
let mode: u32 = 1;
export let packets: u32 = 0;
export let skipped: u32 = 0;
export let folded: u32 = 0;

export function init(m: u32): void {
  mode = m;
  const pages = <i32>((recPtr + MAX_FLOWS * REC + 65535) >> 16);
  if (pages > memory.size()) memory.grow(pages - memory.size());
}
export function flows(): u32 { return count; }

@inline function be16(p: u32): u32 { return (<u32>load<u8>(p) << 8) | load<u8>(p + 1); }
@inline function be32(p: u32): u32 { return bswap<u32>(load<u32>(p)); }

@inline function mix(meta: u32, a: u32, b: u32, ports: u32): u32 {
  const ha = (a * 0x9e3779b1) ^ (((ports >> 16) + 0x165667b1) * 0x2545f491);
  const hb = (b * 0x9e3779b1) ^ (((ports & 0xffff) + 0x165667b1) * 0x2545f491);
  let h = ha + hb + meta;
  h = (h ^ (h >> 16)) * 0x85ebca6b;
  h = (h ^ (h >> 13)) * 0xc2b2ae35;
  return h ^ (h >> 16);
}

function account(meta: u32, a: u32, b: u32, ports: u32, len: u32, sec: u32, ns: u32, flags: u32): void {
  const h = mix(meta, a, b, ports);
  const rp = (ports << 16) | (ports >> 16);
  const tag = h & TAG_MASK;
  let i = h & IDX_MASK;
  let f: u32 = 0xffffffff;
  let dir: u32 = 0;
  while (true) {
    const sv = load<u32>(slotsPtr + (i << 2));
    if (sv == 0) break;
    if ((sv & TAG_MASK) == tag) {
      const r = recPtr + ((sv & IDX_MASK) - 1) * REC;
      if (load<u32>(r) == meta) {
        const kp = load<u32>(r + 12);
        if (kp == ports && load<u32>(r + 4) == a && load<u32>(r + 8) == b) { f = (sv & IDX_MASK) - 1; dir = 0; break; }
        if (kp == rp && load<u32>(r + 4) == b && load<u32>(r + 8) == a) { f = (sv & IDX_MASK) - 1; dir = 1; break; }
      }
    }
    i = (i + 1) & IDX_MASK;
  }
  if (f == 0xffffffff) {
    if (count >= MAX_FLOWS) { skipped++; return; }
    f = count++;
    store<u32>(slotsPtr + (i << 2), tag | (f + 1));
    const r = recPtr + f * REC;
    store<u32>(r, meta); store<u32>(r + 4, a); store<u32>(r + 8, b); store<u32>(r + 12, ports);
    store<u32>(r + 56, sec); store<u32>(r + 64, ns);
  }
  const r = recPtr + f * REC;
  store<f64>(r + 40 + (dir << 3), load<f64>(r + 40 + (dir << 3)) + <f64>len);
  store<u32>(r + 72 + (dir << 2), load<u32>(r + 72 + (dir << 2)) + 1);
  store<u32>(r + 60, sec);
  store<u32>(r + 68, ns);
  store<u8>(r + 29, load<u8>(r + 29) | <u8>flags);
}

/** Reads the whole records in [0, len) of the input; returns the bytes used (0xffffffff: a
 *  record longer than 256 KiB, not a capture this probe reads). */
export function run(len: u32): u32 {
  let p: u32 = 0;
  while (p + 16 <= len) {
    const incl = load<u32>(p + 8);
    if (incl > 262144) return 0xffffffff;
    if (p + 16 + incl > len) break;
    const orig = load<u32>(p + 12);
    const sec = load<u32>(p);
    const ns = load<u32>(p + 4) * 1000;
    const d = p + 16;
    const end = d + incl;
    p = end;
    packets++;
    if (incl < 14) { skipped++; continue; }
    let et = be16(d + 12);
    let n = d + 14;
    if (et == 0x8100 && n + 4 <= end) { et = be16(n + 2); n += 4; }
    let meta: u32, a: u32, b: u32, proto: u32, l4: u32, l4end: u32;
    if (et == 0x0800) {
      if (n + 20 > end) { skipped++; continue; }
      const vihl = <u32>load<u8>(n);
      const ihl = (vihl & 15) << 2;
      const tot = be16(n + 2);
      if ((vihl >> 4) != 4 || ihl < 20 || tot < ihl) { skipped++; continue; }
      proto = load<u8>(n + 9);
      a = be32(n + 12);
      b = be32(n + 16);
      l4 = n + ihl;
      l4end = min(end, n + tot);
      meta = proto | (4 << 8);
    } else if (et == 0x86dd) {
      if (n + 40 > end) { skipped++; continue; }
      proto = load<u8>(n + 6);
      a = be32(n + 8) ^ (be32(n + 12) * 31) ^ (be32(n + 16) * 7) ^ be32(n + 20);
      b = be32(n + 24) ^ (be32(n + 28) * 31) ^ (be32(n + 32) * 7) ^ be32(n + 36);
      l4 = n + 40;
      l4end = min(end, n + 40 + be16(n + 4));
      meta = proto | (6 << 8);
    } else { skipped++; continue; }
    let ports: u32 = 0;
    let flags: u32 = 0;
    if (proto == 6) {
      if (l4 + 20 > l4end) { skipped++; continue; }
      ports = be32(l4);
      flags = load<u8>(l4 + 13);
    } else if (proto == 17) {
      if (l4 + 8 > l4end) { skipped++; continue; }
      ports = be32(l4);
    }
    if (mode == 1) account(meta, a, b, ports, orig, sec, ns, flags);
    else folded += (a ^ b ^ ports ^ flags) & 1;
  }
  return p;
}
