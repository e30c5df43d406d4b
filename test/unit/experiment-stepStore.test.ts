/**
 * The step store: what a record reads back is what the step did (values, gradient, update, optimizer state,
 * exact norms of thinned parameters), kept rows never change after their step, the thinned older set keeps
 * the same rows the ring had, and a step that is never committed leaves nothing behind.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SGD } from '../../src/core/optim/sgd';
import { RMSprop } from '../../src/core/optim/rmsprop';
import { Tensor } from '../../src/core/tensor';
import type { StepRecord } from '../../src/experiment/records';
import { PARAM_SAMPLE, StepStore } from '../../src/experiment/stepStore';

/** √Σx², summed in order (Math.hypot rounds differently). */
const l2 = (v: number[]): number => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

const stats = { predMean: 1, predStd: 2, targetMean: 3, targetVar: 4 };

function param(name: string, values: number[], shape: number[]): Tensor {
  const t = Tensor.fromStorage(Float32Array.from(values), shape);
  t.requiresGrad = true;
  t.name = name;
  return t;
}

/** One step the way the runner drives the store: before, grads, optimizer step, commit. */
function step(store: StepStore, opt: SGD | RMSprop, params: Tensor[], grads: number[][], k: number): void {
  store.saveBefore();
  params.forEach((p, i) => (p.grad = Tensor.fromStorage(Float32Array.from(grads[i]), p.shape)));
  store.saveGrads();
  opt.step();
  store.commit(k, 0, k - 1, 10 * k, [], stats, opt.lr);
}

test('a record reads back the step: value, grad, update, momentum buffer, and exact norms of a thinned parameter', () => {
  const w = param('l.weight', [1, -2, 3, 0.5, 0, 4], [2, 3]);
  const big = param('l.big', Array.from({ length: 100 }, (_, i) => i / 10), [100]);
  const opt = new SGD([w, big], { lr: 0.5, momentum: 0.9 });
  const store = new StepStore([w, big], opt, 10, 10);
  const gw = [2, 4, -6, 0, 8, 1];
  const gb = Array.from({ length: 100 }, (_, i) => (i % 2 ? 1 : -1));
  step(store, opt, [w, big], [gw, gb], 1);
  const r = store.record(1)!;
  const f = Math.fround;
  // SGD with momentum, first step: buf = g, w ← w − lr·g (float32).
  const w1 = [1, -2, 3, 0.5, 0, 4].map((x, i) => f(x - f(0.5 * gw[i])));
  assert.deepEqual(r.params['l.weight'].value, w1);
  assert.deepEqual(r.params['l.weight'].grad, gw);
  assert.deepEqual(r.params['l.weight'].update, w1.map((x, i) => x - [1, -2, 3, 0.5, 0, 4][i]));
  assert.deepEqual(r.params['l.weight'].state, { momentum_buffer: gw });
  assert.deepEqual(r.params['l.weight'].shape, [2, 3]);
  assert.equal(r.params['l.weight'].norm, l2(w1));
  assert.equal(r.params['l.weight'].gradNorm, l2(gw));
  assert.equal(r.params['l.weight'].min, Math.min(...w1));
  assert.equal(r.params['l.weight'].max, Math.max(...w1));
  assert.equal(r.params['l.weight'].thinned, undefined);
  const b1 = Array.from(big.data);
  const bp = r.params['l.big'];
  assert.equal(bp.thinned, true);
  assert.equal(bp.value.length, PARAM_SAMPLE);
  assert.deepEqual(bp.value, b1.slice(0, PARAM_SAMPLE));
  assert.deepEqual(bp.grad, gb.slice(0, PARAM_SAMPLE));
  // Norms over all 100 entries, not the sample.
  let nn = 0;
  let uu = 0;
  for (let i = 0; i < 100; i++) {
    nn += b1[i] * b1[i];
    const u = b1[i] - f(i / 10);
    uu += u * u;
  }
  assert.equal(bp.norm, Math.sqrt(nn));
  assert.equal(bp.updateNorm, Math.sqrt(uu));
  assert.equal(bp.gradNorm, 10);
  assert.equal(bp.max, Math.max(...b1));
  assert.equal(bp.min, Math.min(...b1));
  assert.deepEqual([r.step, r.epoch, r.batch, r.loss, r.lr, r.predMean, r.predStd, r.targetMean, r.targetVar], [1, 0, 0, 10, 0.5, 1, 2, 3, 4]);
  const s = store.summary(1);
  assert.deepEqual(s.params['l.weight'].values, w1);
  assert.deepEqual(s.params['l.big'].values, b1.slice(0, 8));
  assert.equal(s.params['l.big'].norm, bp.norm);
  assert.equal(store.loss(1), 10);
});

