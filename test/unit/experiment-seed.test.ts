/**
 * The seed presets against real PyTorch: the seed recipe run by scripts/make-seed-golden.py (torch 1.13) after
 * np.random.seed(0); torch.manual_seed(0). Data, initial weight, first losses, the plateau, weights along the way.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildDataset } from '../../src/experiment/data';
import { Model } from '../../src/experiment/model';
import type { StepRecord } from '../../src/experiment/records';
import { assertClose, flat, presetSpec, runner, seedGolden } from './experiment-presetRuns';

const golden = seedGolden();
const KEEP = Object.keys(golden.broadcast.steps).map(Number); // 1, 2, 3, 10, 100, 1000, 3000

/** Runs a preset to the end, keeping the full records of the golden's steps. */
function runKeeping(name: string) {
  const r = runner(name, undefined, { maxRecordedSteps: 10 });
  const kept = new Map<number, StepRecord>();
  r.runSync(undefined, (rec) => {
    if (KEEP.includes(rec.step)) kept.set(rec.step, rec);
  });
  return { r, kept };
}

const broadcast = runKeeping('seed-broadcast');

test('the numpy-legacy recipe makes the seed script\'s X and y exactly (float32)', () => {
  const data = buildDataset(presetSpec('seed-broadcast'));
  assert.deepEqual(data.x.shape, [10000, 2]);
  assert.deepEqual(data.y.shape, [10000]);
  const x = data.x.values();
  const y = data.y.values();
  assert.ok(x instanceof Float32Array, 'dtype float32 gives float32 storage');
  // Exact: the same doubles, scaled by 100 and rounded to float32 the same way as torch.Tensor(np_array).
  assert.deepEqual(Array.from(x.slice(0, 6)), golden.broadcast.x_first_rows.flat());
  assert.deepEqual(Array.from(y.slice(0, 3)), golden.broadcast.y_first);
  let xs = 0;
  for (const v of x) xs += v;
  let ys = 0;
  for (const v of y) ys += v;
  // Sums of 20,000 / 10,000 float32 values in float64; only the summation order differs from torch's.
  assert.ok(Math.abs(xs - golden.broadcast.x_sum) < 1e-6, `sum(X) ${xs} vs torch ${golden.broadcast.x_sum}`);
  assert.ok(Math.abs(ys - golden.broadcast.y_sum) < 1e-6, `sum(y) ${ys} vs torch ${golden.broadcast.y_sum}`);
  assert.ok(Math.abs(data.targetVar - golden.broadcast.y_var) / golden.broadcast.y_var < 1e-12, `Var(y) ${data.targetVar} vs ${golden.broadcast.y_var}`);
  assert.deepEqual(data.trueWeights, [5, 3]);
});

test('the initial weight is torch.manual_seed(0)\'s nn.Linear(2, 1) weight, bit for bit', () => {
  const model = new Model(presetSpec('seed-broadcast').model, 'float32');
  const w = model.layers.get('layer1')!.weight;
  assert.deepEqual(w.shape, [1, 2]);
  assert.deepEqual(Array.from(w.values()), [-0.005293981172144413, 0.37932288646698]);
  assert.deepEqual(golden.broadcast.w0, [[-0.005293981172144413, 0.37932288646698]]);
  // The first record's value − update is the weight before step 1, the same numbers.
  const first = broadcast.kept.get(1)!.params['layer1.weight'];
  assert.deepEqual(first.value.map((v, i) => v - first.update[i]), [-0.005293981172144413, 0.37932288646698]);
});

test('seed-broadcast: the first losses match PyTorch within 1e-6 relative', () => {
  const L = broadcast.r.summaries.slice(0, 10).map((s) => s.loss);
  assert.deepEqual(golden.broadcast.first_losses.slice(0, 3), [334967.125, 345182.40625, 288178.625]);
  golden.broadcast.first_losses.forEach((g, i) => assert.ok(Math.abs(L[i] - g) / g < 1e-6, `loss ${i + 1}: ${L[i]} vs torch ${g}`));
});

test('seed-broadcast: loss, grad, weight and RMSprop square_avg at steps 1…3000 match PyTorch (float32 drift ≤ 1e-4)', () => {
  for (const k of KEEP) {
    const g = golden.broadcast.steps[String(k)];
    const p = broadcast.kept.get(k)?.params['layer1.weight'];
    assert.ok(p, `record of step ${k}`);
    assert.deepEqual(p.shape, [1, 2]);
    const w = flat(g.weight);
    assertClose(p.value, w, 1e-4, Math.max(...w.map(Math.abs)), `weight after step ${k}`);
    const gr = flat(g.grad);
    assertClose(p.grad!, gr, 1e-4, Math.max(...gr.map(Math.abs)), `grad of step ${k}`);
    const sq = flat(g.square_avg);
    assertClose(p.state.square_avg as number[], sq, 1e-4, Math.max(...sq), `square_avg after step ${k}`);
    assert.equal(p.state.step, k);
    assert.ok(Math.abs(broadcast.kept.get(k)!.loss - g.loss) <= 1e-4 * g.loss, `loss of step ${k}`);
  }
});

