/**
 * Malformed experiment files, generated from the seed-broadcast preset: wrong types at every field, missing and
 * unknown fields at every level, "NaN"/"Infinity" strings, bad sizes, shapes that do not fit the data, unreadable
 * or malformed CSVs, text that is not JSON. Each must give ok:false with an error at the exact field path and a
 * message saying what was expected — and never throw. The CLI exits 2 with the path on stderr.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSpecFile, parseSpecText } from '../../src/experiment/load';
import type { SpecError } from '../../src/experiment/validate';
import { presetSpec, REPO } from './experiment-presetRuns';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

interface BadCase {
  name: string;
  /** Set while a known bug keeps the case from passing: node:test runs it but does not fail the suite. */
  todo?: string;
  /** The file's text (a mutated seed spec, or raw text). */
  text: string;
  /** The exact path one error must name. */
  path: string;
  /** What that error's message must say. */
  message: RegExp;
  /** For CSV cases: the folder the spec is read from. */
  baseDir?: string;
}

const base = presetSpec('seed-broadcast') as unknown as { [k: string]: Json };
const dir = mkdtempSync(join(tmpdir(), 'gd-bad-specs-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

/** `data.weights[0]` → ['data', 'weights', 0]. */
function parts(path: string): (string | number)[] {
  return path.split('.').flatMap((p) => {
    const m = /^([^[]*)((\[\d+\])*)$/.exec(p)!;
    const idx = [...m[2].matchAll(/\[(\d+)\]/g)].map((x) => Number(x[1]));
    return [...(m[1] ? [m[1]] : []), ...idx];
  });
}

/** A copy of the seed spec with the value at `path` replaced (or deleted when `value` is undefined). */
function mutated(path: string, value: Json | undefined, from: Json = base): string {
  const s = structuredClone(from) as Json;
  const ps = parts(path);
  let cur = s as Record<string | number, Json>;
  for (const p of ps.slice(0, -1)) cur = cur[p] as Record<string | number, Json>;
  const last = ps[ps.length - 1];
  if (value === undefined) delete cur[last];
  else cur[last] = value;
  return JSON.stringify(s, null, 2);
}

const cases: BadCase[] = [];
const add = (name: string, text: string, path: string, message: RegExp, baseDir?: string) => cases.push({ name, text, path, message, baseDir });

// 1. A wrong type at every field of the seed spec, found by walking it.
function wrongValues(v: Json): { value: Json; expect: RegExp }[] {
  if (typeof v === 'number')
    return [
      { value: String(v), expect: /expected (a number|a whole number)/ },
      { value: true, expect: /expected (a number|a whole number)/ },
    ];
  if (typeof v === 'string') return [{ value: 7, expect: /expected (a string|one of|"[a-z-]+")/ }];
  if (typeof v === 'boolean') return [{ value: 'yes', expect: /expected a boolean, got the string "yes"/ }];
  if (Array.isArray(v)) return [{ value: 'a list', expect: /expected an array/ }];
  if (v && typeof v === 'object') return [{ value: 42, expect: /expected (an object|a string or an object), got number 42/ }];
  return [];
}
function walk(v: Json, path: string): void {
  if (path && path !== '$schema')
    for (const w of wrongValues(v)) add(`wrong type ${JSON.stringify(w.value)} at ${path}`, mutated(path, w.value), path, w.expect);
  if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${path}[${i}]`));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, path ? `${path}.${k}` : k);
}
walk(base, '');

// 2. Every required field missing.
for (const path of ['name', 'data', 'model', 'loss', 'optimizer', 'training', 'data.kind', 'data.generator', 'data.seed', 'data.samples', 'data.features', 'data.weights', 'model.layers', 'model.forward', 'model.layers.layer1.type', 'model.layers.layer1.in', 'model.layers.layer1.out', 'model.forward[1].op', 'loss.type', 'optimizer.type', 'training.epochs', 'training.batchSize'])
  add(`missing ${path}`, mutated(path, undefined), path, /is required but missing/);
add('missing optimizer.lr for sgd (it has no default)', mutated('optimizer', { type: 'sgd' }), 'optimizer.lr', /is required but missing/);

// 3. An unknown field at every level, and misspellings a user would make.
for (const at of ['', 'data', 'model', 'model.layers.layer1', 'model.forward[1]', 'loss', 'optimizer', 'training']) {
  const p = at ? `${at}.colour` : 'colour';
  add(`unknown field ${p}`, mutated(p, 'blue'), p, /unknown field/);
}
add('misspelt optimizer.learning_rate', mutated('optimizer.learning_rate', 0.01), 'optimizer.learning_rate', /unknown field/);
add('adam\'s betas given to rmsprop', mutated('optimizer.betas', [0.9, 0.999]), 'optimizer.betas', /unknown field/);
add('misspelt training.batch_size', mutated('training.batch_size', 100), 'training.batch_size', /unknown field/);
add('csv field on synthetic data', mutated('data.path', 'x.csv'), 'data.path', /unknown field/);

// 4. "NaN" / "Infinity" as strings where numbers go.
for (const [path, s] of [['optimizer.lr', 'NaN'], ['optimizer.lr', 'Infinity'], ['data.samples', 'NaN'], ['data.featureScale', '-Infinity'], ['data.noiseStd', 'NaN'], ['data.weights[1]', 'Infinity'], ['training.epochs', 'Infinity'], ['model.torchSeed', 'NaN']] as const)
  add(`"${s}" string at ${path}`, mutated(path, s), path, new RegExp(`expected (a number|a whole number), got the string "${s.replace('-', '\\-')}"`));
add('"NaN" string inside a weight row', mutated('model.layers.layer1.weight', [['NaN', 1]]), 'model.layers.layer1.weight[0][0]', /expected a number/);

// 5. Negative or zero sizes and rates.
for (const [path, v, expect] of [
  ['data.samples', 0, />= 1/],
  ['data.samples', -100, />= 1/],
  ['data.features', 0, />= 1/],
  ['model.layers.layer1.in', 0, />= 1/],
  ['model.layers.layer1.out', -1, />= 1/],
  ['training.batchSize', 0, />= 1/],
  ['training.batchSize', -100, />= 1/],
  ['training.epochs', 0, />= 1/],
  ['optimizer.lr', 0, /> 0/],
  ['optimizer.lr', -0.01, /> 0/],
  ['data.noiseStd', -1, />= 0/],
  ['data.featureScale', 0, /> 0/],
  ['data.seed', -1, />= 0/],
  ['data.samples', 2.5, /whole number/],
  ['training.batchSize', 12.5, /whole number/],
] as const)
  add(`${path} = ${v}`, mutated(path, v), path, new RegExp(`expected (a number ${expect.source}|a whole number)`));
add('forward reshape to [-2]', mutated('model.forward[1]', { op: 'reshape', shape: [-2] }), 'model.forward[1].shape[0]', /expected a number >= -1/);

// 6. Shapes that do not fit the data.
add('in = 3 for 2 features', mutated('model.layers.layer1.in', 3), 'model.layers.layer1.in', /expected 2 \(the data has 2 features\), got 3/);
add('3 features but in = 2', mutated('data', { ...(base.data as object), features: 3, weights: [5, 3, 1] }), 'model.layers.layer1.in', /expected 3 \(the data has 3 features\), got 2/);
add('3 weights for 2 features', mutated('data.weights', [5, 3, 1]), 'data.weights', /expected 2 weights .*got 3/);
add('weight row too long', mutated('model.layers.layer1.weight', [[1, 2, 3]]), 'model.layers.layer1.weight[0]', /expected 2 values \(in = 2\), got 3/);
add('two weight rows for out = 1', mutated('model.layers.layer1.weight', [[1, 2], [3, 4]]), 'model.layers.layer1.weight', /expected 1 rows \(\[out,in\] = \[1,2\]\), got 2/);
add('flat weight of length 3', mutated('model.layers.layer1.weight', [1, 2, 3]), 'model.layers.layer1.weight', /expected 2 values, got 3/);
add('weight nested three deep', mutated('model.layers.layer1.weight', [[[1, 2]]]), 'model.layers.layer1.weight[0][0]', /expected a number, got a list of 2/);
add('weight mixing rows and numbers', mutated('model.layers.layer1.weight', [[1, 2], 3]), 'model.layers.layer1.weight[1]', /expected (a number|an array)/);
add('empty weight', mutated('model.layers.layer1.weight', []), 'model.layers.layer1.weight', /expected at least 1 entries/);
add('flat weight with out = 2', mutated('model.layers.layer1', { type: 'linear', in: 2, out: 2, bias: false, weight: [1, 2] }), 'model.layers.layer1.weight', /a flat \(1-D\) weight gives one output, but out = 2/);
add('biasValue of length 2 for out = 1', mutated('model.layers.layer1', { type: 'linear', in: 2, out: 1, bias: true, biasValue: [1, 2] }), 'model.layers.layer1.biasValue', /expected 1 values \(out = 1\), got 2/);
add('biasValue with bias false', mutated('model.layers.layer1.biasValue', 0.5), 'model.layers.layer1.biasValue', /is given but bias is false/);
add('biasValue as a string', mutated('model.layers.layer1.biasValue', 'zero'), 'model.layers.layer1.biasValue', /expected a number or an array, got the string "zero"/);
add('unknown layer in forward', mutated('model.forward[0]', 'layer2'), 'model.forward[0]', /unknown layer "layer2"; the layers are "layer1"/);
add('second layer whose in is not the first one\'s out', mutated('model', { layers: { a: { type: 'linear', in: 2, out: 4 }, b: { type: 'linear', in: 3, out: 1 } }, forward: ['a', 'b'] }), 'model.layers.b.in', /expected 4 \(the previous layer's out\), got 3/);
add('no layers', mutated('model.layers', {}), 'model.layers', /expected at least 1 entries/);
add('empty forward', mutated('model.forward', []), 'model.forward', /expected at least 1 entries/);
add('layer name starting with a digit', mutated('model', { layers: { '1st': { type: 'linear', in: 2, out: 1 } }, forward: ['1st'] }), 'model.layers.1st', /is not a valid name/);
add('layer type conv2d', mutated('model.layers.layer1.type', 'conv2d'), 'model.layers.layer1.type', /expected "linear", got the string "conv2d"/);
add('forward op softmax', mutated('model.forward[1].op', 'softmax'), 'model.forward[1].op', /expected one of "squeeze", "unsqueeze", "reshape", "relu", "tanh", "sigmoid", got the string "softmax"/);
add('reshape without a shape', mutated('model.forward[1]', { op: 'reshape' }), 'model.forward[1].shape', /is required for reshape/);
add('unsqueeze without a dim', mutated('model.forward[1]', { op: 'unsqueeze' }), 'model.forward[1].dim', /is required for unsqueeze/);
add('squeeze dim 12', mutated('model.forward[1].dim', 12), 'model.forward[1].dim', /expected a number <= 8/);

// 7. Sizes too big to run.
add('10^9 samples', mutated('data.samples', 1e9), 'data.samples', /expected a number <= 10000000, got number 1000000000/);
add('5 million samples × 20 features', mutated('data', { ...(base.data as object), samples: 5_000_000, features: 20, weights: Array(20).fill(1) }), 'data.samples', /too much data; at most 20,000,000 values/);
add('epochs × batches too many steps', mutated('training', { epochs: 100000, batchSize: 1 }), 'training.epochs', /100000 epochs × 10000 batches = 1,000,000,000 steps; at most 500,000/);
{
  // 63 chained layers with biases (126 parameter tensors) at batch 1 for 50 epochs: 500 000 steps, cheap to compute
  // but 63 million entries of chart history.
  const layers: { [k: string]: Json } = { l0: { type: 'linear', in: 2, out: 1 } };
  for (let i = 1; i < 63; i++) layers[`l${i}`] = { type: 'linear', in: 1, out: 1 };
  const deep = JSON.parse(mutated('model', { layers, forward: Object.keys(layers) }));
  add('history too large: 500 000 steps × 126 parameter tensors', mutated('training', { epochs: 50, batchSize: 1 }, deep), 'training.epochs', /500,000 steps × 126 parameter tensors = 63,000,000 entries of history .*at most 5,000,000/);
}
add('work too large: 2000 epochs of 10000 rows through 2×4096 + 4096×1 weights', mutated('training.epochs', 2000, JSON.parse(mutated('model', { layers: { a: { type: 'linear', in: 2, out: 4096 }, b: { type: 'linear', in: 4096, out: 1 } }, forward: ['a', 'b', { op: 'squeeze', dim: -1 }] }))), 'training.epochs', /multiply-adds; at most 2e\+10/);
add('too many parameters', mutated('model', { layers: { a: { type: 'linear', in: 2, out: 4096 }, b: { type: 'linear', in: 4096, out: 4096 }, c: { type: 'linear', in: 4096, out: 1 } }, forward: ['a', 'b', 'c'] }), 'model.layers', /16,?\d{3},?\d{3} parameters in all; at most 1,000,000/);
add('a layer named like an Object method', mutated('model.forward', ['toString', { op: 'squeeze', assign: false }]), 'model.forward[0]', /unknown layer "toString"; the layers are "layer1"/);
add('reshape that cannot fit the batch (found by the dry run)', mutated('model.forward', ['layer1', { op: 'reshape', shape: [7] }]), 'model.forward[1]', /reshape on a \[100,1\] input: shape '\[7\]' is invalid for input of size 100/);
add('squeeze dim out of range (dry run)', mutated('model.forward', ['layer1', { op: 'squeeze', dim: 5 }]), 'model.forward[1]', /dimension out of range/);
add('targetShape that does not fit (dry run)', mutated('loss', { type: 'mse', targetShape: [3, 7] }), 'loss.targetShape', /reshaping the \[100\] target: shape '\[3,7\]' is invalid for input of size 100/);
add('no layer in forward: the input cannot meet the target (dry run)', mutated('model.forward', [{ op: 'relu' }]), 'loss.type', /mse of a \[100,2\] prediction and a \[100\] target: shapes \[100,2\] and \[100\] cannot be broadcast/);
add('nesterov without momentum', mutated('optimizer', { type: 'sgd', lr: 0.01, nesterov: true }), 'optimizer', /Nesterov momentum requires a momentum and zero dampening/);
add('weights that overflow float32', mutated('data.weights', [1e300, 1e300]), 'data', /non-finite values after the cast to float32/);
add('a broadcast L1 loss too big to compute', mutated('training', { epochs: 30, batchSize: 10000 }, JSON.parse(mutated('loss', { type: 'l1' }))), 'training.batchSize', /the l1 loss of a \[10000,1\] prediction and a \[10000\] target would compute 100,000,000 elements a step/);
add('epochs above the maximum', mutated('training.epochs', 1e6), 'training.epochs', /expected a number <= 100000/);

// 8. Other enums and cross-field rules.
add('dtype float16', mutated('dtype', 'float16'), 'dtype', /expected one of "float32", "float64", got the string "float16"/);
add('data.kind parquet', mutated('data.kind', 'parquet'), 'data.kind', /expected one of "synthetic", "inline", "csv"/);
add('generator pcg64', mutated('data.generator', 'pcg64'), 'data.generator', /expected "numpy-legacy", got the string "pcg64"/);
add('loss cross_entropy', mutated('loss.type', 'cross_entropy'), 'loss.type', /expected one of "mse", "l1", "huber", "smooth_l1", "gaussian_nll", "handwritten_mse"/);
add('reduction avg', mutated('loss.reduction', 'avg'), 'loss.reduction', /expected one of "mean", "sum", "none", got the string "avg"/);
add('huber delta 0', mutated('loss', { type: 'huber', delta: 0 }), 'loss.delta', /expected a number > 0/);
add('huber given beta', mutated('loss', { type: 'huber', beta: 1 }), 'loss.beta', /belongs to smooth_l1; huber takes delta/);
add('smooth_l1 given delta', mutated('loss', { type: 'smooth_l1', delta: 1 }), 'loss.delta', /belongs to huber; smooth_l1 takes beta/);
add('optimizer lbfgs', mutated('optimizer.type', 'lbfgs'), 'optimizer.type', /expected one of "sgd", "rmsprop", "adam", "adamw", got the string "lbfgs"/);
add('adam betas of length 3', mutated('optimizer', { type: 'adam', betas: [0.9, 0.99, 0.999] }), 'optimizer.betas', /expected at most 2 entries/);
add('adam beta of 1', mutated('optimizer', { type: 'adam', betas: [1, 0.999] }), 'optimizer.betas[0]', /expected a number < 1/);
add('rmsprop alpha 1.5', mutated('optimizer.alpha', 1.5), 'optimizer.alpha', /expected a number <= 1/);
add('name empty', mutated('name', ''), 'name', /expected a non-empty string/);

// 9. Inline data that does not hang together.
const inline = (d: Json) => mutated('data', d);
add('inline rows of different lengths', inline({ kind: 'inline', x: [[1, 2], [3]], y: [1, 2] }), 'data.x[1]', /expected 2 values like data.x\[0\], got 1/);
add('inline y shorter than x', inline({ kind: 'inline', x: [[1, 2], [3, 4]], y: [1] }), 'data.y', /expected 2 targets \(one per row of data.x\), got 1/);
add('inline y mixing numbers and lists', inline({ kind: 'inline', x: [[1, 2], [3, 4]], y: [1, [2]] }), 'data.y', /not a mix/);
add('inline x empty', inline({ kind: 'inline', x: [], y: [] }), 'data.x', /expected at least 1 entries/);
add('inline x with a string', inline({ kind: 'inline', x: [[1, 'two']], y: [1] }), 'data.x[0][1]', /expected a number, got the string "two"/);
add('inline without y', inline({ kind: 'inline', x: [[1, 2]] }), 'data.y', /is required but missing/);

// 10. CSV files: unreadable, a folder, empty, text in a numeric column, a missing column.
const csvDir = join(dir, 'csv');
mkdirSync(join(csvDir, 'a-folder.csv'), { recursive: true });
writeFileSync(join(csvDir, 'text.csv'), 'size,rooms,price\n100,3,250\n120,four,300\n90,2,200\n');
writeFileSync(join(csvDir, 'ok.csv'), 'size,rooms,price\n100,3,250\n120,4,300\n90,2,200\n');
writeFileSync(join(csvDir, 'blank-price.csv'), 'size,rooms,price\n100,3,250\n120,4,\n');
writeFileSync(join(csvDir, 'short-row.csv'), 'size,rooms,price\n100,3,250\n120\n');
writeFileSync(join(csvDir, 'header-only.csv'), 'size,rooms,price\n');
writeFileSync(join(csvDir, 'empty.csv'), '');
const csv = (file: string, features = ['size', 'rooms'], target = 'price') =>
  mutated('data', { kind: 'csv', path: file, features, target });
add('csv that does not exist', csv('missing.csv'), 'data.path', /cannot read "missing.csv" \(no such file\)/, csvDir);
add('csv path that is a folder', csv('a-folder.csv'), 'data.path', /cannot read "a-folder.csv" \(it is a folder\)/, csvDir);
add('csv with text in a numeric column', csv('text.csv'), 'data.features[1]', /row 3 of text.csv has "four" in column "rooms"; expected a finite number/, csvDir);
add('csv with an empty target cell', csv('blank-price.csv'), 'data.target', /row 3 of blank-price.csv has "" in column "price"; expected a finite number/, csvDir);
add('csv with a short row', csv('short-row.csv'), 'data.features[1]', /row 3 of short-row.csv has no value in column "rooms"/, csvDir);
add('csv missing a feature column', csv('ok.csv', ['size', 'bathrooms']), 'data.features[1]', /column "bathrooms" is not in the CSV header \(columns: size, rooms, price\)/, csvDir);
add('csv missing the target column', csv('ok.csv', ['size', 'rooms'], 'cost'), 'data.target', /column "cost" is not in the CSV header/, csvDir);
add('csv with only a header', csv('header-only.csv'), 'data.path', /needs a header line and at least one data row/, csvDir);
add('empty csv', csv('empty.csv'), 'data.path', /needs a header line and at least one data row, got 0 line/, csvDir);
add('csv with in = 3 for 2 columns', mutated('model.layers.layer1.in', 3, JSON.parse(csv('ok.csv'))), 'model.layers.layer1.in', /expected 2 \(the data has 2 features\)/, csvDir);
add('csv without a target', mutated('data', { kind: 'csv', path: 'ok.csv', features: ['size'] }), 'data.target', /is required but missing/, csvDir);

// 11. Text that is not an experiment object at all.
add('invalid JSON: trailing comma', '{ "name": "x", }', '', /not valid JSON at line 1, column \d+/);
add('invalid JSON: truncated', JSON.stringify(base, null, 2).slice(0, 200), '', /not valid JSON/);
add('invalid JSON: single quotes', "{ 'name': 'x' }", '', /not valid JSON at line 1/);
add('invalid JSON: NaN literal (as Python writes it)', mutated('optimizer.lr', 0).replace('"lr": 0', '"lr": NaN'), '', /^not valid JSON at line \d+, column \d+: Unexpected token 'N'$/);
add('empty file', '', '', /not valid JSON: .*\(the file is empty\)/);
add('whitespace only', '  \n\t\n', '', /not valid JSON: .*\(the file is empty\)/);
add('JSON array', '[1, 2, 3]', '', /expected an object, got a list of 3/);
add('JSON number', '42', '', /expected an object, got number 42/);
add('JSON null', 'null', '', /expected an object, got null/);
add('JSON string', '"seed-broadcast"', '', /expected an object, got the string "seed-broadcast"/);
add('JSON true', 'true', '', /expected an object, got boolean true/);
add('empty object', '{}', 'name', /is required but missing/);

test(`at least 100 malformed experiments are generated (${cases.length})`, () => {
  assert.ok(cases.length >= 100, `${cases.length} cases`);
  assert.equal(new Set(cases.map((c) => c.name)).size, cases.length, 'case names are unique');
});

function show(errors: SpecError[]): string {
  return errors.map((e) => `${e.path || '(file)'}: ${e.message}`).join('\n    ');
}

// Without `kind`, an `if: {properties: {kind: …}}` with no `required` would hold vacuously and every branch's
// `then` would apply (13 misleading errors); the schema's `if`s require the discriminator, so one error remains.

for (const c of cases) {
  test(`bad input: ${c.name} → ${c.path || '(file)'}`, { todo: c.todo }, () => {
    let r!: ReturnType<typeof parseSpecText>;
    assert.doesNotThrow(() => (r = parseSpecText(c.text, c.baseDir ?? dir)));
    assert.equal(r.ok, false, `accepted:\n${c.text.slice(0, 300)}`);
    if (r.ok) return;
    assert.ok(r.errors.length >= 1 && r.errors.length <= 12, `${r.errors.length} errors:\n    ${show(r.errors)}`);
    for (const e of r.errors) {
      assert.equal(typeof e.path, 'string');
      assert.ok(typeof e.message === 'string' && e.message.length > 5, `message of ${e.path}`);
    }
    const hit = r.errors.find((e) => e.path === c.path && c.message.test(e.message));
    assert.ok(hit, `no error at "${c.path}" matching ${c.message}; got:\n    ${show(r.errors)}`);
  });
}

test('invalid JSON names the line and column of the offending token', () => {
  const at = (text: string) => {
    const r = parseSpecText(text);
    assert.equal(r.ok, false);
    return r.ok ? '' : r.errors[0].message;
  };
  const nan = '{\n  "name": "x",\n  "optimizer": {\n    "type": "sgd",\n    "lr": NaN\n  }\n}\n';
  assert.equal(at(nan), "not valid JSON at line 5, column 11: Unexpected token 'N'");
  assert.match(at('{\n  "name": "x",\n}'), /^not valid JSON at line 3, column 1: /);
  assert.match(at('{"name": NaN, "data": {}, "model": {}}'), /^not valid JSON at line 1, column 10: Unexpected token 'N'$/);
  // `tru` is read as far as it goes; the space after it is the unexpected token.
  assert.equal(at('{"a": 1, "b": [1, 2, 3], "c": tru }'), "not valid JSON at line 1, column 34: Unexpected token ' '");
});

test('loadSpecFile reads the same cases from disk, with the CSV relative to the file', () => {
  const files = join(dir, 'files');
  mkdirSync(files, { recursive: true });
  let n = 0;
  for (const c of cases) {
    if (c.todo) continue;
    // CSV cases live next to their data; the rest anywhere.
    const f = join(c.baseDir ?? files, `case-${n++}.gradexp.json`);
    writeFileSync(f, c.text);
    let r!: ReturnType<typeof loadSpecFile>;
    assert.doesNotThrow(() => (r = loadSpecFile(f)), c.name);
    assert.equal(r.ok, false, c.name);
    if (!r.ok) assert.ok(r.errors.some((e) => e.path === c.path && c.message.test(e.message)), `${c.name}: ${show(r.errors)}`);
  }
  const missing = loadSpecFile(join(files, 'nope.gradexp.json'));
  assert.equal(missing.ok, false);
  if (!missing.ok) {
    assert.equal(missing.errors[0].path, '');
    assert.match(missing.errors[0].message, /cannot read .*nope\.gradexp\.json: (no such file|ENOENT)/);
  }
  // And the good preset, for contrast, loads.
  const good = join(files, 'good.gradexp.json');
  writeFileSync(good, JSON.stringify(base));
  const ok = loadSpecFile(good);
  assert.equal(ok.ok, true, ok.ok ? '' : show(ok.errors));
});

test('the CLI exits 2 and prints the field path for bad files', () => {
  const cli = join(REPO, 'dist', 'cli.js');
  const pick = ['"NaN" string at optimizer.lr', 'unknown field model.layers.layer1.colour', 'in = 3 for 2 features', '10^9 samples', 'csv with text in a numeric column', 'invalid JSON: trailing comma'];
  for (const name of pick) {
    const c = cases.find((x) => x.name === name)!;
    assert.ok(c, name);
    const f = join(c.baseDir ?? dir, `cli-${pick.indexOf(name)}.gradexp.json`);
    writeFileSync(f, c.text);
    const r = spawnSync(process.execPath, [cli, 'run', f], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 2, `${name}: exit ${r.status}\n${r.stderr}`);
    assert.equal(r.stdout, '', `${name}: nothing on stdout`);
    assert.match(r.stderr, /is not a valid experiment:/);
    assert.ok(r.stderr.includes(`${c.path || '(file)'}: `), `${name}: stderr lacks "${c.path}":\n${r.stderr}`);
    assert.ok(!/\n\s+at .+:\d+:\d+/.test(r.stderr), `${name}: a stack trace on stderr:\n${r.stderr}`);
  }
});
