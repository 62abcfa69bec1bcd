// A set of half-open byte ranges [start, end), kept sorted and merged: which bytes of the file are done.

export type Range = [start: number, end: number];

export class RangeSet {
  private list: Range[] = [];
  /** Bytes covered, kept as ranges are added: asked after every write of a body. */
  private total = 0;

  constructor(ranges: Range[] = []) {
    for (const r of ranges) this.add(r[0], r[1]);
  }

  add(start: number, end: number): void {
    if (end <= start) return;
    // Fast path (every chunk of a stream): extend the range that ends where this one starts.
    for (let i = this.list.length - 1; i >= 0; i--) {
      const r = this.list[i]!;
      if (r[1] === start) {
        const next = this.list[i + 1];
        if (!next || next[0] > end) {
          r[1] = end;
          this.total += end - start;
          return;
        }
        break;
      }
      if (r[1] < start) break;
    }
    const out: Range[] = [];
    let s = start, e = end, placed = false;
    for (const [a, b] of this.list) {
      if (b < s) out.push([a, b]);
      else if (a > e) {
        if (!placed) out.push([s, e]), (placed = true);
        out.push([a, b]);
      } else (s = Math.min(s, a)), (e = Math.max(e, b));
    }
    if (!placed) out.push([s, e]);
    this.list = out;
    let n = 0;
    for (const [a, b] of out) n += b - a;
    this.total = n;
  }

  /** Total bytes covered. */
  get size(): number {
    return this.total;
  }

  /** The gaps in [0, total). */
  missing(total: number): Range[] {
    const gaps: Range[] = [];
    let pos = 0;
    for (const [a, b] of this.list) {
      if (a > pos) gaps.push([pos, Math.min(a, total)]);
      pos = Math.max(pos, b);
    }
    if (pos < total) gaps.push([pos, total]);
    return gaps.filter(([a, b]) => b > a);
  }

  /** Length of the done prefix starting at 0. */
  get prefix(): number {
    return this.list[0]?.[0] === 0 ? this.list[0][1] : 0;
  }

  ranges(): Range[] {
    return this.list.map(([a, b]) => [a, b]);
  }
}