test('seed-broadcast: the loss plateaus at 0.99995·Var(y) ≈ 342,285 and the weight ends near [[0.024, 0.031]]', () => {
  const { r } = broadcast;
  assert.equal(r.state, 'done');
  assert.equal(r.stepCount, 3000);
  assert.equal(r.summaries.length, 3000);
  const last = r.summaries.slice(-1000).map((s) => s.loss);
  const mean = last.reduce((a, b) => a + b, 0) / last.length;
  assert.ok(Math.abs(mean - golden.broadcast.mean_loss_last_1000) / golden.broadcast.mean_loss_last_1000 < 1e-3, `plateau ${mean} vs torch ${golden.broadcast.mean_loss_last_1000}`);
  assert.ok(Math.abs(mean - 342285) / 342285 < 1e-3, `plateau ${mean}`);
  const ratio = mean / r.data.targetVar;
  assert.ok(Math.abs(ratio - 0.99995) < 5e-5, `plateau / Var(y) = ${ratio}`);
  const w = r.summaries[2999].params['layer1.weight'].values;
  assertClose(w, flat(golden.broadcast.final_weight), 1e-4, 0.031, 'final weight vs torch');
  assertClose(w, [0.024, 0.031], 0.03, 1, 'final weight ≈ [[0.024, 0.031]]');
});

test('seed-fixed: first losses and weights match PyTorch; it ends near [4.9974, 3.0000]', () => {
  const { r, kept } = runKeeping('seed-fixed');
  const L = r.summaries.slice(0, 10).map((s) => s.loss);
  golden.fixed.first_losses.forEach((g, i) => assert.ok(Math.abs(L[i] - g) / g < 1e-6, `loss ${i + 1}: ${L[i]} vs torch ${g}`));
  for (const k of KEEP) {
    const w = flat(golden.fixed.steps[String(k)].weight);
    assertClose(kept.get(k)!.params['layer1.weight'].value, w, 1e-4, Math.max(...w.map(Math.abs)), `weight after step ${k}`);
  }
  const w = r.summaries[2999].params['layer1.weight'].values;
  assertClose(w, flat(golden.fixed.final_weight), 1e-5, 5, 'final weight vs torch');
  assertClose(w, [4.9974, 3.0], 1e-4, 5, 'final weight ≈ [4.9974, 3.0000]');
  const mean = r.summaries.slice(-1000).reduce((a, s) => a + s.loss, 0) / 1000;
  assert.ok(Math.abs(mean - golden.fixed.mean_loss_last_1000) / golden.fixed.mean_loss_last_1000 < 1e-3, `mean loss ${mean} vs torch ${golden.fixed.mean_loss_last_1000}`);
  assert.deepEqual(r.diagnostics().map((d) => d.code), ['unscaled-features']);
});

test('seed-1d-weight: a 1-D weight gives a [100] prediction, no loss broadcast, and training reaches [5, 3]', () => {
  const r = runner('seed-1d-weight');
  const first = r.step()!;
  const linear = first.ops.find((o) => o.op === 'linear')!;
  assert.deepEqual(linear.inputs, [[100, 2], [2]]);
  assert.deepEqual(linear.output, [100]);
  const loss = first.ops.find((o) => o.loss)!;
  assert.deepEqual(loss.inputs, [[100], [100]]);
  assert.equal(loss.broadcast, undefined);
  assert.deepEqual(first.params['layer1.weight'].shape, [2]);
  const p = first.params['layer1.weight'];
  assertClose(p.value.map((v, i) => v - p.update[i]), [2, 3], 0, 1, 'hand-set weight');
  // RMSprop's first step moves each weight by lr/sqrt(1−alpha) = 0.1 against the sign of its grad.
  p.update.forEach((u, i) => assert.ok(Math.abs(Math.abs(u) - 0.1) < 1e-6 && Math.sign(u) === -Math.sign(p.grad![i]), `update ${u} for grad ${p.grad![i]}`));
  r.runSync();
  const codes = r.diagnostics().map((d) => d.code);
  assert.ok(!codes.includes('loss-broadcast'), `diagnoses: ${codes.join(', ')}`);
  assert.ok(!codes.includes('loss-plateau-mean'), `diagnoses: ${codes.join(', ')}`);
  assertClose(r.summaries.at(-1)!.params['layer1.weight'].values, [5, 3], 1e-3, 5, 'final 1-D weight');
});
