/**
 * Natural log rounded correctly to double. V8's `Math.log` is off by one ulp on a few percent of inputs
 * where glibc's `log` (used by NumPy) is correctly rounded, and NumPy's polar method feeds every normal through
 * `log`, so the port computes log in double-double and rounds once.
 */

type DD = [number, number];

function twoSum(a: number, b: number): DD {
  const s = a + b;
  const bb = s - a;
  return [s, a - (s - bb) + (b - bb)];
}

function quickTwoSum(a: number, b: number): DD {
  const s = a + b;
  return [s, b - (s - a)];
}

function split(a: number): DD {
  const c = 134217729 * a; // 2^27 + 1
  const hi = c - (c - a);
  return [hi, a - hi];
}

function twoProd(a: number, b: number): DD {
  const p = a * b;
  const [ah, al] = split(a);
  const [bh, bl] = split(b);
  return [p, ah * bh - p + ah * bl + al * bh + al * bl];
}

function ddAdd(a: DD, b: DD): DD {
  const [s, e] = twoSum(a[0], b[0]);
  const [t, f] = twoSum(a[1], b[1]);
  const [s2, e2] = quickTwoSum(s, e + t);
  return quickTwoSum(s2, e2 + f);
}

function ddMul(a: DD, b: DD): DD {
  const [p, e] = twoProd(a[0], b[0]);
  return quickTwoSum(p, e + (a[0] * b[1] + a[1] * b[0]));
}

function ddMulD(a: DD, b: number): DD {
  const [p, e] = twoProd(a[0], b);
  return quickTwoSum(p, e + a[1] * b);
}

function ddDiv(a: DD, b: DD): DD {
  const q1 = a[0] / b[0];
  let r = ddAdd(a, ddMulD(b, -q1));
  const q2 = r[0] / b[0];
  r = ddAdd(r, ddMulD(b, -q2));
  const q3 = r[0] / b[0];
  return ddAdd(quickTwoSum(q1, q2), [q3, 0]);
}

const LN2: DD = [0.6931471805599453, 2.3190468138462996e-17];

/** log(x) for finite x > 0, correctly rounded (barring results within ~1e-25 relative of a tie). */
export function crLog(x: number): number {
  if (!(x > 0) || !Number.isFinite(x)) return Math.log(x);
  if (x === 1) return 0;
  let k = Math.round(Math.log2(x));
  if (k > 1000) k = 1000; // keep 2^-k finite; the series still converges
  if (k < -1000) k = -1000;
  const m = x * Math.pow(2, -k); // exact: scaling by a power of two
  // log(m) = 2·atanh(s), s = (m − 1)/(m + 1), |s| ≤ 0.172 for m in [√½, √2)
  const s = ddDiv([m - 1, 0], twoSum(m, 1));
  const s2 = ddMul(s, s);
  let term = s;
  let sum = s;
  for (let j = 1; j < 40; j++) {
    term = ddMul(term, s2);
    const t = ddDiv(term, [2 * j + 1, 0]);
    sum = ddAdd(sum, t);
    if (Math.abs(t[0]) < 1e-36 * Math.abs(sum[0])) break;
  }
  const res = ddAdd(ddMulD(LN2, k), [2 * sum[0], 2 * sum[1]]);
  return res[0] + res[1];
}
