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
 * Min/max decimation of a growing series, kept up to date as points are appended. Buckets hold a fixed
 * power-of-two number of points, counted from the first, so an append changes only the last bucket (or adds
 * buckets) and every other bucket keeps its points: a 30 Hz stream into a 100 000-step history re-decimates a
 * few dozen points per post, and the chart can tell whether anything visible changed. When the buckets
 * outgrow `maxBuckets` their width doubles and the series is decimated again (log₂ n times in a run).
 *
 * Per bucket the lowest and highest point are kept, in step order, so a one-step spike stays visible.
 * Non-finite y (NaN gaps) and, on a log axis, y ≤ 0 are left out of the min/max; a bucket with nothing else
 * draws as a gap. Up to 2·maxBuckets points every point is drawn as it is.
 */
export class LiveMinMax {
  /** The decimated points; the array is replaced by update() whenever its content changes. */
  points: Point[] = [];
  /** Points per bucket; 1 while every point is drawn. */
  width = 1;
  /** Leading points of `points` unchanged (same objects) since the last markDrawn(). */
  unchanged = 0;
  private n = 0;
  private maxBuckets = 0;
  private logY = false;
  /** Where each bucket's points start in `points` (the last bucket may be unfinished). */
  private starts: number[] = [];

  /**
   * Brings the points up to the first `n` of `xs`/`ys` (x increasing). `from` is the first point written since
   * the last update (a truncation or reset writes from where it cut). With `index` (kept up to date by the
   * caller) whole blocks are read from it; the points are the same.
   */
  update(xs: ArrayLike<number>, ys: ArrayLike<number>, n: number, from: number, maxBuckets: number, logY: boolean, index?: BlockIndex): void {
    const width = n <= 2 * maxBuckets ? 1 : 2 ** Math.ceil(Math.log2(n / maxBuckets));
    let first: number;
    if (width !== this.width || maxBuckets !== this.maxBuckets || logY !== this.logY) {
      this.width = width;
      this.maxBuckets = maxBuckets;
      this.logY = logY;
      this.starts.length = 0;
      this.points = [];
      first = 0;
    } else {
      if (n === this.n && from >= n) return; // nothing new
      // From the bucket of the first changed point, or the last (unfinished) one, whichever is earlier.
      first = Math.floor(Math.min(from, this.n, n) / width);
    }
    const keep = first < this.starts.length ? this.starts[first] : this.points.length;
    const out = this.points.slice(0, keep);
    this.starts.length = Math.min(this.starts.length, first);
    this.unchanged = Math.min(this.unchanged, keep);
    const acc = { minI: -1, maxI: -1, gap: false };
    const ok = logY ? (y: number) => y > 0 && y < Infinity : Number.isFinite;
    for (let b = first; b * width < n; b++) {
      const start = b * width;
      const end = Math.min(n, start + width);
      this.starts.push(out.length);
      if (width === 1) {
        const y = ys[start];
        out.push({ x: xs[start], y: ok(y) ? y : NaN });
        continue;
      }
      acc.minI = -1;
      acc.maxI = -1;
      acc.gap = false;
      let i = start;
      if (index && width >= B) {
        // start is a multiple of B here; the index covers every complete block below n.
        for (; i + B <= end; i += B) index.fold(i / B, logY, ys, acc);
      }
      for (; i < end; i++) {
        const y = ys[i];
        if (!ok(y)) {
          acc.gap = true;
          continue;
        }
        if (acc.minI < 0 || y < ys[acc.minI]) acc.minI = i;
        if (acc.maxI < 0 || y > ys[acc.maxI]) acc.maxI = i;
      }
      if (acc.minI < 0) {
        if (acc.gap) out.push({ x: xs[start], y: NaN });
        continue;
      }
      const a = Math.min(acc.minI, acc.maxI);
      const c = Math.max(acc.minI, acc.maxI);
      out.push({ x: xs[a], y: ys[a] });
      if (c !== a) out.push({ x: xs[c], y: ys[c] });
    }
    this.n = n;
    this.points = out;
  }

  /** The current points are what the chart shows now. */
  markDrawn(): void {
    this.unchanged = this.points.length;
  }

  /** Step at the end of the last bucket: an x axis that ends there moves only when a new bucket starts. */
  axisEnd(xs: ArrayLike<number>): number {
    const n = this.n;
    if (n === 0) return 0;
    const last = xs[n - 1];
    if (this.width === 1) return last;
    // Extrapolated at the mean step spacing (1 for the usual consecutive steps).
    const spacing = n > 1 ? (last - xs[0]) / (n - 1) : 1;
    return last + Math.round((Math.ceil(n / this.width) * this.width - n) * spacing);
  }
}
