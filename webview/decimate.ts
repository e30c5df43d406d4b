/**
 * Min/max decimation: per horizontal bucket keep the lowest and highest point, in step order. A spike or a
 * divergence in a 100 000-step run stays visible, and a chart never gets more than ~2 points per pixel.
 */
export interface Point {
  x: number;
  y: number;
}

/** Points per block of a BlockIndex. */
const B = 32;

/**
 * Per block of B points: where its min and max are (for a linear and for a log axis) and whether it holds
 * values an axis cannot show. Built incrementally as points are appended, so a redraw of a 100 000-step
 * series reads ~3 000 block summaries plus the bucket edges instead of every point.
 */
export class BlockIndex {
  private minI = new Int32Array(64);
  private maxI = new Int32Array(64);
  private minPosI = new Int32Array(64);
  private maxPosI = new Int32Array(64);
  /** bit 1: a non-finite value; bit 2: a value a log axis cannot show (non-finite or ≤ 0). */
  private gaps = new Uint8Array(64);
  /** Points covered by complete blocks. */
  private built = 0;

  /** Brings the index up to `n` points of `ys`; `from` is the first point that changed (after a truncation). */
  update(ys: ArrayLike<number>, n: number, from = this.built): void {
    const start = Math.min(this.built, from) - (Math.min(this.built, from) % B);
    const blocks = Math.ceil(n / B);
    if (blocks > this.minI.length) {
      let cap = this.minI.length;
      while (cap < blocks) cap *= 2;
      const grow = <T extends Int32Array | Uint8Array>(a: T, make: (c: number) => T) => {
        const b = make(cap);
        b.set(a);
        return b;
      };
      this.minI = grow(this.minI, (c) => new Int32Array(c));
      this.maxI = grow(this.maxI, (c) => new Int32Array(c));
      this.minPosI = grow(this.minPosI, (c) => new Int32Array(c));
      this.maxPosI = grow(this.maxPosI, (c) => new Int32Array(c));
      this.gaps = grow(this.gaps, (c) => new Uint8Array(c));
    }
    for (let blk = start / B; blk < blocks; blk++) {
      let mn = -1;
      let mx = -1;
      let mnP = -1;
      let mxP = -1;
      let gap = 0;
      const end = Math.min(n, (blk + 1) * B);
      for (let i = blk * B; i < end; i++) {
        const y = ys[i];
        if (!Number.isFinite(y)) {
          gap = 3;
          continue;
        }
        if (mn < 0 || y < ys[mn]) mn = i;
        if (mx < 0 || y > ys[mx]) mx = i;
        if (y > 0) {
          if (mnP < 0 || y < ys[mnP]) mnP = i;
          if (mxP < 0 || y > ys[mxP]) mxP = i;
        } else gap |= 2;
      }
      this.minI[blk] = mn;
      this.maxI[blk] = mx;
      this.minPosI[blk] = mnP;
      this.maxPosI[blk] = mxP;
      this.gaps[blk] = gap;
    }
    this.built = n - (n % B);
  }

  /** Folds block `blk` into the running min/max of a bucket. */
  fold(blk: number, logY: boolean, ys: ArrayLike<number>, acc: { minI: number; maxI: number; gap: boolean }): void {
    const mn = logY ? this.minPosI[blk] : this.minI[blk];
    const mx = logY ? this.maxPosI[blk] : this.maxI[blk];
    if (this.gaps[blk] & (logY ? 2 : 1)) acc.gap = true;
    if (mn >= 0 && (acc.minI < 0 || ys[mn] < ys[acc.minI])) acc.minI = mn;
    if (mx >= 0 && (acc.maxI < 0 || ys[mx] > ys[acc.maxI])) acc.maxI = mx;
  }
}

/**
 * `xs`/`ys` hold `n` points with increasing x. Returns at most 2·buckets + 2 points. Non-finite y (NaN gaps)
 * and, on a log axis, y ≤ 0 are left out of the min/max, and a bucket with nothing else draws as a gap.
 * With `index` (kept up to date by the caller) whole blocks are read from it; the result is the same.
 */
export function decimateMinMax(xs: ArrayLike<number>, ys: ArrayLike<number>, n: number, buckets: number, logY = false, index?: BlockIndex): Point[] {
  const ok = (y: number) => Number.isFinite(y) && (!logY || y > 0);
  const out: Point[] = [];
  if (n <= 0) return out;
  if (n <= buckets * 2) {
    for (let i = 0; i < n; i++) out.push({ x: xs[i], y: ok(ys[i]) ? ys[i] : NaN });
    return out;
  }
  const x0 = xs[0];
  const span = xs[n - 1] - x0 || 1;
  const acc = { minI: -1, maxI: -1, gap: false };
  const scan = (i: number) => {
    const y = ys[i];
    if (!ok(y)) {
      acc.gap = true;
      return;
    }
    if (acc.minI < 0 || y < ys[acc.minI]) acc.minI = i;
    if (acc.maxI < 0 || y > ys[acc.maxI]) acc.maxI = i;
  };
  let i = 0;
  for (let b = 0; b < buckets && i < n; b++) {
    const endX = b === buckets - 1 ? xs[n - 1] + 1 : x0 + (span * (b + 1)) / buckets;
    // First index at or past endX (xs increase).
    let lo = i;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (xs[mid] < endX) lo = mid + 1;
      else hi = mid;
    }
    const end = lo;
    acc.minI = -1;
    acc.maxI = -1;
    acc.gap = false;
    if (index) {
      for (; i < end && i % B !== 0; i++) scan(i);
      for (; i + B <= end; i += B) index.fold(i / B, logY, ys, acc);
    }
    for (; i < end; i++) scan(i);
    if (acc.minI < 0) {
      if (acc.gap) out.push({ x: x0 + (span * b) / buckets, y: NaN });
      continue;
    }
    const a = Math.min(acc.minI, acc.maxI);
    const c = Math.max(acc.minI, acc.maxI);
    out.push({ x: xs[a], y: ys[a] });
    if (c !== a) out.push({ x: xs[c], y: ys[c] });
  }
  return out;
}
