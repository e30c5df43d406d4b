/**
 * Min/max decimation: per horizontal bucket keep the lowest and highest point, in step order. A spike or a
 * divergence in a 100 000-step run stays visible, and a chart never gets more than ~2 points per pixel.
 */
export interface Point {
  x: number;
  y: number;
}

/**
 * `xs`/`ys` hold `n` points with increasing x. Returns at most 2·buckets + 2 points. Non-finite y (NaN gaps)
 * and, on a log axis, y ≤ 0 are left out of the min/max but a NaN still breaks the line.
 */
export function decimateMinMax(xs: ArrayLike<number>, ys: ArrayLike<number>, n: number, buckets: number, logY = false): Point[] {
  const ok = (y: number) => Number.isFinite(y) && (!logY || y > 0);
  const out: Point[] = [];
  if (n <= 0) return out;
  if (n <= buckets * 2) {
    for (let i = 0; i < n; i++) out.push({ x: xs[i], y: ok(ys[i]) ? ys[i] : NaN });
    return out;
  }
  const x0 = xs[0];
  const span = xs[n - 1] - x0 || 1;
  let i = 0;
  for (let b = 0; b < buckets && i < n; b++) {
    const end = b === buckets - 1 ? xs[n - 1] + 1 : x0 + (span * (b + 1)) / buckets;
    let minI = -1;
    let maxI = -1;
    let gap = false;
    for (; i < n && xs[i] < end; i++) {
      const y = ys[i];
      if (!ok(y)) {
        gap = true;
        continue;
      }
      if (minI < 0 || y < ys[minI]) minI = i;
      if (maxI < 0 || y > ys[maxI]) maxI = i;
    }
    if (minI < 0) {
      if (gap) out.push({ x: x0 + (span * b) / buckets, y: NaN });
      continue;
    }
    const a = Math.min(minI, maxI);
    const c = Math.max(minI, maxI);
    out.push({ x: xs[a], y: ys[a] });
    if (c !== a) out.push({ x: xs[c], y: ys[c] });
  }
  return out;
}
