import { expect, test } from "bun:test";
import { KeySet } from "../../src/cli/key-set.ts";

test("KeySet says which keys came before, through growth, comparing keys where hashes meet", () => {
  const keys = Array.from({ length: 5000 }, (_, i) => `dir/f${i % 3000}.bin`);
  let asked = 0;
  const set = new KeySet((i) => (asked++, keys[i]!));
  const repeats = keys.map((k, i) => set.add(i, k));
  // The first 3,000 are new, the last 2,000 repeat the first 2,000.
  expect(repeats.slice(0, 3000).every((r) => !r)).toBe(true);
  expect(repeats.slice(3000).every((r) => r)).toBe(true);
  // Keys are asked for again only to compare: about once a repeat, not once a slot probed.
  expect(asked).toBeGreaterThanOrEqual(2000);
  expect(asked).toBeLessThan(2100);
});

test("KeySet: the empty key and keys that differ only in case or length are told apart", () => {
  const keys = ["", "a", "A", "aa", "", "a\u0000", "a"];
  const set = new KeySet((i) => keys[i]!, 1);
  expect(keys.map((k, i) => set.add(i, k))).toEqual([false, false, false, false, true, false, true]);
});
