// Just enough of the Kubernetes protobuf envelope ("k8s\0" + runtime.Unknown) to read the
// SelfSubjectAccessReview kubectl posts (kubectl sends built-in types as protobuf).

interface Field { no: number; wire: number; value: Buffer | number }

function varint(b: Buffer, o: number): [number, number] {
  let v = 0; let shift = 0; let i = o;
  for (;;) {
    if (i >= b.length) throw new Error('protobuf: truncated varint');
    const x = b[i++];
    v += (x & 0x7f) * 2 ** shift;
    if ((x & 0x80) === 0) return [v, i];
    shift += 7;
  }
}

function fields(b: Buffer): Field[] {
  const out: Field[] = [];
  let o = 0;
  while (o < b.length) {
    const [key, o1] = varint(b, o);
    const no = Math.floor(key / 8); const wire = key & 7;
    if (wire === 0) { const [v, o2] = varint(b, o1); out.push({ no, wire, value: v }); o = o2; }
    else if (wire === 2) { const [len, o2] = varint(b, o1); out.push({ no, wire, value: b.subarray(o2, o2 + len) }); o = o2 + len; }
    else if (wire === 1) { o = o1 + 8; }
    else if (wire === 5) { o = o1 + 4; }
    else throw new Error(`protobuf: unsupported wire type ${wire}`);
  }
  return out;
}

function bytesOf(fs: Field[], no: number): Buffer | undefined {
  const f = fs.find((x) => x.no === no && x.wire === 2);
  return f && Buffer.isBuffer(f.value) ? f.value : undefined;
}

function str(fs: Field[], no: number): string {
  return bytesOf(fs, no)?.toString('utf8') ?? '';
}

export function isK8sProtobuf(body: Buffer): boolean {
  return body.length >= 4 && body.subarray(0, 4).equals(Buffer.from('k8s\0', 'latin1'));
}

/** Decodes a SelfSubjectAccessReview into its JSON form (spec only). */
export function decodeSelfSubjectAccessReview(body: Buffer): Record<string, unknown> {
  const unknown = fields(body.subarray(4));
  const raw = bytesOf(unknown, 2) ?? Buffer.alloc(0);
  const spec = fields(bytesOf(fields(raw), 2) ?? Buffer.alloc(0));
  const out: Record<string, unknown> = {};
  const ra = bytesOf(spec, 1);
  if (ra) {
    const f = fields(ra);
    out.resourceAttributes = { namespace: str(f, 1), verb: str(f, 2), group: str(f, 3), version: str(f, 4), resource: str(f, 5), subresource: str(f, 6), name: str(f, 7) };
  }
  const nra = bytesOf(spec, 2);
  if (nra) {
    const f = fields(nra);
    out.nonResourceAttributes = { path: str(f, 1), verb: str(f, 2) };
  }
  return { kind: 'SelfSubjectAccessReview', apiVersion: 'authorization.k8s.io/v1', spec: out };
}
