/** "Open CSV…": header reading and the experiment built from the picked columns. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Runner } from '../../src/experiment/runner';
import { parseSpecText } from '../../src/experiment/load';
import { columnMaxAbs, countCsvRows, csvExperimentSpec, defaultLr, readCsvHeader, splitCsvLine } from '../../src/extension/csvExperiment';
import { REPO } from './goldenFixture';

test('header and numeric columns', () => {
  const text = 'x1,"x 2, scaled",label,y\r\n1.5,2,cat,7\n3,4,dog,9\n\n';
  const h = readCsvHeader(text);
  assert.deepEqual(h.columns, ['x1', 'x 2, scaled', 'label', 'y']);
  assert.deepEqual(h.numeric, [true, true, false, true]);
  assert.equal(countCsvRows(text), 2);
  assert.deepEqual(splitCsvLine('a,"b ""q""",c'), ['a', 'b "q"', 'c']);
});

test('unusable files get a specific error', () => {
  assert.throws(() => readCsvHeader(''), /the file is empty/);
  assert.throws(() => readCsvHeader('a,b\n'), /no data rows/);
  assert.throws(() => readCsvHeader('a,a\n1,2'), /names column "a" twice/);
  assert.throws(() => readCsvHeader('y\n1'), /at least one feature and a target/);
  assert.throws(() => readCsvHeader('a,,c\n1,2,3'), /empty column name/);
});

test('the built spec: a linear model over the picked features, squeezed to the 1-D target', () => {
  const spec = csvExperimentSpec({ name: 'houses.csv: price', path: '/data/houses.csv', features: ['rooms', 'area'], target: 'price', optimizer: 'adam', rows: 100, targetMaxAbs: 480 });
  assert.deepEqual(spec.data, { kind: 'csv', path: '/data/houses.csv', features: ['rooms', 'area'], target: 'price', standardize: true });
  assert.deepEqual(spec.model.layers, { linear: { type: 'linear', in: 2, out: 1, bias: true } });
  assert.deepEqual(spec.model.forward, ['linear', { op: 'squeeze', dim: -1 }]);
  assert.deepEqual(spec.optimizer, { type: 'adam', lr: 1 });
  // 100 rows in batches of 32 → 4 steps an epoch; about 600 steps → 150 epochs.
  assert.deepEqual(spec.training, { epochs: 150, batchSize: 32, shuffle: true, shuffleSeed: 0 });
  assert.equal(defaultLr('sgd', 1e6), 0.05);
  assert.equal(defaultLr('rmsprop', 2), 0.01);
  assert.equal(defaultLr('adamw', 1e9), 10);
  assert.throws(() => csvExperimentSpec({ name: 'n', path: '/p', features: ['y'], target: 'y', optimizer: 'sgd' }), /both a feature and the target/);
  assert.throws(() => csvExperimentSpec({ name: 'n', path: '/p', features: [], target: 'y', optimizer: 'sgd' }), /at least one feature/);
});

test('on the shipped house-prices CSV the built experiment validates, trains, and fits far better than the mean', async () => {
  const file = join(REPO, 'presets', 'data', 'house-prices.csv');
  const text = readFileSync(file, 'utf8');
  assert.deepEqual(readCsvHeader(text).columns, ['size_m2', 'rooms', 'age_years', 'price_k']);
  assert.equal(countCsvRows(text), 200);
  const maxAbs = columnMaxAbs(text, 'price_k')!;
  const ys = text.trim().split('\n').slice(1).map((l) => Number(l.split(',')[3]));
  assert.equal(maxAbs, Math.max(...ys.map(Math.abs)));
  for (const optimizer of ['sgd', 'adam'] as const) {
    const spec = csvExperimentSpec({ name: 'houses', path: file, features: ['size_m2', 'rooms', 'age_years'], target: 'price_k', optimizer, rows: 200, targetMaxAbs: maxAbs });
    const checked = parseSpecText(JSON.stringify(spec));
    assert.ok(checked.ok, `valid spec: ${checked.ok ? '' : JSON.stringify(checked.errors)}`);
    const r = new Runner(checked.spec, { data: checked.data, maxRecordedSteps: 10 });
    r.runSync();
    assert.equal(r.state, 'done');
    const mean = ys.reduce((a, b) => a + b, 0) / ys.length;
    const varY = ys.reduce((a, b) => a + (b - mean) ** 2, 0) / ys.length;
    const lastEpoch = r.summaries.slice(-r.stepsPerEpoch);
    const finalLoss = lastEpoch.reduce((a, s) => a + s.loss, 0) / lastEpoch.length;
    assert.ok(finalLoss < 0.2 * varY, `${optimizer}: final loss ${finalLoss} vs Var(y) ${varY}`);
    assert.ok(!r.diagnostics().some((d) => d.code === 'loss-broadcast'), 'no broadcast: the prediction is squeezed');
  }
});

test('Open Experiment as JSON: presets carry no relative $schema (the extension contributes it), and one in a copied file is dropped', async () => {
  const { readdirSync } = await import('node:fs');
  const { withoutRelativeSchema } = await import('../../src/extension/presetText');
  const dir = join(REPO, 'presets');
  const files = readdirSync(dir).filter((f) => f.endsWith('.gradexp.json'));
  assert.ok(files.length >= 9, `${files.length} presets`);
  for (const f of files) {
    const text = readFileSync(join(dir, f), 'utf8');
    assert.equal(JSON.parse(text).$schema, undefined, `${f} has no $schema that would break once copied elsewhere`);
    assert.equal(withoutRelativeSchema(text), text, `${f} is opened unchanged`);
  }
  const rel = '{\n  "$schema": "../schema/gradexp.schema.json",\n  "name": "x"\n}';
  assert.deepEqual(JSON.parse(withoutRelativeSchema(rel)), { name: 'x' });
  assert.equal(rel.split('\n').length - withoutRelativeSchema(rel).split('\n').length, 1, 'exactly one line removed');
  // An absolute schema URL is left alone.
  const abs = '{\n  "$schema": "https://example.com/s.json",\n  "name": "x"\n}';
  assert.equal(withoutRelativeSchema(abs), abs);
});
