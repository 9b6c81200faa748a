// Attacker-controlled bytes to display-safe text: printable ASCII is kept, everything else
// (control characters, bytes ≥ 0x7f, and the escape character itself) becomes \DDD, as in
// DNS presentation format. The result is data; nothing here interprets it.

/** Returns `s` flattened. Strings built piece by piece (`+=`, template literals) are
 *  ropes in V8, several times the size of the flat text (a 30-character timestamp made by a
 *  template literal holds ~300 bytes); a summary keeps hundreds of thousands of them.
 *  Reading a character makes V8 flatten the rope in place. */
export function flat(s: string): string {
  if (s.length > 12) void s.charCodeAt(0);
  return s;
}

/** `buf[off .. end)` as safe text, at most `maxChars` characters of output. */
export function safeText(buf: Uint8Array, off: number, end: number, maxChars: number): string {
  let s = '';
  for (let i = off; i < end && s.length < maxChars; i++) {
    const c = buf[i];
    if (c >= 0x20 && c < 0x7f && c !== 0x5c) s += String.fromCharCode(c);
    else s += '\\' + String(c).padStart(3, '0');
  }
  return flat(s.length > maxChars ? s.slice(0, maxChars) : s);
}
