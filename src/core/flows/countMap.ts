// A string → count map with a bounded number of keys: once full, new keys count under
// "(other)". Keys may be attacker controlled (reasons naming header values): the bound keeps
// memory fixed.

export class CountMap {
  private readonly m = new Map<string, number>();

  constructor(readonly maxKeys: number) {}

  has(key: string): boolean {
    return this.m.has(key);
  }

  add(key: string, n: number): void {
    const v = this.m.get(key);
    if (v !== undefined) this.m.set(key, v + n);
    else if (this.m.size < this.maxKeys) this.m.set(key, n);
    else this.m.set('(other)', (this.m.get('(other)') ?? 0) + n);
  }

  get size(): number {
    return this.m.size;
  }

  /** True when a key was refused (counted under "(other)"). */
  get full(): boolean {
    return this.m.has('(other)');
  }

  entries(): [string, number][] {
    return [...this.m];
  }

  toRecord(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const k of [...this.m.keys()].sort()) out[k] = this.m.get(k) ?? 0;
    return out;
  }
}
