/** The Tensor Shapes tree nodes for the seed bug's step: the broadcast loss and the discarded squeeze are flagged. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { paramStats, shapeNodes } from '../../src/extension/shapesModel';
import type { Diagnosis, StepRecord } from '../../src/experiment/records';

const record: StepRecord = {
  step: 1,
  epoch: 0,
  batch: 0,
  loss: 404976.96,
  params: {
    'layer1.weight': { shape: [1, 2], value: [0.4, -0.2], grad: [7890, -4178], state: {}, update: [-0.1, 0.1], norm: 0.4472, gradNorm: 8928.08, updateNorm: 0.1414 },
  },
  ops: [
    { op: 'linear', label: 'layer1', inputs: [[100, 2], [1, 2]], inputNames: ['input', 'weight'], output: [100, 1], dtype: 'float32' },
    { op: 'squeeze', inputs: [[100, 1]], output: [100], discarded: true },
    { op: 'mse_loss', label: 'loss', inputs: [[100, 1], [100]], inputNames: ['input', 'target'], output: [], loss: true, broadcast: { shape: [100, 100], expanded: [[1], [0]] }, args: { reduction: 'mean' } },
  ],
};
const diagnoses: Diagnosis[] = [
  { code: 'loss-broadcast', severity: 'error', step: 1, message: 'MSELoss broadcast input [100, 1] against target [100] to [100, 100].', evidence: {}, opIndex: 2 },
  { code: 'discarded-result', severity: 'warning', step: 1, message: 'squeeze() result was discarded.', evidence: {}, opIndex: 1 },
];

test('one node per op plus the parameters, with shapes and warnings', () => {
  const nodes = shapeNodes(record, diagnoses);
  assert.deepEqual(nodes.map((n) => [n.label, n.description, n.warning]), [
    ['0: layer1 · linear', '[100, 2], [1, 2] → [100, 1]', false],
    ['1: squeeze', '[100, 1] → [100] (result discarded)', true],
    ['2: loss · mse_loss', '[100, 1], [100] → [] (broadcast to [100, 100])', true],
    ['parameters', 'step 1', false],
  ]);
  assert.equal(nodes[2].opIndex, 2);
  assert.equal(nodes[3].opIndex, undefined);
  assert.match(nodes[2].tooltip!, /^MSELoss broadcast input \[100, 1\] against target \[100\] to \[100, 100\]\./);
  assert.match(nodes[2].tooltip!, /reduction="mean"/);
  assert.match(nodes[1].tooltip!, /^squeeze\(\) result was discarded\./);
});

test('children: inputs with broadcast dims and parameter stats, then the output', () => {
  const [linear, , loss, params] = shapeNodes(record, diagnoses);
  assert.deepEqual(linear.children.map((c) => [c.label, c.description]), [
    ['in input', '[100, 2] · float32'],
    ['in weight (layer1.weight)', '[1, 2] · float32 · value min -0.2 max 0.4 mean 0.1 · grad min -4178 max 7890 mean 1856'],
    ['out', '[100, 1] · float32'],
  ]);
  assert.deepEqual(loss.children.map((c) => [c.label, c.description, !!c.expanded]), [
    ['in input', '[100, 1] · broadcast along dim 1 to [100, 100]', true],
    ['in target', '[100] · broadcast along dim 0 to [100, 100]', true],
    ['out', '[]', false],
  ]);
  assert.deepEqual(params.children.map((c) => c.label), ['layer1.weight']);
  assert.equal(params.children[0].description, '[1, 2] · value min -0.2 max 0.4 mean 0.1 · grad min -4178 max 7890 mean 1856');
});

test('stats of thinned and grad-less parameters, and large values in exponent form', () => {
  assert.deepEqual(paramStats({ shape: [3], value: [1e6, 2e6, 3e6], grad: null, state: {}, update: [], norm: 0, gradNorm: 0, updateNorm: 0, thinned: true }), {
    value: 'min 1.000e+6 max 3.000e+6 mean 2.000e+6 (sample)',
    grad: 'no grad',
  });
});

test('without a matching diagnosis the warning still explains itself; a step without ops has only parameters', () => {
  const nodes = shapeNodes(record, []);
  assert.match(nodes[2].tooltip!, /^The loss broadcast its inputs to \[100, 100\]\./);
  assert.equal(shapeNodes({ ...record, ops: [] }, []).length, 1);
});
