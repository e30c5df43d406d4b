/**
 * The command line, as a user runs it: `node dist/cli.js …` (built by scripts/build.mjs before the tests run).
 * The human report, the --json shape (checked against PyTorch and against the grad recomputed by hand), presets,
 * usage errors and exit codes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { buildDataset } from '../../src/experiment/data';
import type { Diagnosis, WhatIf } from '../../src/experiment/records';
import type { OpRecord } from '../../src/core/trace';
import { assertClose, flat, presetSpec, REPO, seedGolden } from './experiment-presetRuns';

const CLI = join(REPO, 'dist', 'cli.js');

function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  assert.ok(existsSync(CLI), `${CLI} is missing: run node scripts/build.mjs first`);
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: REPO, timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface JsonStep {
  step: number;
  epoch: number;
  batch: number;
  loss: number;
  params: Record<string, { shape: number[]; value: number[]; grad: number[] | null; state: Record<string, number | number[]> }>;
  ops: OpRecord[];
}
interface JsonReport {
  spec: { name: string };
  steps: JsonStep[];
  diagnostics: Diagnosis[];
  whatIf: WhatIf[];
  timing: { trainMs: number };
}

test('run --preset seed-broadcast: diagnoses first (loss-broadcast before the LOSS table), then the loss table and final weights', () => {
  const r = cli('run', '--preset', 'seed-broadcast');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  const out = r.stdout;
  const lines = out.split('\n');
  const idx = (re: RegExp) => lines.findIndex((l) => re.test(l));
  const diag = idx(/^DIAGNOSES \(\d+\)$/);
  const broadcast = idx(/✖ loss-broadcast \(step 1\): MSELoss compared a \[100,1\] prediction with a \[100\] target; they broadcast to \[100,100\]/);
  const loss = idx(/^LOSS$/);
  const final = idx(/^FINAL PARAMETERS$/);
  assert.ok(diag >= 0 && broadcast > diag && loss > broadcast && final > loss, `order: DIAGNOSES ${diag}, loss-broadcast ${broadcast}, LOSS ${loss}, FINAL ${final}\n${out}`);
  // Errors come before warnings: the first diagnosis line is the broadcast.
  assert.equal(broadcast, diag + 1);
  assert.match(out, /evidence: loss mse_loss, input \[100,1\], target \[100\], elements \[100,100\]/);
  assert.match(out, /✖ loss-plateau-mean \(step 200\): .*0\.99995 × Var\(y\)/);
  assert.match(out, /⚠ discarded-result \(step 1\): `x\.squeeze\(\)` ran on a \[100,1\] tensor/);
  assert.match(out, /loss-broadcast: .*\n\s+final loss 342,284\.7 → 1\.5\d+/);
  // The loss table: PyTorch's first losses (float32, printed to one decimal) and the last step.
  assert.match(out, /^ {2}1 +0 +0 +334,967\.1$/m);
  assert.match(out, /^ {2}2 +0 +1 +345,182\.4$/m);
  assert.match(out, /^ {2}3 +0 +2 +288,178\.[67]$/m);
  assert.match(out, /^ {2}3000 +29 +99 +358,303\.2$/m);
  assert.match(out, /mean loss of the last epoch: 342,284\.7 +\(Var\(y\) = 342,302\.5\)/);
  assert.match(out, /^ {2}layer1\.weight \[1,2\] = \[0\.0242, 0\.0305\] +\(data made with \[5, 3\]\)$/m);
  assert.match(lines[1], /3000 of 3000 steps \(30 epochs × 100 batches of 100\) · rmsprop lr=0\.01 · mse loss/);
});

test('run --preset seed-broadcast --json --steps 5: one JSON object; step k\'s loss and grad before the update, value after', () => {
  const r = cli('run', '--preset', 'seed-broadcast', '--json', '--steps', '5');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim().split('\n').length, 1, 'one line');
  const j = JSON.parse(r.stdout) as JsonReport;
  for (const k of ['spec', 'steps', 'diagnostics', 'whatIf', 'timing']) assert.ok(k in j, `missing ${k}`);
  assert.equal(j.spec.name, presetSpec('seed-broadcast').name);
  assert.equal(typeof j.timing.trainMs, 'number');
  assert.ok(j.timing.trainMs > 0 && j.timing.trainMs < 30_000);
  assert.deepEqual(j.steps.map((s) => [s.step, s.epoch, s.batch]), [[1, 0, 0], [2, 0, 1], [3, 0, 2], [4, 0, 3], [5, 0, 4]]);

  const g = seedGolden().broadcast;
  for (const k of [1, 2, 3]) {
    const s = j.steps[k - 1];
    const gs = g.steps[String(k)];
    const p = s.params['layer1.weight'];
    assert.deepEqual(p.shape, [1, 2]);
    assert.ok(Math.abs(s.loss - gs.loss) / gs.loss < 1e-6, `loss ${k}: ${s.loss} vs torch ${gs.loss}`);
    const gg = flat(gs.grad);
    assertClose(p.grad!, gg, 1e-5, Math.max(...gg.map(Math.abs)), `grad of step ${k} vs torch`);
    const gw = flat(gs.weight);
    assertClose(p.value, gw, 1e-5, Math.max(...gw.map(Math.abs)), `value after step ${k} vs torch`);
    assertClose(p.state.square_avg as number[], flat(gs.square_avg), 1e-5, Math.max(...flat(gs.square_avg)), `square_avg after step ${k}`);
    assert.equal(p.state.step, k);
  }

  // Independently: step 2's loss and grad are those of the weights step 1 left, on rows 100–199.
  // Broadcast MSE over the [100,100] grid: L = mean_ij (p_i − y_j)², ∂L/∂w = (2/N) Σ_i (p_i − ȳ) x_i.
  const data = buildDataset(presetSpec('seed-broadcast'));
  const X = data.x.values();
  const Y = data.y.values();
  const w = j.steps[0].params['layer1.weight'].value;
  const N = 100;
  const p: number[] = [];
  let ybar = 0;
  for (let i = 0; i < N; i++) {
    p.push(Math.fround(Math.fround(X[(100 + i) * 2] * w[0]) + Math.fround(X[(100 + i) * 2 + 1] * w[1])));
    ybar += Y[100 + i] / N;
  }
  let loss = 0;
  const grad = [0, 0];
  for (let i = 0; i < N; i++) {
    for (let jx = 0; jx < N; jx++) loss += (p[i] - Y[100 + jx]) ** 2 / (N * N);
    grad[0] += (2 / N) * (p[i] - ybar) * X[(100 + i) * 2];
    grad[1] += (2 / N) * (p[i] - ybar) * X[(100 + i) * 2 + 1];
  }
  assert.ok(Math.abs(j.steps[1].loss - loss) / loss < 1e-6, `step 2 loss ${j.steps[1].loss} vs ${loss} at step 1's value`);
  assertClose(j.steps[1].params['layer1.weight'].grad!, grad, 1e-5, Math.max(...grad.map(Math.abs)), 'step 2 grad at step 1\'s value');

  // The op trace of a step: linear → discarded squeeze → broadcasting mse_loss.
  const ops = j.steps[0].ops;
  assert.deepEqual(ops.map((o) => [o.op, o.inputs, o.output, o.discarded ?? false]), [
    ['linear', [[100, 2], [1, 2]], [100, 1], false],
    ['squeeze', [[100, 1]], [100], true],
    ['mse_loss', [[100, 1], [100]], [], false],
  ]);
  assert.deepEqual(ops[2].broadcast, { shape: [100, 100], expanded: [[1], [0]] });

  const codes = j.diagnostics.map((d) => d.code);
  assert.equal(codes[0], 'loss-broadcast');
  assert.ok(codes.includes('discarded-result'));
  const w1 = j.whatIf.find((x) => x.code === 'loss-broadcast');
  assert.ok(w1, 'what-if for the broadcast');
  assert.equal(w1.losses.length, 5, 'compared over the same 5 steps');
  assert.ok(w1.fixedFinalLoss < w1.originalFinalLoss);
});

test('presets lists all nine, the seed story first', () => {
  const r = cli('presets');
  assert.equal(r.status, 0, r.stderr);
  const names = r.stdout.trim().split('\n').map((l) => l.split(/\s+/)[0]);
  assert.deepEqual(names, ['seed-broadcast', 'seed-fixed', 'seed-1d-weight', 'unscaled', 'standardized', 'lr-diverges', 'forgotten-zero-grad', 'mlp', 'csv-example']);
  assert.match(r.stdout, /^seed-broadcast +seed: RMSprop, \[N,1\] prediction vs \[N\] target$/m);
});

test('usage errors exit 2 with a clear message', () => {
  const cases: [string[], RegExp][] = [
    [['run', '--preset', 'seed-broadcast', '--bogus'], /unknown option --bogus/],
    [['run', 'no/such/file.gradexp.json'], /no\/such\/file\.gradexp\.json is not a valid experiment:\n {2}\(file\): cannot read .*file\.gradexp\.json: no such file/],
    [['run', '--preset', 'nope'], /unknown preset "nope"; presets: seed-broadcast, seed-fixed/],
    [['run'], /run needs an experiment file or --preset NAME/],
    [['run', '--preset', 'seed-broadcast', '--steps', 'ten'], /--steps: expected a whole number ≥ 1, got "ten"/],
    [['run', '--preset', 'seed-broadcast', '--steps', '0'], /--steps: expected a whole number ≥ 1, got "0"/],
    [['run', '--preset'], /--preset needs a value/],
    [['run', '--preset', 'seed-broadcast', '--fail-on', 'info'], /--fail-on: expected error or warning, got "info"/],
    [['frobnicate'], /unknown command "frobnicate"/],
    [[], /usage:/],
  ];
  for (const [args, re] of cases) {
    const r = cli(...args);
    assert.equal(r.status, 2, `${args.join(' ')}: exit ${r.status}\n${r.stderr}`);
    assert.match(r.stderr + r.stdout, re, args.join(' '));
    assert.ok(!/\n\s+at .+:\d+:\d+/.test(r.stderr), `${args.join(' ')}: stack trace\n${r.stderr}`);
  }
});

test('validate: a preset file is valid (exit 0), a missing one is not (exit 2)', () => {
  const ok = cli('validate', join('presets', 'seed-broadcast.gradexp.json'));
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /valid \(seed: RMSprop, \[N,1\] prediction vs \[N\] target; 10000 samples × 2 features\)/);
  const bad = cli('validate', 'presets/nope.gradexp.json');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /cannot read .*nope\.gradexp\.json: no such file/);
});

test('--fail-on error exits 3 on seed-broadcast (its error diagnoses) and 0 on standardized', () => {
  const seed = cli('run', '--preset', 'seed-broadcast', '--fail-on', 'error', '--no-what-if', '--steps', '300');
  assert.equal(seed.status, 3, seed.stderr);
  assert.match(seed.stdout, /✖ loss-broadcast/);
  const healthy = cli('run', '--preset', 'standardized', '--fail-on', 'error');
  assert.equal(healthy.status, 0, healthy.stderr);
  assert.match(healthy.stdout, /DIAGNOSES: none/);
  // A warning is not an error, but --fail-on warning counts it.
  const warn = cli('run', '--preset', 'seed-fixed', '--fail-on', 'warning', '--no-what-if', '--steps', '10');
  assert.equal(warn.status, 3);
  assert.equal(cli('run', '--preset', 'seed-fixed', '--fail-on', 'error', '--no-what-if', '--steps', '10').status, 0);
});
