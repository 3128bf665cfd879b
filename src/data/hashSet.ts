// A set of 64-bit string hashes in two flat Uint32Arrays (open addressing): duplicate detection over millions of rows
// at 8 bytes a slot, where a Set of strings (or of boxed 53-bit numbers) would cost several times the memory.

/** cyrb53-style pair of 32-bit hashes of `s`. */
export function hash64(s: string): [number, number] {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return [h1 >>> 0, h2 >>> 0];
}

export class StringHashSet {
  private slots: Uint32Array;
  private count = 0;

  constructor(initialSlots = 1 << 12) {
    this.slots = new Uint32Array(2 * initialSlots);
  }

  get size(): number {
    return this.count;
  }

  /** Adds `s`; returns false when (a string with the same 64-bit hash) was already there. */
  add(s: string): boolean {
    const [a, h2] = hash64(s);
    const b = a === 0 && h2 === 0 ? 1 : h2; // (0, 0) marks an empty slot
    // Linear probing stays short up to three quarters full.
    if (4 * (this.count + 1) > 3 * (this.slots.length / 2)) this.grow();
    const inserted = this.insert(this.slots, a, b);
    if (inserted) this.count++;
    return inserted;
  }

  private insert(slots: Uint32Array, a: number, b: number): boolean {
    const mask = slots.length / 2 - 1;
    for (let i = (a ^ b) & mask; ; i = (i + 1) & mask) {
      const x = slots[2 * i];
      const y = slots[2 * i + 1];
      if (x === 0 && y === 0) {
        slots[2 * i] = a;
        slots[2 * i + 1] = b;
        return true;
      }
      if (x === a && y === b) return false;
    }
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Uint32Array(old.length * 2);
    for (let i = 0; i < old.length; i += 2) if (old[i] !== 0 || old[i + 1] !== 0) this.insert(this.slots, old[i], old[i + 1]);
  }
}
