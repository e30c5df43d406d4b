/**
 * Op and loss forward values against real PyTorch in float32 and float64 (fixture by scripts/make-fixtures.py),
 * plus the storage semantics of views and PyTorch's gradient accumulation.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { backward, losses, ops, SGD, Tensor } from '../../src/core';
import type { DType } from '../../src/core';
import type { Reduction } from '../../src/core/losses';
import { FIXTURES } from './goldenFixture';

interface OpCase {
  id: string;
  fn: string;
  args: string[];
  kwargs: Record<string, number | boolean | string>;
  dtype: DType;
  shape?: number[];
  values?: number[];
  error?: string;
}
const fixture = JSON.parse(readFileSync(join(FIXTURES, 'broadcast-table.json'), 'utf8')).ops as {
  inputs: Record<DType, Record<string, { shape: number[]; data: number[] }>>;
  cases: OpCase[];
};

type Run = (t: Tensor[], k: OpCase['kwargs']) => Tensor;
const UNARY = ['exp', 'log', 'tanh', 'sigmoid', 'neg', 'abs', 'relu'] as const;
const RUN: Record<string, Run> = {
  ...Object.fromEntries(UNARY.map((n) => [n, (t: Tensor[]) => ops[n](t[0])])),
  ...Object.fromEntries((['add', 'sub', 'mul', 'div', 'matmul'] as const).map((n) => [n, (t: Tensor[]) => ops[n](t[0], t[1])])),
  pow: (t, k) => ops.pow(t[0], k.exponent as number),
  sum: (t, k) => ops.sum(t[0], k.dim as number | undefined, k.keepdim as boolean | undefined),
  mean: (t, k) => ops.mean(t[0], k.dim as number | undefined, k.keepdim as boolean | undefined),
  linear: (t) => ops.linear(t[0], t[1], t[2] ?? null),
  mse: (t, k) => losses.mseLoss(t[0], t[1], k.reduction as Reduction),
  l1: (t, k) => losses.l1Loss(t[0], t[1], k.reduction as Reduction),
  huber: (t, k) => losses.huberLoss(t[0], t[1], k.reduction as Reduction, k.delta as number),
  smooth_l1: (t, k) => losses.smoothL1Loss(t[0], t[1], k.reduction as Reduction, k.beta as number),
  gaussian_nll: (t, k) => losses.gaussianNllLoss(t[0], t[1], t[2], k.reduction as Reduction, k.full as boolean),
  handwritten_mse: (t) => losses.handwrittenMse(t[0], t[1]),
};

for (const c of fixture.cases) {
  test(`${c.id} ${c.dtype} ${c.error ? 'throws' : `→ ${JSON.stringify(c.shape)}`} like PyTorch`, () => {
    const inputs = c.args.map((a) => {
      const spec = fixture.inputs[c.dtype][a];
      return Tensor.fromStorage((c.dtype === 'float32' ? Float32Array : Float64Array).from(spec.data), spec.shape);
    });
    const run = RUN[c.fn];
    assert.ok(run, `no core function mapped for ${c.fn}`);
    if (c.error) {
      // matmul/linear reuse PyTorch's message; broadcast errors name both shapes instead of torch's dim text.
      const expect = c.fn === 'matmul' || c.fn === 'linear' ? c.error : '[';
      assert.throws(() => run(inputs, c.kwargs), (e: Error) => e.name === 'ShapeError' && e.message.includes(expect));
      return;
    }
    const out = run(inputs, c.kwargs);
    assert.equal(out.dtype, c.dtype);
    assert.deepEqual(out.shape, c.shape);
    const got = out.values();
    const tol = c.dtype === 'float32' ? 1e-6 : 1e-12;
    c.values!.forEach((v, i) => {
      assert.ok(Math.abs(got[i] - v) <= tol * Math.abs(v), `[${i}] core ${got[i]}, PyTorch ${v} (rel ${Math.abs(got[i] - v) / Math.abs(v)})`);
    });
  });
}

test('the fixture covers the [N,1] vs [N] loss that broadcasts to [N,N] for every pointwise loss', () => {
  for (const fn of ['mse', 'l1', 'huber', 'smooth_l1', 'gaussian_nll'])
    assert.ok(fixture.cases.some((c) => c.fn === fn && c.kwargs.reduction === 'none' && c.args[0] === 'pred_col' && JSON.stringify(c.shape) === '[6,6]'), fn);
});

const seq = (shape: number[], dtype: DType = 'float64') => {
  const t = Tensor.zeros(shape, dtype);
  t.data.forEach((_, i) => (t.data[i] = i + 1));
  return t;
};

test('squeeze, unsqueeze, transpose and reshape are views: a write into the base shows through', () => {
  const x = seq([4, 1]);
  const views = [ops.squeeze(x), ops.unsqueeze(x, 0), ops.transpose(x, 0, 1), ops.reshape(x, [2, 2]), ops.reshape(x, [-1], 'view')];
  x.data[2] = 70;
  for (const v of views) {
    assert.equal(v.data, x.data, `${v} shares storage`);
    assert.ok(v.values().includes(70), `${v} sees the write`);
  }
  assert.deepEqual(views.map((v) => v.shape), [[4], [1, 4, 1], [1, 4], [2, 2], [4]]);
  assert.deepEqual(views[3].toNested(), [[1, 2], [70, 4]]);
});

test('reshape of a transposed (non-contiguous) tensor copies in row-major order; view refuses', () => {
  const t = ops.transpose(seq([2, 3]), 0, 1); // [[1,4],[2,5],[3,6]]
  assert.equal(t.isContiguous, false);
  const r = ops.reshape(t, [6]);
  assert.notEqual(r.data, t.data);
  assert.deepEqual(r.toArray(), [1, 4, 2, 5, 3, 6]);
  assert.throws(() => ops.reshape(t, [6], 'view'), /view size is not compatible/);
});

test('narrow of the batch dim does not copy: same storage, offset into it, writes show through', () => {
  const x = seq([6, 2]);
  const b = ops.narrow(x, 0, 2, 3);
  assert.equal(b.data, x.data);
  assert.equal(b.offset, 4);
  assert.deepEqual(b.toNested(), [[5, 6], [7, 8], [9, 10]]);
  x.data[5] = -1;
  assert.deepEqual(b.toNested(), [[5, -1], [7, 8], [9, 10]]);
  // A batch slice feeding a broadcasting loss reads the right rows: mse([3,1] slice, [3]) over [3,3].
  const col = ops.narrow(seq([6, 1]), 0, 3, 3); // [4,5,6]
  assert.deepEqual(losses.mseLoss(col, Tensor.from([4, 5, 6], 'float64'), 'none').toNested(), [[0, 1, 4], [1, 0, 1], [4, 1, 0]]);
});

test('grad accumulates across backward() calls until zeroGrad, like PyTorch (1.13: zero_grad fills zeros)', () => {
  const X = Tensor.from([[1, 2], [3, -1], [0.5, 4]], 'float64');
  const y = Tensor.from([1, -2, 3], 'float64');
  const w = Tensor.from([[0.3, -0.2]], 'float64');
  w.requiresGrad = true;
  const grad = () => backward(losses.mseLoss(ops.squeeze(ops.linear(X, w), 1), y));
  grad();
  // Closed form for matched mse: dL/dw = (2/N) Σ (p_i − y_i) x_i
  const p = [0.3 * 1 - 0.2 * 2, 0.3 * 3 + 0.2, 0.3 * 0.5 - 0.8];
  const yv = [1, -2, 3];
  const rows = [[1, 2], [3, -1], [0.5, 4]];
  const g1 = [0, 1].map((j) => (2 / 3) * rows.reduce((s, r, i) => s + (p[i] - yv[i]) * r[j], 0));
  w.grad!.toArray().forEach((v, j) => assert.ok(Math.abs(v - g1[j]) < 1e-14, `grad ${v} vs ${g1[j]}`));
  const once = w.grad!.toArray();
  grad();
  assert.deepEqual(w.grad!.toArray(), once.map((v) => 2 * v));
  const opt = new SGD([w], { lr: 0.1 });
  opt.zeroGrad();
  assert.deepEqual(w.grad!.toArray(), [0, 0]);
  grad();
  assert.deepEqual(w.grad!.toArray(), once);
});

test('matched MSE gradients carry the sign of zero that PyTorch gives (input: 2·(a − b), target: 2·(b − a))', () => {
  // torch 1.13: x = [-0., 1, 0, 2], t = [0., 1, 0, 1], both requiring grad, F.mse_loss(x, t).backward() gives
  // x.grad = [-0.0, 0.0, 0.0, 0.5] and t.grad = [0.0, 0.0, 0.0, -0.5].
  for (const dtype of ['float32', 'float64'] as const) {
    const x = Tensor.from([-0, 1, 0, 2], dtype);
    const t = Tensor.from([0, 1, 0, 1], dtype);
    x.requiresGrad = true;
    t.requiresGrad = true;
    backward(losses.mseLoss(x, t));
    assert.ok(Object.is(x.grad!.toArray()[0], -0), `${dtype} x.grad[0] is −0`);
    assert.deepEqual(x.grad!.toArray().map((v) => [v, Object.is(v, -0)]), [[-0, true], [0, false], [0, false], [0.5, false]]);
    assert.deepEqual(t.grad!.toArray().map((v) => [v, Object.is(v, -0)]), [[0, false], [0, false], [0, false], [-0.5, false]]);
  }
});
