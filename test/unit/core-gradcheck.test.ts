/**
 * Every op's backward against central finite differences in float64. Non-scalar outputs are contracted with a
 * random tensor R (backward seeded with R gives Jᵀ·R; the differences are of Σ f(x)·R), so every output element
 * is checked. Inputs are drawn from a seeded NumpyLegacyRandom, so a failure reproduces exactly; values are kept
 * away from kinks (abs/relu at 0, l1/huber/smooth_l1 at their breakpoints).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backward, losses, noGrad, NumpyLegacyRandom, ops, shapeStr, Tensor } from '../../src/core';
import type { Reduction } from '../../src/core/losses';

const rng = new NumpyLegacyRandom(20240);
const H = 1e-6;
const TOL = 1e-6;

/** Float64 leaf of `shape` with normal entries; `away` pushes |v| above it; `positive` takes |v| + away. */
function rand(shape: number[], o: { away?: number; positive?: boolean; scale?: number } = {}): Tensor {
  const t = Tensor.zeros(shape, 'float64');
  for (let i = 0; i < t.size; i++) {
    let v = rng.standardNormal() * (o.scale ?? 1);
    const a = o.away ?? 0;
    if (o.positive) v = Math.abs(v) + a;
    else if (Math.abs(v) < a) v += v < 0 ? -a : a;
    t.data[i] = v;
  }
  return t;
}

const randInt = (lo: number, hi: number) => lo + Math.floor(rng.randomDouble() * (hi - lo + 1));

/** A random shape of rank 0..3 with dims 1..4. */
const randShape = (): number[] => Array.from({ length: randInt(0, 3) }, () => randInt(1, 4));

/** A shape that broadcasts with `s`: some dims set to 1, some leading dims dropped (or one added). */
function partner(s: number[]): number[] {
  const p = s.map((d) => (rng.randomDouble() < 0.4 ? 1 : d)).slice(randInt(0, s.length));
  return rng.randomDouble() < 0.25 ? [randInt(1, 3), ...s.map((d) => (rng.randomDouble() < 0.5 ? 1 : d))] : p;
}