test('RMSprop state: step count as a number, square_avg as values; a param without a grad has none', () => {
  const w = param('w', [1, 2], [2]);
  const idle = param('idle', [7], [1]);
  const opt = new RMSprop([w, idle], { lr: 0.01 });
  const store = new StepStore([w, idle], opt, 5, 5);
  store.saveBefore();
  w.grad = Tensor.fromStorage(Float32Array.from([3, -4]), [2]);
  store.saveGrads();
  opt.step();
  store.commit(1, 0, 0, 1, [], stats, 0.01);
  const r = store.record(1)!;
  const f = Math.fround;
  // v ← α·0 + (1 − α)·g², in float32.
  assert.deepEqual(r.params.w.state, { step: 1, square_avg: [3, -4].map((g) => f(f(f(1 - 0.99) * g) * g)) });
  assert.deepEqual(r.params.idle.state, {});
  assert.equal(r.params.idle.grad, null);
  assert.equal(r.params.idle.gradNorm, 0);
  assert.deepEqual(r.params.idle.update, [0]);
});

test('ring and thinned older set: every kept record is the one its step produced; recent ones are all there', () => {
  const w = param('w', [0.25, -1], [2]);
  const opt = new SGD([w], { lr: 0.125 });
  const ring = 4;
  const store = new StepStore([w], opt, ring, 1000);
  const atCommit = new Map<number, StepRecord>();
  for (let k = 1; k <= 300; k++) {
    step(store, opt, [w], [[k % 7, -(k % 5)]], k);
    atCommit.set(k, store.record(k)!);
  }
  const kept = [...atCommit.keys()].filter((k) => store.record(k));
  for (const k of kept) assert.deepEqual(store.record(k), atCommit.get(k), `step ${k}`);
  for (let k = 297; k <= 300; k++) assert.ok(kept.includes(k), `recent step ${k}`);
  const old = kept.filter((k) => k <= 296);
  assert.ok(old.length >= ring / 2 && old.length <= ring + 1, `${old.length} old rows`);
  // Old rows are spread over the run on one power-of-two stride.
  const stride = old[1] - old[0];
  assert.equal(stride & (stride - 1), 0, `stride ${stride}`);
  old.forEach((k) => assert.equal(k % stride, 0));
  assert.ok(old[old.length - 1] > 150, `old rows reach step ${old[old.length - 1]}`);
  assert.equal(store.record(0), undefined);
  assert.equal(store.record(301), undefined);
  assert.equal(store.record(299.5), undefined);
  assert.equal(store.record(NaN), undefined);
});

test('a step that is never committed (it failed mid-way) changes no kept record', () => {
  const w = param('w', [1, 1], [2]);
  const opt = new SGD([w], { lr: 0.5 });
  const store = new StepStore([w], opt, 2, 10);
  step(store, opt, [w], [[1, 2]], 1);
  step(store, opt, [w], [[3, 4]], 2);
  const before = [store.record(1), store.record(2)];
  store.saveBefore();
  w.grad = Tensor.fromStorage(Float32Array.from([100, 200]), [2]);
  store.saveGrads();
  assert.deepEqual([store.record(1), store.record(2)], before);
  assert.equal(store.count, 2);
  assert.equal(store.record(3), undefined);
});

test('state slots follow the hyperparameters, and a model too wide for the budget keeps fewer full records', () => {
  const w = param('w', Array.from({ length: 100 }, () => 1), [100]);
  // Plain SGD has no state at all; with momentum, a momentum_buffer.
  assert.deepEqual(new SGD([w], { lr: 0.1 }).stateKeys, []);
  assert.deepEqual(new SGD([w], { lr: 0.1, momentum: 0.5 }).stateKeys, ['momentum_buffer']);
  assert.deepEqual(new RMSprop([w]).stateKeys, ['step', 'square_avg']);
  assert.deepEqual(new RMSprop([w], { momentum: 0.9, centered: true }).stateKeys, ['step', 'square_avg', 'momentum_buffer', 'grad_avg']);
  const opt = new SGD([w], { lr: 0.1 });
  // A row: 5 step cells + value, grad flag, grad, update samples (64 each) and 5 scalars = 203 numbers.
  assert.equal(new StepStore([w], opt, 2000, 3000).ringSize, 2000);
  assert.equal(new StepStore([w], opt, 2000, 3000, 203 * 10).ringSize, 10);
  assert.equal(new StepStore([w], opt, 2000, 3000, 100).ringSize, 1, 'always at least the last step');
  const store = new StepStore([w], opt, 2000, 3000, 203 * 10);
  for (let k = 1; k <= 30; k++) step(store, opt, [w], [Array.from({ length: 100 }, () => k)], k);
  for (let k = 21; k <= 30; k++) assert.equal(store.record(k)?.params.w.grad?.[0], k, `recent step ${k}`);
  assert.equal(store.summary(1).params.w.values.length, 8, 'every step keeps its scalars');
});
