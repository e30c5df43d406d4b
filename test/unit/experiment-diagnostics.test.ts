/**
 * Every DiagnosisCode: a spec that triggers it (with the numbers in its message and evidence) and one that must
 * not; healthy presets raise no error or warning; what-if runs report both final losses.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Diagnosis, DiagnosisCode } from '../../src/experiment/records';
import { Runner } from '../../src/experiment/runner';
import type { ExperimentSpec, LossType } from '../../src/experiment/spec';
import { assertClose, ran, runner, seedGolden, variant } from './experiment-presetRuns';

// A Record over the union, so a code added to records.ts without a test here fails to compile.
const CODES: Record<DiagnosisCode, true> = {
  'loss-broadcast': true,
  'discarded-result': true,
  'loss-plateau-mean': true,
  divergence: true,
  'exploding-gradient': true,
  'vanishing-gradient': true,
  'unscaled-features': true,
  'lr-too-high': true,
  'lr-too-low': true,
  'grad-accumulation': true,
};
const ALL_CODES = Object.keys(CODES) as DiagnosisCode[];
const covered = new Set<DiagnosisCode>();

function find(r: Runner, code: DiagnosisCode): Diagnosis {
  const d = r.diagnostics().find((x) => x.code === code);
  assert.ok(d, `expected a ${code} diagnosis; got ${r.diagnostics().map((x) => x.code).join(', ') || 'none'}`);
  covered.add(code);
  return d;
}
function absent(r: Runner, code: DiagnosisCode): void {
  const d = r.diagnostics().find((x) => x.code === code);
  assert.equal(d, undefined, `unexpected ${code}: ${d?.message}`);
}

// The full seed run is shared: broadcast, discarded result, plateau and the what-ifs all look at it.
const seed = ran('seed-broadcast');
const seedFixed = ran('seed-fixed');

const LOSS_NAMES: Record<LossType, { op: string; words: RegExp }> = {
  mse: { op: 'mse_loss', words: /^MSELoss compared a \[100,1\] prediction with a \[100\] target; they broadcast to \[100,100\]/ },
  l1: { op: 'l1_loss', words: /^L1Loss compared a \[100,1\] prediction with a \[100\] target; they broadcast to \[100,100\]/ },
  huber: { op: 'huber_loss', words: /^HuberLoss compared a \[100,1\] prediction with a \[100\] target; they broadcast to \[100,100\]/ },
  smooth_l1: { op: 'smooth_l1_loss', words: /^SmoothL1Loss compared a \[100,1\] prediction with a \[100\] target; they broadcast to \[100,100\]/ },
  gaussian_nll: { op: 'gaussian_nll_loss', words: /^GaussianNLLLoss compared a \[100,1\] prediction with a \[100\] target; they broadcast to \[100,100\]/ },
  handwritten_mse: { op: 'sub', words: /^The hand-written loss subtracts a \[100\] target from a \[100,1\] prediction; both are expanded to \[100,100\]/ },
};

for (const [type, { op, words }] of Object.entries(LOSS_NAMES) as [LossType, (typeof LOSS_NAMES)[LossType]][]) {
  test(`loss-broadcast: ${type} with a [100,1] prediction and a [100] target is named, with its shapes, at step 1`, () => {
    const r = ran('seed-broadcast', (s) => {
      s.loss.type = type;
      s.training.epochs = 1;
    });
    const d = find(r, 'loss-broadcast');
    assert.equal(d.severity, 'error');
    assert.equal(d.step, 1);
    assert.match(d.message, words);
    assert.match(d.message, /squeeze the prediction \(`pred\.squeeze\(-1\)`\) or give the target a column \(`y\.unsqueeze\(1\)`\)/);
    assert.deepEqual(d.evidence, { loss: op, input: [100, 1], target: [100], elements: [100, 100] });
    assert.equal(d.fix?.specFix, 'squeeze-prediction');
    // opIndex points at the op in step 1's trace.
    const traced = r.record(1)!.record.ops[d.opIndex!];
    assert.equal(traced.op, op);
    assert.deepEqual(traced.broadcast?.shape, [100, 100]);
    if (type === 'handwritten_mse') assert.deepEqual(traced.broadcast?.expanded, [[1], [0]], 'both operands of the sub expanded');
  });

  test(`loss-broadcast: ${type} with matching [100] shapes is not flagged`, () => {
    const r = ran('seed-fixed', (s) => {
      s.loss.type = type;
      s.training.epochs = 1;
    });
    absent(r, 'loss-broadcast');
    // (gaussian_nll's `× 0.5` broadcasts a scalar, which is fine: only the loss and its sub matter.)
    assert.deepEqual(r.record(1)!.record.ops.filter((o) => (o.loss || o.op === 'sub') && o.broadcast).map((o) => o.op), []);
  });
}

test('loss-broadcast: giving the target a column (targetShape [-1, 1], i.e. y.unsqueeze(1)) also clears it', () => {
  const r = ran('seed-broadcast', (s) => {
    s.loss.targetShape = [-1, 1];
    s.training.epochs = 1;
  });
  absent(r, 'loss-broadcast');
  const loss = r.record(1)!.record.ops.find((o) => o.loss)!;
  assert.deepEqual(loss.inputs, [[100, 1], [100, 1]]);
});

test('loss-broadcast: a hand-written sub where only the target is expanded ([100,2] − [100,1]) is not a grid broadcast', () => {
  const mutate = (t: LossType) => (s: ExperimentSpec) => {
    s.model.layers.layer1.out = 2;
    s.model.forward = ['layer1'];
    s.loss = { type: t, targetShape: [-1, 1] };
    s.training.epochs = 1;
  };
  const hand = ran('seed-fixed', mutate('handwritten_mse'));
  const sub = hand.record(1)!.record.ops.find((o) => o.op === 'sub')!;
  assert.deepEqual(sub.broadcast, { shape: [100, 2], expanded: [[], [1]] });
  absent(hand, 'loss-broadcast');
  // MSELoss on the same shapes does broadcast (PyTorch warns) and is named with the shapes.
  const mse = ran('seed-fixed', mutate('mse'));
  const d = find(mse, 'loss-broadcast');
  assert.match(d.message, /MSELoss compared a \[100,2\] prediction with a \[100,1\] target; they broadcast to \[100,2\]/);
  assert.equal(d.fix?.specFix, undefined, 'no squeeze fixes a [100,2] prediction');
});

test('discarded-result: the seed\'s bare x.squeeze() is reported with its shapes; the assigned squeeze is not', () => {
  const d = find(seed, 'discarded-result');
  assert.equal(d.severity, 'warning');
  assert.equal(d.step, 1);
  assert.match(d.message, /`x\.squeeze\(\)` ran on a \[100,1\] tensor but its \[100\] result was thrown away/);
  assert.match(d.message, /so x is still \[100,1\]/);
  assert.deepEqual(d.evidence, { op: 'squeeze', input: [100, 1], output: [100] });
  assert.equal(d.fix?.specFix, 'assign-discarded');
  const op = seed.record(1)!.record.ops[d.opIndex!];
  assert.equal(op.op, 'squeeze');
  assert.equal(op.discarded, true);
  absent(seedFixed, 'discarded-result');
  assert.equal(seedFixed.record(1)!.record.ops.some((o) => o.discarded), false);
});

test('loss-plateau-mean: the seed run sits at 0.99995 × Var(y) and the broadcast is named as the cause', () => {
  const g = seedGolden().broadcast;
  const d = find(seed, 'loss-plateau-mean');
  assert.equal(d.severity, 'error');
  assert.equal(d.step, 200, 'first seen once two 100-step windows are flat');
  assert.equal(d.evidence.window, 1000);
  assert.ok(Math.abs((d.evidence.meanLoss as number) - g.mean_loss_last_1000) / g.mean_loss_last_1000 < 1e-3, `meanLoss ${d.evidence.meanLoss}`);
  assert.ok(Math.abs((d.evidence.targetVar as number) - g.y_var) < 1e-6);
  assert.ok(Math.abs((d.evidence.ratio as number) - 0.99995) < 5e-5, `ratio ${d.evidence.ratio}`);
  assert.ok((d.evidence.predStdOverTargetStd as number) < 0.05);
  assert.match(d.message, /over the last 1,000 steps \(to step 3000\) it averaged 342,28\d(\.\d)? = 0\.9999\d × Var\(y\) \(342,302\.5\)/);
  assert.match(d.message, /The cause is the loss broadcast \(loss-broadcast, step 1\): against an \[100,100\] grid/);
  assert.deepEqual(d.fix, find(seed, 'loss-broadcast').fix);
  absent(seedFixed, 'loss-plateau-mean');
  // One epoch (100 steps) is too short to call a plateau.
  absent(ran('seed-broadcast', (s) => (s.training.epochs = 1)), 'loss-plateau-mean');
});

test('divergence: lr-diverges stops with state "diverged" at the step it names; step() then does nothing', { timeout: 20_000 }, async () => {
  const r = runner('lr-diverges');
  await r.run({ chunkMs: 5 });
  assert.equal(r.state, 'diverged');
  const d = find(r, 'divergence');
  assert.equal(d.severity, 'error');
  assert.equal(d.step, r.stepCount);
  assert.equal(d.evidence.step, r.stepCount);
  assert.ok(r.stepCount < 100, `stopped at step ${r.stepCount} of ${r.totalSteps}`);
  assert.match(d.message, new RegExp(`^Training diverged at step ${d.step}: `));
  assert.match(d.message, /lr 0\.001/);
  assert.equal(d.evidence.lr, 0.001);
  assert.equal(d.evidence.firstLoss, r.summaries[0].loss);
  assert.ok(r.summaries[d.step - 1].loss > 1e6 * r.summaries[0].loss, 'the loss grew by orders of magnitude');
  assert.equal(r.step(), undefined);
  assert.equal(r.summaries.length, d.step);
  await r.run();
  assert.equal(r.stepCount, d.step, 'a diverged run does not resume');
  absent(seedFixed, 'divergence');
  assert.equal(seedFixed.state, 'done');
});

test('divergence: NaN in the data stops the run at step 1 with "the loss became NaN"', async () => {
  const v = variant('seed-fixed');
  v.data.x.data[3] = NaN; // row 1 of batch 0
  const r = new Runner(v.spec, { data: v.data });
  await r.run();
  assert.equal(r.state, 'diverged');
  assert.equal(r.stepCount, 1);
  const d = find(r, 'divergence');
  assert.equal(d.step, 1);
  assert.match(d.message, /^Training diverged at step 1: the loss became NaN/);
  assert.equal(d.evidence.loss, 'NaN');
});

test('an inline value that overflows float32 (1e300 → Infinity) is refused before training, naming the data', () => {
  assert.throws(
    () => ran('standardized', (s) => {
      s.data = { kind: 'inline', x: [[1, 2], [2, 1], [1e300, 1], [5, 6]], y: [1, 2, 3, 4] };
      s.training = { epochs: 10, batchSize: 2 };
    }),
    /data: the data holds non-finite values after the cast to float32 \(1 in x\)/,
  );
});

test('exploding-gradient: lr-diverges\' gradient norm grows >1000× its first value; seed-fixed\'s does not', () => {
  const r = ran('lr-diverges');
  const d = find(r, 'exploding-gradient');
  assert.equal(d.severity, 'error');
  const g0 = r.summaries[0].params['layer1.weight'].gradNorm;
  const gk = r.summaries[d.step - 1].params['layer1.weight'].gradNorm;
  assert.equal(d.evidence.param, 'layer1.weight');
  assert.equal(d.evidence.firstGradNorm, g0);
  assert.equal(d.evidence.gradNorm, gk);
  assert.ok(gk > 1000 * g0);
  // The first step it happened: one step earlier it had not.
  assert.ok(r.summaries[d.step - 2].params['layer1.weight'].gradNorm <= 1000 * g0);
  assert.match(d.message, new RegExp(`^layer1\\.weight's gradient norm reached [\\d.e+]+ at step ${d.step}, [\\d,.]+× its first value \\(112,310\\.5\\)`));
  assert.ok(d.step < r.stepCount, 'seen before the run was stopped');
  absent(seedFixed, 'exploding-gradient');
});

test('vanishing-gradient: an MLP whose hidden ReLUs are all dead (biasValue -100) stops learning; the healthy MLP does not', () => {
  const dead = ran('mlp', (s) => (s.model.layers.hidden.biasValue = -100));
  const d = find(dead, 'vanishing-gradient');
  assert.equal(d.severity, 'warning');
  assert.equal(d.step, 20);
  assert.equal(d.evidence.param, 'hidden.weight');
  assert.equal(d.evidence.gradNorm, 0);
  assert.equal(d.evidence.steps, 20);
  assert.equal(d.evidence.loss, dead.summaries[19].loss);
  assert.match(d.message, /^hidden\.weight's gradient has been ~0 \(norm 0\) for 20 steps while the loss is still [\d.]+ \(/);
  for (let k = 1; k <= 20; k++) assert.equal(dead.summaries[k - 1].params['hidden.weight'].gradNorm, 0, `step ${k}`);
  const healthy = ran('mlp');
  absent(healthy, 'vanishing-gradient');
  assert.ok(healthy.summaries.at(-1)!.loss < 0.05 * healthy.summaries[0].loss);
});

test('unscaled-features: ×100 inputs name each feature\'s std and the ratio; standardized inputs do not', () => {
  const r = ran('unscaled');
  const d = find(r, 'unscaled-features');
  assert.equal(d.severity, 'warning');
  assert.equal(d.step, 1);
  assert.deepEqual(d.evidence.featureStd, r.data.featureStd);
  const [s1, s2] = r.data.featureStd;
  assert.ok(s1 > 99 && s1 < 101 && s2 > 101 && s2 < 104, `stds ${s1}, ${s2}`);
  assert.equal(d.evidence.ratio, s2 / s1);
  assert.match(d.message, /standard deviations x1 99\.8, x2 102\.5 \(largest 102\.5, largest\/smallest ratio 1\.027\)/);
  assert.equal(d.fix?.specFix, 'standardize-features');
  absent(ran('standardized'), 'unscaled-features');
  // Columns of very different scale: the CSV without standardizing (m², rooms, years).
  const csv = ran('csv-example', (s) => {
    if (s.data.kind === 'csv') s.data.standardize = false;
    s.optimizer.lr = 1e-6;
    s.training.epochs = 1;
  });
  const c = find(csv, 'unscaled-features');
  const std = csv.data.featureStd;
  assert.equal(c.evidence.ratio, Math.max(...std) / Math.min(...std));
  assert.match(c.message, /size_m2 [\d.]+, rooms [\d.]+, age_years [\d.]+/);
});

test('lr-too-high: SGD lr 1.05 on standardized data is flagged at step 20, before it diverges', () => {
  const r = ran('standardized', (s) => {
    s.optimizer.lr = 1.05;
    s.training.shuffle = false;
  });
  const d = find(r, 'lr-too-high');
  assert.equal(d.severity, 'warning');
  assert.equal(d.step, 20);
  const L = r.summaries.map((s) => s.loss);
  const before = L.slice(0, 10).reduce((a, b) => a + b) / 10;
  const now = L.slice(10, 20).reduce((a, b) => a + b) / 10;
  assert.ok(Math.abs((d.evidence.lossBefore as number) - before) < 1e-6 * before);
  assert.ok(Math.abs((d.evidence.lossNow as number) - now) < 1e-6 * now);
  assert.ok(now > 1.5 * before);
  assert.ok((d.evidence.updateToWeight as number) > 0.1);
  assert.equal(d.evidence.lr, 1.05);
  assert.match(d.message, /The learning rate 1\.05 is too high/);
  assert.equal(r.state, 'diverged');
  assert.ok(find(r, 'divergence').step > d.step);
  absent(ran('standardized'), 'lr-too-high');
});

test('lr-too-low: SGD lr 1e-9 on standardized data barely moves the weights; lr 0.1 does not trigger it', () => {
  const r = ran('standardized', (s) => (s.optimizer.lr = 1e-9));
  const d = find(r, 'lr-too-low');
  assert.equal(d.severity, 'warning');
  // Judged over 100-step windows: the mean loss of the window's first 10 steps against its last 10.
  assert.ok(d.step >= 100 && d.step <= 300, `step ${d.step}`);
  const L = r.summaries.map((x) => x.loss);
  const mean = (a: number[]) => a.reduce((t, x) => t + x, 0) / a.length;
  const early = mean(L.slice(d.step - 100, d.step - 90));
  const late = mean(L.slice(d.step - 10, d.step));
  assert.ok(Math.abs((early - late) / early - (d.evidence.lossChange100 as number)) < 1e-12);
  assert.ok((d.evidence.updateToWeight as number) < 1e-5 && (d.evidence.updateToWeight as number) > 0);
  assert.ok(Math.abs(d.evidence.lossChange100 as number) < 0.01);
  assert.equal(d.evidence.lr, 1e-9);
  assert.match(d.message, /The learning rate 1\.00e-9 is too low/);
  absent(ran('standardized'), 'lr-too-low');
});

test('grad-accumulation: zeroGrad false is reported at step 2 with both gradient norms', () => {
  const r = ran('forgotten-zero-grad');
  const d = find(r, 'grad-accumulation');
  assert.equal(d.severity, 'error');
  assert.equal(d.step, 2);
  const g1 = r.summaries[0].params['layer1.weight'].gradNorm;
  const g2 = r.summaries[1].params['layer1.weight'].gradNorm;
  assert.deepEqual(d.evidence, { param: 'layer1.weight', gradNormStep1: g1, gradNormStep2: g2 });
  assert.match(d.message, /training\.zeroGrad: false/);
  assert.match(d.message, new RegExp(`gradient norm is ${g2.toPrecision(4).replace('.', '\\.')} at step 2 against ${g1.toPrecision(4).replace('.', '\\.')} at step 1`));
  assert.equal(d.fix?.specFix, 'enable-zero-grad');
  absent(ran('standardized'), 'grad-accumulation');
});

test('healthy presets raise no error and no warning (seed-fixed only its unscaled inputs)', () => {
  const fixedCodes = seedFixed.diagnostics().map((d) => `${d.severity} ${d.code}`);
  assert.deepEqual(fixedCodes, ['warning unscaled-features']);
  for (const name of ['standardized', 'mlp', 'csv-example']) {
    const r = ran(name);
    assert.equal(r.state, 'done', name);
    const loud = r.diagnostics().filter((d) => d.severity !== 'info');
    assert.deepEqual(loud.map((d) => d.code), [], `${name}: ${loud.map((d) => d.message).join(' | ')}`);
    assert.ok(r.summaries.at(-1)!.loss < 0.05 * r.summaries[0].loss, `${name} converges`);
  }
});

test('what-if loss-broadcast and discarded-result: the fixed seed converges (< 10) while the original stays > 3e5', async () => {
  const g = seedGolden().fixed;
  for (const code of ['loss-broadcast', 'discarded-result'] as const) {
    const w = await seed.whatIf(code);
    assert.ok(w, code);
    assert.equal(w.code, code);
    assert.ok(w.originalFinalLoss > 3e5, `${code}: original ${w.originalFinalLoss}`);
    assert.ok(w.fixedFinalLoss < 10, `${code}: fixed ${w.fixedFinalLoss}`);
    assertClose(w.finalParams['layer1.weight'], g.final_weight.flat(), 1e-4, 5, `${code}: fixed run's final weight vs torch`);
    assert.ok(w.losses.length <= 1000 && w.losses.length > 500);
    assert.deepEqual(w.losses[w.losses.length - 1][0], 3000);
    assert.ok(w.fix.length > 10);
  }
  assert.equal(seed.stepCount, 3000, 'the original run is untouched');
});

test('what-if unscaled-features: standardizing the unscaled preset lowers its final loss', async () => {
  const r = ran('unscaled');
  const w = await r.whatIf('unscaled-features');
  assert.ok(w);
  assert.ok(w.originalFinalLoss > 1000, `original ${w.originalFinalLoss}`);
  assert.ok(w.fixedFinalLoss < 0.01 * w.originalFinalLoss, `fixed ${w.fixedFinalLoss} vs original ${w.originalFinalLoss}`);
  // A code with no spec fix, or one not diagnosed, has no what-if.
  assert.equal(await r.whatIf('divergence'), undefined);
  assert.equal(await ran('mlp', (s) => (s.model.layers.hidden.biasValue = -100)).whatIf('vanishing-gradient'), undefined);
});

test('every DiagnosisCode was triggered by a test above', () => {
  assert.deepEqual(ALL_CODES.filter((c) => !covered.has(c)), []);
});

test('batch size 1: single losses spanning many orders of magnitude are not a divergence (judged on 10-step means)', () => {
  const r = ran('seed-fixed', (s) => {
    s.training.batchSize = 1;
    s.training.epochs = 1;
  });
  assert.equal(r.state, 'done');
  assert.equal(r.stepCount, 10_000);
  absent(r, 'divergence');
  // The case that used to stop it: some single loss is over a million times the lowest one.
  const L = r.summaries.map((s) => s.loss);
  const lowest = Math.min(...L);
  assert.ok(L.some((x) => x > 1e6 * lowest), `largest/lowest single loss ${Math.max(...L) / lowest}`);
  assert.ok(L.slice(-100).reduce((a, b) => a + b) / 100 < 0.1 * L[0], 'and it trains');
});
