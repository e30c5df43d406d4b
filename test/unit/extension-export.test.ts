/** Export Run: the CSV holds every step's scalars, equal to PyTorch's trajectory; the JSON holds the kept records. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Runner } from '../../src/experiment/runner';
import { RunnerSource } from '../../src/extension/runnerSource';
import { runToCsv, runToExport, runToJson } from '../../src/extension/runExport';
import { goldenCase, goldenSpec } from './extension-runFixtures';

const gc = goldenCase('SGD-broadcast-float64');

test('CSV: one row per step with loss and weights equal to the PyTorch golden (float64, 1e-12)', async () => {
  const src = new RunnerSource(new Runner(goldenSpec(gc), { maxRecordedSteps: 5 }));
  await src.control('resume');
  await src.whenSettled();
  assert.equal(src.state, 'done');
  const csv = runToCsv(src.summaries, src.info.params);
  const lines = csv.trimEnd().split('\n');
  assert.equal(lines[0], 'step,epoch,batch,loss,layer1.weight[0],layer1.weight[1],layer1.weight.norm,layer1.weight.gradNorm,layer1.weight.updateNorm');
  assert.equal(lines.length, 1 + gc.steps.length);
  const scale = Math.max(...gc.steps.map((s) => Math.abs(s.loss)));
  gc.steps.forEach((g, k) => {
    const cells = lines[k + 1].split(',').map(Number);
    assert.equal(cells[0], k + 1);
    assert.equal(cells[1], k, 'one full batch per epoch');
    assert.equal(cells[2], 0);
    assert.ok(Math.abs(cells[3] - g.loss) <= 1e-12 * scale, `step ${k + 1} loss ${cells[3]} vs torch ${g.loss}`);
    const w = (g.weight as number[][])[0];
    assert.ok(Math.abs(cells[4] - w[0]) <= 1e-12 && Math.abs(cells[5] - w[1]) <= 1e-12, `step ${k + 1} weight ${cells[4]},${cells[5]} vs torch ${w}`);
    assert.ok(Math.abs(cells[6] - Math.hypot(w[0], w[1])) <= 1e-12);
    const gr = (g.grad as number[][])[0];
    assert.ok(Math.abs(cells[7] - Math.hypot(gr[0], gr[1])) <= 1e-9 * Math.hypot(gr[0], gr[1]), `step ${k + 1} grad norm`);
  });
  // Step 1's loss of the broadcast bug: mean over the 8×8 grid of (p_i − y_j)².
  assert.equal(lines[1].split(',')[3], String(src.summaries[0].loss));
  assert.ok(Math.abs(Number(lines[1].split(',')[3]) - 85.636003125) < 1e-9);
});

test('JSON: run info, every summary, and only the full records still kept', async () => {
  const src = new RunnerSource(new Runner(goldenSpec(gc), { maxRecordedSteps: 5 }));
  await src.control('resume');
  await src.whenSettled();
  const ex = runToExport(src);
  assert.equal(ex.steps, 20);
  assert.equal(ex.summaries.length, 20);
  assert.equal(ex.run.name, 'SGD-broadcast-float64');
  assert.deepEqual(ex.run.params, { 'layer1.weight': [1, 2] });
  // The 5 most recent full records, plus the thinned older ones the runner keeps.
  const steps = ex.records.map((r) => r.step);
  for (const s of [16, 17, 18, 19, 20]) assert.ok(steps.includes(s), `record ${s} kept`);
  assert.ok(steps.length <= 10, `at most 2×maxRecordedSteps records, got ${steps.length}`);
  assert.deepEqual(ex.records.find((r) => r.step === 20)!.ops.map((o) => o.op), ['linear', 'mse_loss']);
  const parsed = JSON.parse(runToJson(src));
  assert.equal(parsed.format, 'gradient-debugger-run');
  assert.equal(parsed.records.length, steps.length);
  assert.ok(Math.abs(parsed.summaries[19].loss - gc.steps[19].loss) <= 1e-12 * gc.steps[0].loss);
});

test('non-finite numbers survive: nan/inf in CSV, "NaN"/"Infinity" strings in JSON', () => {
  const csv = runToCsv([{ step: 1, epoch: 0, batch: 0, loss: NaN, params: { w: { values: [Infinity], gradNorm: -Infinity, updateNorm: 0, norm: 1 } } }], { w: [1] });
  assert.equal(csv, 'step,epoch,batch,loss,w[0],w.norm,w.gradNorm,w.updateNorm\n1,0,0,nan,inf,1,-inf,0\n');
});