function dot(t: Tensor, r: Tensor): number {
  const a = t.values();
  const b = r.values();
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/**
 * Checks ∂(Σ f·R)/∂x for every input flagged in `wrt` (all by default) and returns the worst relative error,
 * |analytic − numeric| / max(1, |numeric|).
 */
function gradcheck(f: (xs: Tensor[]) => Tensor, xs: Tensor[], wrt: boolean[] = xs.map(() => true)): number {
  xs.forEach((x, i) => {
    x.requiresGrad = wrt[i];
    x.grad = null;
  });
  const out = f(xs);
  const R = rand(out.shape.slice());
  backward(out, R);
  let worst = 0;
  xs.forEach((x, k) => {
    if (!wrt[k]) return;
    assert.ok(x.grad, `input ${k} ${shapeStr(x.shape)} got no gradient`);
    assert.deepEqual(x.grad.shape, x.shape, `grad of input ${k} has its shape`);
    const analytic = x.grad.values();
    for (let i = 0; i < x.size; i++) {
      const orig = x.data[i];
      x.data[i] = orig + H;
      const fp = noGrad(() => dot(f(xs), R));
      x.data[i] = orig - H;
      const fm = noGrad(() => dot(f(xs), R));
      x.data[i] = orig;
      const num = (fp - fm) / (2 * H);
      const err = Math.abs(analytic[i] - num) / Math.max(1, Math.abs(num));
      assert.ok(err <= TOL, `input ${k} ${shapeStr(x.shape)} element ${i}: analytic ${analytic[i]}, numeric ${num}`);
      worst = Math.max(worst, err);
    }
  });
  return worst;
}

/** Registers one gradcheck test; the shapes go into its name so a failure says what it ran on. */
function check(name: string, f: (xs: Tensor[]) => Tensor, xs: Tensor[], wrt?: boolean[]): void {
  test(`gradcheck ${name} on ${xs.map((x) => shapeStr(x.shape)).join(', ')}`, () => {
    gradcheck(f, xs, wrt);
  });
}

// ---------------------------------------------------------------------------------------------------------
// Elementwise binary ops, broadcasting included
// ---------------------------------------------------------------------------------------------------------
const PAIRS: number[][][] = [[[4, 1], [3]], [[2, 3, 1], [1, 4]], [[], [3]], [[5, 4], []], [[], []], [[3], [2, 3]], [[1], [5]], [[3, 4], [3, 4]]];
for (let i = 0; i < 6; i++) {
  const s = randShape();
  PAIRS.push(rng.randomDouble() < 0.5 ? [s, partner(s)] : [partner(s), s]);
}
for (const [sa, sb] of PAIRS) {
  check('add', ([a, b]) => ops.add(a, b), [rand(sa), rand(sb)]);
  check('sub', ([a, b]) => ops.sub(a, b), [rand(sa), rand(sb)]);
  check('mul', ([a, b]) => ops.mul(a, b), [rand(sa), rand(sb)]);
  check('div', ([a, b]) => ops.div(a, b), [rand(sa), rand(sb, { away: 0.5 })]);
}
check('mul by a JS number', ([a]) => ops.mul(a, 2.5), [rand([3, 2])]);
check('number minus tensor', ([a]) => ops.sub(3, a), [rand([4])]);
check('number over tensor', ([a]) => ops.div(1, a), [rand([2, 2], { away: 0.5 })]);
check('div, only the numerator needs grad', ([a, b]) => ops.div(a, b), [rand([4, 1]), rand([3], { away: 0.5 })], [true, false]);
check('mul, only the broadcast side needs grad', ([a, b]) => ops.mul(a, b), [rand([4, 1]), rand([3])], [false, true]);

// ---------------------------------------------------------------------------------------------------------
// Unary ops and pow
// ---------------------------------------------------------------------------------------------------------
for (const shape of [[], [5], [3, 4], randShape(), randShape()]) {
  check('neg', ([a]) => ops.neg(a), [rand(shape)]);
  check('abs', ([a]) => ops.abs(a), [rand(shape, { away: 0.01 })]);
  check('relu', ([a]) => ops.relu(a), [rand(shape, { away: 0.01 })]);
  check('exp', ([a]) => ops.exp(a), [rand(shape)]);
  check('log', ([a]) => ops.log(a), [rand(shape, { positive: true, away: 0.2 })]);
  check('tanh', ([a]) => ops.tanh(a), [rand(shape)]);
  check('sigmoid', ([a]) => ops.sigmoid(a), [rand(shape, { scale: 2 })]);
}
for (const p of [2, 3, 1, 0, 0.5, -1.5]) {
  const positive = !Number.isInteger(p);
  check(`pow ${p}`, ([a]) => ops.pow(a, p), [rand([3, 2], { positive, away: 0.3 })]);
}

// ---------------------------------------------------------------------------------------------------------
// Reductions
// ---------------------------------------------------------------------------------------------------------
for (const shape of [[4, 3, 2], [5], [3, 1, 4], []]) {
  check('sum', ([a]) => ops.sum(a), [rand(shape)]);
  check('mean', ([a]) => ops.mean(a), [rand(shape)]);
  for (let d = -shape.length; d < shape.length; d++)
    for (const keep of [false, true]) {
      check(`sum dim=${d} keepdim=${keep}`, ([a]) => ops.sum(a, d, keep), [rand(shape)]);
      check(`mean dim=${d} keepdim=${keep}`, ([a]) => ops.mean(a, d, keep), [rand(shape)]);
    }
}

// ---------------------------------------------------------------------------------------------------------
// matmul and linear
// ---------------------------------------------------------------------------------------------------------
for (const [sa, sb] of [[[3], [3]], [[4, 3], [3]], [[3], [3, 5]], [[4, 3], [3, 5]], [[1, 2], [2, 1]]])
  check('matmul', ([a, b]) => ops.matmul(a, b), [rand(sa), rand(sb)]);
check('linear, 2-D weight', ([x, w]) => ops.linear(x, w), [rand([5, 3]), rand([2, 3])]);
check('linear, 2-D weight + bias', ([x, w, b]) => ops.linear(x, w, b), [rand([5, 3]), rand([2, 3]), rand([2])]);
check('linear, 1-D weight → [N]', ([x, w]) => ops.linear(x, w), [rand([5, 3]), rand([3])]);
check('linear, 1-D input, 1-D weight, 0-dim bias', ([x, w, b]) => ops.linear(x, w, b), [rand([3]), rand([3]), rand([])]);
check('linear, 1-D input, 2-D weight + bias', ([x, w, b]) => ops.linear(x, w, b), [rand([3]), rand([4, 3]), rand([4])]);
check('linear, 3-D input', ([x, w, b]) => ops.linear(x, w, b), [rand([2, 4, 3]), rand([2, 3]), rand([2])]);
check('linear, Linear(2,1) on the seed shapes', ([x, w, b]) => ops.linear(x, w, b), [rand([8, 2]), rand([1, 2]), rand([1])]);
check('linear on a batch slice', ([x, w]) => ops.linear(ops.narrow(x, 0, 1, 3), w), [rand([5, 2]), rand([1, 2])]);

// ---------------------------------------------------------------------------------------------------------
// Views (and ops reading them through strides)
// ---------------------------------------------------------------------------------------------------------
check('squeeze', ([a]) => ops.squeeze(a), [rand([4, 1, 3, 1])]);
check('squeeze dim=1', ([a]) => ops.squeeze(a, 1), [rand([4, 1, 1])]);
check('unsqueeze 0', ([a]) => ops.unsqueeze(a, 0), [rand([3, 2])]);
check('unsqueeze -1', ([a]) => ops.unsqueeze(a, -1), [rand([3, 2])]);
check('reshape', ([a]) => ops.reshape(a, [2, -1]), [rand([3, 4])]);
check('view', ([a]) => ops.reshape(a, [12], 'view'), [rand([3, 4])]);
check('transpose', ([a]) => ops.transpose(a, 0, 1), [rand([3, 4])]);
check('transpose 0,2', ([a]) => ops.transpose(a, 0, 2), [rand([2, 3, 4])]);
check('reshape of a transpose (copying)', ([a]) => ops.reshape(ops.transpose(a, 0, 1), [-1]), [rand([3, 4])]);
check('narrow dim 0', ([a]) => ops.narrow(a, 0, 1, 2), [rand([4, 3])]);
check('narrow dim 1', ([a]) => ops.narrow(a, 1, 1, 2), [rand([2, 4, 2])]);
check('transpose then broadcast mul then sum(dim)', ([a, b]) => ops.sum(ops.mul(ops.transpose(a, 0, 1), b), 0), [rand([3, 4]), rand([4, 1])]);
check('squeeze of a narrowed column against a vector', ([a, b]) => ops.sub(ops.squeeze(ops.narrow(a, 0, 2, 4), 1), b), [rand([7, 1]), rand([4])]);
check('x·x + x (one input, three paths)', ([a]) => ops.add(ops.mul(a, a), a), [rand([3, 2])]);

// ---------------------------------------------------------------------------------------------------------
// Losses, every reduction, on matched and broadcast shapes, with respect to input and target
// ---------------------------------------------------------------------------------------------------------
const REDUCTIONS: Reduction[] = ['mean', 'sum', 'none'];
const LOSS_SHAPES: number[][][] = [[[6, 1], [6]], [[6], [6]], [[2, 3], [3]], [[], [4]], [[4, 1, 2], [3, 1]]];

/** Input/target pairs whose broadcast differences all keep ≥ 0.01 from the loss's breakpoints. */
function lossInputs(si: number[], st: number[], kinks: number[]): Tensor[] {
  for (;;) {
    const a = rand(si, { scale: 1.5 });
    const b = rand(st);
    const d = ops.sub(a, b).values();
    if (d.every((v) => kinks.every((k) => Math.abs(Math.abs(v) - k) >= 0.01))) return [a, b];
  }
}

const POINTWISE: [string, number[], (a: Tensor, b: Tensor, r: Reduction) => Tensor][] = [
  ['mse', [], (a, b, r) => losses.mseLoss(a, b, r)],
  ['l1', [0], (a, b, r) => losses.l1Loss(a, b, r)],
  ['huber δ=1', [0, 1], (a, b, r) => losses.huberLoss(a, b, r, 1)],
  ['huber δ=0.5', [0, 0.5], (a, b, r) => losses.huberLoss(a, b, r, 0.5)],
  ['smooth_l1 β=1', [0, 1], (a, b, r) => losses.smoothL1Loss(a, b, r, 1)],
  ['smooth_l1 β=0.5', [0, 0.5], (a, b, r) => losses.smoothL1Loss(a, b, r, 0.5)],
  ['smooth_l1 β=0 (= l1)', [0], (a, b, r) => losses.smoothL1Loss(a, b, r, 0)],
];
for (const [name, kinks, fn] of POINTWISE)
  for (const [si, st] of LOSS_SHAPES)
    for (const r of REDUCTIONS) check(`${name} reduction=${r}`, ([a, b]) => fn(a, b, r), lossInputs(si, st, kinks));

for (const [vs, label] of [[[6, 1], 'var [N,1]'], [[6], 'var [N] (unsqueezed)']] as const)
  for (const full of [false, true])
    for (const r of REDUCTIONS)
      check(`gaussian_nll ${label} full=${full} reduction=${r}`, ([a, b, v]) => losses.gaussianNllLoss(a, b, v, r, full), [
        rand([6, 1]),
        rand([6]),
        rand([...vs], { positive: true, away: 0.2 }),
      ]);
check('gaussian_nll matched', ([a, b, v]) => losses.gaussianNllLoss(a, b, v), [rand([5]), rand([5]), rand([5], { positive: true, away: 0.2 })]);
check('handwritten_mse [N,1] vs [N]', ([a, b]) => losses.handwrittenMse(a, b), [rand([6, 1]), rand([6])]);
check('handwritten_mse matched', ([a, b]) => losses.handwrittenMse(a, b), [rand([6]), rand([6])]);

test('gradcheck itself catches a wrong backward (it is not vacuous)', () => {
  // exp's backward deliberately scaled by 1.001 through a hand-built node.
  const x = rand([3]);
  const wrong = (xs: Tensor[]) => {
    const y = ops.exp(xs[0]);
    const node = y.node;
    if (node) {
      const back = node.backward;
      node.backward = (g) => back(g).map((t) => t && ops.mul(t.detach(), 1.001));
    }
    return y;
  };
  assert.throws(() => gradcheck(wrong, [x]), /analytic/);
});
