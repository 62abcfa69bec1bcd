// The -Z loop's full collections: none before FIRST_COLLECTION_AFTER transfers (a run of a few hundred
// small files paid four of ~4.5 ms each), then one every COLLECT_EVERY_TRANSFERS (the flat peak RSS of
// 10,000 URLs, test/e2e/binary-memory.test.ts).
import { expect, test } from "bun:test";
import { COLLECT_EVERY_TRANSFERS, FIRST_COLLECTION_AFTER, collector } from "../../src/cli/multi.ts";

const firedAt = (calls: number, every: number, first?: number) => {
  const at: number[] = [];
  let n = 0;
  const tick = collector(every, first, () => at.push(n));
  for (n = 1; n <= calls; n++) tick();
  return at;
};

test("the transfer loop's first full collection waits for its 500th transfer, then one every 100", () => {
  expect(FIRST_COLLECTION_AFTER).toBe(500);
  expect(COLLECT_EVERY_TRANSFERS).toBe(100);
  expect(firedAt(400, COLLECT_EVERY_TRANSFERS, FIRST_COLLECTION_AFTER)).toEqual([]);
  expect(firedAt(1000, COLLECT_EVERY_TRANSFERS, FIRST_COLLECTION_AFTER)).toEqual([500, 600, 700, 800, 900, 1000]);
});

test("without a first call given, the first collection comes after `every` calls (the URL-naming loop's 1,000)", () => {
  expect(firedAt(2500, 1000)).toEqual([1000, 2000]);
  expect(firedAt(999, 1000)).toEqual([]);
});
