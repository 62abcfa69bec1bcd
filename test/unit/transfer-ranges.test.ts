// RangeSet (which bytes are done) against a byte map, and the scheduler's checkout/steal rules.
import { describe, expect, test } from "bun:test";
import { RangeSet } from "../../src/transfer/ranges.ts";
import { Scheduler } from "../../src/transfer/scheduler.ts";

function lcg(seed: number) {
  return (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed % n);
}

describe("RangeSet", () => {
  test("random adds agree with a byte map (merging, fast path, gaps)", () => {
    const rnd = lcg(7);
    for (let t = 0; t < 500; t++) {
      const N = 200;
      const bits = new Uint8Array(N);
      const rs = new RangeSet();
      for (let k = 0; k < 30; k++) {
        const a = rnd(N);
        const b = Math.min(N, a + rnd(25));
        rs.add(a, b);
        bits.fill(1, a, b);
      }
      const want: [number, number][] = [];
      for (let i = 0; i < N; i++)
        if (bits[i]) {
          const last = want.at(-1);
          if (last && last[1] === i) last[1] = i + 1;
          else want.push([i, i + 1]);
        }
      expect(rs.ranges()).toEqual(want);
      expect(rs.size).toBe(bits.reduce((n, b) => n + b, 0));
      const gaps = rs.missing(N);
      expect(gaps.reduce((n, [a, b]) => n + b - a, 0)).toBe(N - rs.size);
    }
  });

  test("sequential appends extend one range", () => {
    const rs = new RangeSet();
    for (let i = 0; i < 1000; i++) rs.add(i * 10, i * 10 + 10);
    expect(rs.ranges()).toEqual([[0, 10000]]);
    expect(rs.prefix).toBe(10000);
  });
});

describe("Scheduler", () => {
  const MiB = 1 << 20;

  test("free segments first, then the upper half of the longest-running one", () => {
    const s = new Scheduler([[0, 8 * MiB]], 128 << 10);
    const a = s.checkout(0)!;
    expect([a.start, a.end]).toEqual([0, 8 * MiB]);
    const b = s.checkout(1)!;
    expect([b.start, b.end, a.end]).toEqual([4 * MiB, 8 * MiB, 4 * MiB]);
  });

  test("a reserved byte is never handed out again by a steal", () => {
    const s = new Scheduler([[0, 4 * MiB]], 128 << 10);
    const a = s.checkout(0)!;
    const at = a.pos;
    expect({ at, take: s.reserve(a, 3 * MiB) }).toEqual({ at: 0, take: 3 * MiB });
    const b = s.checkout(1)!;
    expect(b.start).toBeGreaterThanOrEqual(3 * MiB);
    expect(s.reserve(a, 4 * MiB)).toBe(b.start - 3 * MiB);
  });

  test("no steal from a segment its owner finishes soon at its current rate", () => {
    const s = new Scheduler([[0, 4 * MiB]], 128 << 10);
    s.checkout(0);
    expect(s.checkout(1, () => 100 * MiB)).toBeNull(); // 4 MiB at 100 MiB/s: done in 40 ms
    expect(s.checkout(1, () => 100 << 10)).not.toBeNull(); // at 100 KiB/s: 40 s, worth a new connection
  });

  test("released work is taken before any steal, and finished means every byte", () => {
    const s = new Scheduler([[0, MiB], [2 * MiB, 3 * MiB]]);
    const a = s.checkout(0)!;
    s.reserve(a, 1000);
    s.release(a);
    const again = s.checkout(1)!;
    expect([again.pos, again.end]).toEqual([1000, MiB]);
    s.reserve(again, MiB);
    const c = s.checkout(2)!;
    s.reserve(c, MiB);
    expect(s.finished).toBe(true);
  });
});

describe("Scheduler.split", () => {
  const MiB = 1 << 20;
  test("one range splits evenly into n, covering it exactly", () => {
    const s = new Scheduler([[0, 10 * MiB + 3]]);
    s.split(3);
    const v = s.views();
    expect(v.length).toBe(3);
    expect(v[0]!.start).toBe(0);
    expect(v.at(-1)!.end).toBe(10 * MiB + 3);
    for (let i = 1; i < v.length; i++) expect(v[i]!.start).toBe(v[i - 1]!.end);
    const sizes = v.map((x) => x.end - x.start);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
  });

  test("several gaps (a resume) are halved, largest first, in file order", () => {
    const s = new Scheduler([[0, MiB], [4 * MiB, 12 * MiB]]);
    s.split(4);
    // [4, 12) halves into [4, 8) and [8, 12); the first of the two largest halves next.
    expect(s.views().map((x) => [x.start, x.end])).toEqual([[0, MiB], [4 * MiB, 6 * MiB], [6 * MiB, 8 * MiB], [8 * MiB, 12 * MiB]]);
  });

  test("tiny ranges are not cut below the minimum piece", () => {
    const s = new Scheduler([[0, 100_000]], 128 << 10);
    s.split(8);
    expect(s.views().length).toBe(1);
  });
});
