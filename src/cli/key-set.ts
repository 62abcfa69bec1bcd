// Which of a run's output names repeat, without keeping the names a second time: a Set of 50,000 names
// took about 60 bytes a name besides the names themselves, and a run of many URLs held it to the end
// (bench/README.md, "Many URLs, second pass").

/**
 * Keys added one by one, each with the index it belongs to; add() says whether an equal key came before.
 * A slot holds a key's hash and its index (8 bytes, the table at most half full): a key whose hash is
 * already there is compared with that earlier key, asked of `keyAt` again (a rare call: equal hashes of
 * different keys, or a repeat).
 */
export class KeySet {
  private hashes: Uint32Array;
  /** Index + 1 of the key in each slot; 0 = empty. */
  private slots: Uint32Array;
  private size = 0;

  constructor(
    private readonly keyAt: (index: number) => string,
    expected = 8,
  ) {
    let capacity = 16;
    while (capacity < 2 * expected) capacity *= 2;
    this.hashes = new Uint32Array(capacity);
    this.slots = new Uint32Array(capacity);
  }

  /** Adds `key`, the key of `index`; true when an equal key was added before (it is not added again). */
  add(index: number, key: string): boolean {
    if (2 * (this.size + 1) > this.slots.length) this.grow();
    const hash = Bun.hash.xxHash32(key);
    const mask = this.slots.length - 1;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const slot = this.slots[i]!;
      if (slot === 0) {
        this.slots[i] = index + 1;
        this.hashes[i] = hash;
        this.size++;
        return false;
      }
      if (this.hashes[i] === hash && this.keyAt(slot - 1) === key) return true;
    }
  }

  private grow(): void {
    const { hashes, slots } = this;
    this.hashes = new Uint32Array(slots.length * 2);
    this.slots = new Uint32Array(slots.length * 2);
    const mask = this.slots.length - 1;
    for (let j = 0; j < slots.length; j++) {
      if (slots[j] === 0) continue;
      let i = hashes[j]! & mask;
      while (this.slots[i] !== 0) i = (i + 1) & mask;
      this.slots[i] = slots[j]!;
      this.hashes[i] = hashes[j]!;
    }
  }
}
