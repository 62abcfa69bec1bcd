// The -Z loop's full collections: none before FIRST_COLLECTION_AFTER transfers (a run of a few hundred
// small files paid four of ~4.5 ms each), then one every COLLECT_EVERY_TRANSFERS (the flat peak RSS of
// 10,000 URLs, test/e2e/binary-memory.test.ts).
import { expect, test } from "bun:test";
import { COLLECT_EVERY_TRANSFERS, COMMITS_BEHIND, FIRST_COLLECTION_AFTER, collector, firstCollection, runMany } from "../../src/cli/multi.ts";

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

test("a run of more than 500 transfers collects from its 100th (its peak was its first 500's garbage); a shorter one at most once, at its 500th", () => {
  expect(firedAt(1000, COLLECT_EVERY_TRANSFERS, firstCollection(1000))).toEqual([100, 200, 300, 400, 500, 600, 700, 800, 900, 1000]);
  expect(firedAt(501, COLLECT_EVERY_TRANSFERS, firstCollection(501))).toEqual([100, 200, 300, 400, 500]);
  expect(firedAt(500, COLLECT_EVERY_TRANSFERS, firstCollection(500))).toEqual([500]);
  expect(firedAt(400, COLLECT_EVERY_TRANSFERS, firstCollection(400))).toEqual([]);
});

test("without a first call given, the first collection comes after `every` calls (the URL-naming loop's 1,000)", () => {
  expect(firedAt(2500, 1000)).toEqual([1000, 2000]);
  expect(firedAt(999, 1000)).toEqual([]);
});

test("a lane runs on while up to COMMITS_BEHIND of its transfers commit, never more; every result is counted", async () => {
  // Each transfer frees its lane at once (its bytes are in) and ends only when the test lets it commit.
  const commits: (() => void)[] = [];
  let unfinished = 0;
  let most = 0;
  const lanes = 2;
  const count = 40;
  const run = runMany(count, { lanes, stopped: () => false }, async (index, { free }) => {
    most = Math.max(most, ++unfinished);
    free();
    await new Promise<void>((resolve) => commits.push(resolve));
    unfinished--;
    return { url: `u${index}`, exitCode: 0, bytes: index };
  });
  // Let commits through one at a time, oldest first, until the run is done.
  let done = false;
  run.then(() => (done = true));
  while (!done) {
    await Bun.sleep(0);
    commits.shift()?.();
  }
  const results = await run;
  expect(most).toBe(lanes * (COMMITS_BEHIND + 1));
  expect(results.done).toBe(count);
  expect(results.ok).toBe(count);
  expect(results.bytes).toBe((count * (count - 1)) / 2);
});
