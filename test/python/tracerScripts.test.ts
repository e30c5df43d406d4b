/**
 * The PyTorch tracer on scripts that reproduce each bug: codes, exact lines, step values against closed forms.
 * Runs real PyTorch (Debian python3-torch); skips only when torch is missing and CI is not set.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import type { Diagnosis } from '../../src/experiment/records';
import { TracedRun } from '../../src/tracer/tracedRun';
import { PYTHON, SKIP, lineOf, script } from './torchHost';

async function trace(name: string, args: string[] = [], extra: { every?: number } = {}) {
  const run = new TracedRun({ python: PYTHON, script: script(name), args, every: extra.every });
  let stdout = '';
  let stderr = '';
  run.onOutput((s, t) => (s === 'stdout' ? (stdout += t) : (stderr += t)));
  run.start();
  const out = await run.done;
  return { run, out, stdout, stderr };
}

const codes = (ds: Diagnosis[]) => ds.map((d) => d.code).sort();
function only(ds: Diagnosis[], code: string): Diagnosis {
  const m = ds.filter((d) => d.code === code);
  assert.equal(m.length, 1, `expected one ${code}, got ${JSON.stringify(codes(ds))}`);
  return m[0];
}

describe('tracer on real PyTorch scripts', { skip: SKIP, timeout: 300_000 }, () => {
  it('seed: [N,1] vs [N] — loss-broadcast, discarded squeeze, unscaled inputs, plateau, at their lines; golden losses', async () => {
    const f = 'seed_broadcast.py';
    const { run, out, stdout } = await trace(f, ['--epochs', '1']);
    assert.equal(out.state, 'done', out.message);
    assert.equal(run.stepCount, 100);
    assert.match(stdout, /epoch 0 loss/);
    const ds = run.diagnostics();
    assert.deepEqual(codes(ds), ['discarded-result', 'loss-broadcast', 'loss-plateau-mean', 'unscaled-features']);
    const lb = only(ds, 'loss-broadcast');
    assert.equal(lb.location?.line, lineOf(f, 'loss-broadcast'));
    assert.equal(lb.location?.file, script(f));
    assert.equal(lb.severity, 'error');
    assert.deepEqual(lb.evidence.inputShape, [100, 1]);
    assert.deepEqual(lb.evidence.targetShape, [100]);
    assert.deepEqual(lb.evidence.broadcastShape, [100, 100]);
    // The quick fix edit: `pred` in `criterion(pred, yb)` becomes `pred.squeeze(-1)`.
    const line = '        loss = criterion(pred, yb)  # LINE:loss-broadcast';
    assert.equal(lb.evidence.editText, 'pred.squeeze(-1)');
    assert.equal(lb.evidence.editCol, line.indexOf('pred,'));
    assert.equal(lb.evidence.editEndCol, line.indexOf('pred,') + 4);
    const dr = only(ds, 'discarded-result');
    assert.equal(dr.location?.line, lineOf(f, 'discarded-result'));
    assert.equal(dr.evidence.editText, 'x = x.squeeze()');
    assert.deepEqual(dr.evidence.resultShape, [100]);
    assert.equal(only(ds, 'unscaled-features').location?.line, lineOf(f, 'unscaled-features'));
    const pl = only(ds, 'loss-plateau-mean');
    assert.ok(Math.abs((pl.evidence.ratio as number) - 1) < 0.1, `plateau ratio ${pl.evidence.ratio}`);

    // PyTorch's own numbers for the seed with seed 0 (float32): the first three losses.
    const s = run.summaries;
    assert.deepEqual(s.slice(0, 3).map((x) => x.loss), [334967.125, 345182.40625, 288178.625]);
    // RMSprop's first step from w0 = [[-0.005293981, 0.379322886]]: square_avg = (1-α)g², so the update is
    // -lr·g/sqrt(0.01·g²) = -0.1·sign(g) per weight.
    const r1 = run.record(1)!.record.params['layer1.weight'];
    const w0 = [-0.005293981172144413, 0.37932288646698];
    assert.deepEqual(r1.shape, [1, 2]);
    for (let i = 0; i < 2; i++) {
      const g = r1.grad![i];
      assert.ok(Math.abs(r1.value[i] - (w0[i] - 0.1 * Math.sign(g))) < 1e-6, `w[${i}] = ${r1.value[i]}`);
      assert.ok(Math.abs((r1.state.square_avg as number[])[i] - 0.01 * g * g) <= 1e-6 * g * g);
      assert.ok(Math.abs(r1.update[i] + 0.1 * Math.sign(g)) < 1e-6);
    }
    assert.equal(r1.state.step, 1);
    assert.ok(Math.abs(r1.gradNorm - Math.hypot(...r1.grad!)) < 1e-9 * r1.gradNorm);
    // The ops of step 1: linear [100,2]x[1,2] → [100,1] in layer1, the discarded squeeze, the broadcasting loss.
    const ops = run.record(1)!.record.ops;
    assert.deepEqual(ops.map((o) => o.op), ['linear', 'squeeze', 'mse_loss']);
    assert.deepEqual(ops[0].inputs, [[100, 2], [1, 2]]);
    assert.deepEqual(ops[0].output, [100, 1]);
    assert.equal(ops[0].label, 'layer1');
    assert.equal(ops[0].source?.line, lineOf(f, 'unscaled-features'));
    assert.equal(ops[1].discarded, true);
    assert.deepEqual(ops[2].broadcast, { shape: [100, 100], expanded: [[1], [0]] });
    assert.equal(ops[2].loss, true);
    // Later steps share the forward pass of step 1 (sent once, referenced after).
    assert.deepEqual(run.record(50)!.record.ops.map((o) => o.op), ['linear', 'squeeze', 'mse_loss']);
    assert.equal(run.info.optimizer.type, 'RMSprop');
    assert.equal(run.info.optimizer.args.lr, 0.01);
    assert.deepEqual(run.info.params, { 'layer1.weight': [1, 2] });
  });

  it('seed with the 1-D hand-set weight: NO loss-broadcast, the prediction is [N]', async () => {
    const { run, out } = await trace('seed_broadcast.py', ['--epochs', '1', '--weight-1d']);
    assert.equal(out.state, 'done', out.message);
    const ds = run.diagnostics();
    assert.ok(!codes(ds).includes('loss-broadcast'), JSON.stringify(codes(ds)));
    const ops = run.record(1)!.record.ops;
    assert.deepEqual(ops[0].inputs, [[100, 2], [2]]);
    assert.deepEqual(ops[0].output, [100]);
    assert.equal(ops[2].broadcast, undefined);
    assert.deepEqual(run.info.params, { 'layer1.weight': [2] });
  });

  it('hand-written ((p - y) ** 2).mean() with both operands expanded: loss-broadcast at the subtraction', async () => {
    const f = 'handwritten_loss.py';
    const { run, out } = await trace(f);
    assert.equal(out.state, 'done', out.message);
    const d = only(run.diagnostics(), 'loss-broadcast');
    assert.equal(d.location?.line, lineOf(f, 'loss-broadcast'));
    assert.deepEqual(d.evidence.broadcastShape, [64, 64]);
    assert.equal(d.evidence.editText, 'pred.squeeze(-1)');
    const sub = run.record(1)!.record.ops.find((o) => o.op === 'sub');
    assert.deepEqual(sub?.broadcast, { shape: [64, 64], expanded: [[1], [0]] });
  });

  it('a discarded unsqueeze is found; module.to() on its own line is not', async () => {
    const f = 'discarded_unsqueeze.py';
    const { run, out } = await trace(f);
    assert.equal(out.state, 'done', out.message);
    const ds = run.diagnostics();
    assert.deepEqual(codes(ds), ['discarded-result']);
    assert.equal(ds[0].location?.line, lineOf(f, 'discarded-result'));
    assert.equal(ds[0].evidence.editText, 'pred = pred.unsqueeze(1)');
    assert.deepEqual(ds[0].evidence.resultShape, [128, 1]);
  });

  it('a forgotten zero_grad: grad-accumulation at backward(), with the insert edit', async () => {
    const f = 'forgotten_zero_grad.py';
    const { run, out } = await trace(f);
    assert.equal(out.state, 'done', out.message);
    const d = only(run.diagnostics(), 'grad-accumulation');
    const line = lineOf(f, 'grad-accumulation');
    assert.equal(d.location?.line, line);
    assert.equal(d.step, 2);
    assert.equal(d.evidence.editLine, line);
    assert.equal(d.evidence.editCol, 0);
    assert.equal(d.evidence.editText, '    optimizer.zero_grad()\n');
    // Accumulation in numbers: step 2's gradient is step 1's plus the new one, so it cannot be the gradient
    // at step 2's weights alone; with a zero_grad it would be. The first gradient is the plain one.
    const g1 = run.record(1)!.record.params.weight.grad!;
    const g2 = run.record(2)!.record.params.weight.grad!;
    assert.ok(Math.hypot(...g2) > Math.hypot(...g1) * 1.5, `|g2|=${Math.hypot(...g2)} |g1|=${Math.hypot(...g1)}`);
  });

  it('unscaled inputs that reach NaN: divergence at the loss line, unscaled-features at the model call', async () => {
    const f = 'unscaled_nan.py';
    const { run, out } = await trace(f);
    assert.equal(out.state, 'diverged', out.message);
    const ds = run.diagnostics();
    const dv = only(ds, 'divergence');
    assert.equal(dv.location?.line, lineOf(f, 'divergence'));
    const nanStep = run.summaries.find((s) => !Number.isFinite(s.loss))?.step;
    assert.ok(nanStep !== undefined && dv.step <= nanStep, `divergence at ${dv.step}, first non-finite loss at ${nanStep}`);
    assert.equal(only(ds, 'unscaled-features').location?.line, lineOf(f, 'unscaled-features'));
    assert.ok(codes(ds).includes('exploding-gradient'));
  });

  it('a healthy script produces no diagnosis and learns', async () => {
    const { run, out, stdout } = await trace('healthy.py');
    assert.equal(out.state, 'done', out.message);
    assert.deepEqual(run.diagnostics(), []);
    assert.equal(run.stepCount, 200);
    assert.ok(run.summaries[199].loss < 0.05 * run.summaries[0].loss, `loss ${run.summaries[0].loss} → ${run.summaries[199].loss}`);
    assert.match(stdout, /final loss/);
  });

  it('gaussian_nll_loss, poisson_nll_loss and kl_div broadcasts are caught (PyTorch does not warn)', async () => {
    const f = 'other_losses.py';
    const { run } = await trace(f);
    const ds = run.diagnostics().filter((d) => d.code === 'loss-broadcast');
    const byLine = new Map(ds.map((d) => [d.location?.line, d.evidence.loss]));
    assert.equal(byLine.get(lineOf(f, 'gaussian')), 'GaussianNLLLoss');
    assert.equal(byLine.get(lineOf(f, 'poisson')), 'PoissonNLLLoss');
    assert.equal(byLine.get(lineOf(f, 'kl')), 'KLDivLoss');
  });

  it('--every 10 records steps 1, 11, 21, … and still counts every step', async () => {
    const { run } = await trace('seed_broadcast.py', ['--epochs', '1'], { every: 10 });
    assert.deepEqual(run.summaries.map((s) => s.step), [1, 11, 21, 31, 41, 51, 61, 71, 81, 91]);
    assert.equal(run.stepCount, 100);
    assert.equal(run.summaries[0].loss, 334967.125);
  });
});
