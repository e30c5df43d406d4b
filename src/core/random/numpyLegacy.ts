/**
 * NumPy's legacy generator (`np.random.seed` + `np.random.randn` / `shuffle`): MT19937, 53-bit doubles
 * from two draws, and the polar method that caches its second normal for the next call.
 */
import { glibcLog } from './glibcLog';
import { MT19937 } from './mt19937';

export class NumpyLegacyRandom {
  private readonly mt: MT19937;
  private hasGauss = false;
  private gauss = 0;

  constructor(seed: number) {
    this.mt = new MT19937(seed);
  }

  /** `legacy_double`: (a·2^26 + b) / 2^53 with a = 27 bits, b = 26 bits. */
  randomDouble(): number {
    const a = this.mt.nextU32() >>> 5;
    const b = this.mt.nextU32() >>> 6;
    return (a * 67108864.0 + b) / 9007199254740992.0;
  }

  /** `legacy_gauss`: polar Box–Muller, returning f·x2 now and keeping f·x1 for the next call. */
  standardNormal(): number {
    if (this.hasGauss) {
      this.hasGauss = false;
      const g = this.gauss;
      this.gauss = 0;
      return g;
    }
    let x1: number, x2: number, r2: number;
    do {
      x1 = 2.0 * this.randomDouble() - 1.0;
      x2 = 2.0 * this.randomDouble() - 1.0;
      r2 = x1 * x1 + x2 * x2;
    } while (r2 >= 1.0 || r2 === 0.0);
    // glibc's log, not an exact one: NumPy's normals carry glibc's 0.52-ulp rounding (see glibcLog.ts).
    const f = Math.sqrt((-2.0 * glibcLog(r2)) / r2);
    this.gauss = f * x1;
    this.hasGauss = true;
    return f * x2;
  }

  /** `np.random.randn(n)`, row-major for `randn(rows, cols)` with n = rows·cols. */
  randn(n: number): Float64Array {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = this.standardNormal();
    return out;
  }

  /** `random_interval(max)`: a uniform integer in [0, max] by masked rejection. */
  private interval(max: number): number {
    if (max === 0) return 0;
    let mask = max;
    mask |= mask >>> 1;
    mask |= mask >>> 2;
    mask |= mask >>> 4;
    mask |= mask >>> 8;
    mask |= mask >>> 16;
    mask >>>= 0;
    let v: number;
    do v = (this.mt.nextU32() & mask) >>> 0;
    while (v > max);
    return v;
  }

  /** `np.random.shuffle` of a 1-D array (Fisher–Yates from the end). */
  shuffle(a: Int32Array | number[]): void {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.interval(i);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }

  /** `np.random.permutation(n)`. */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    this.shuffle(p);
    return p;
  }
}
