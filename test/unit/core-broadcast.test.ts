/** Broadcasting against torch.broadcast_shapes (fixture by scripts/make-fixtures.py) and the trace's expanded dims. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { broadcastInfo, broadcastShapes, losses, ops, shapeStr, Tensor, tracer } from '../../src/core';
import { FIXTURES } from './goldenFixture';

interface Entry { shapes: number[][]; result?: number[]; error?: string }
const table: Entry[] = JSON.parse(readFileSync(join(FIXTURES, 'broadcast-table.json'), 'utf8')).broadcast;

test('the table has at least 50 pairs, both broadcastable and not', () => {
  assert.ok(table.filter((e) => e.shapes.length === 2).length >= 50);
  assert.ok(table.filter((e) => e.error).length >= 10);
  assert.ok(table.filter((e) => e.result).length >= 40);
});

for (const e of table) {
  const name = e.shapes.map(shapeStr).join(' vs ');
  test(`broadcastShapes(${name}) ${e.result ? `= ${shapeStr(e.result)}` : 'throws'} like torch`, () => {
    if (e.result) {
      assert.deepEqual(broadcastShapes(...e.shapes), e.result);
      return;
    }
    assert.throws(
      () => broadcastShapes(...e.shapes),
      (err: Error) => {
        // The message names the offending shapes so a user can find them (torch's generic text does not).
        for (const s of e.shapes) assert.ok(err.message.includes(shapeStr(s)), `"${err.message}" names ${shapeStr(s)}`);
        return err.name === 'ShapeError';
      },
    );
  });
}

test('a real op throws the same way and names both shapes', () => {
  assert.throws(() => ops.add(Tensor.zeros([100, 2]), Tensor.zeros([100])), /\[100,2\].*\[100\]/);
  assert.throws(() => losses.mseLoss(Tensor.zeros([3]), Tensor.zeros([4])), /\[3\].*\[4\]/);
});

const INFO: [number[], number[], number[], number[][] | undefined][] = [
  [[100, 1], [100], [100, 100], [[1], [0]]],
  [[100], [100, 1], [100, 100], [[0], [1]]],
  [[4, 1], [3], [4, 3], [[1], [0]]],
  [[2, 3, 1], [1, 4], [2, 3, 4], [[2], [0, 1]]],
  [[5, 3], [], [5, 3], [[], [0, 1]]],
  [[1, 1], [1], [1, 1], undefined],
  [[8], [8], [8], undefined],
  [[6, 1, 5], [6, 1, 5], [6, 1, 5], undefined],
];
for (const [a, b, shape, expanded] of INFO) {
  test(`broadcastInfo(${shapeStr(a)}, ${shapeStr(b)}) expands ${JSON.stringify(expanded)}`, () => {
    assert.deepEqual(broadcastInfo([a, b], broadcastShapes(a, b)), expanded && { shape, expanded });
  });
}

test('the trace of mse [100,1] vs [100] records the [100,100] broadcast; matched shapes record none', () => {
  tracer.begin();
  ops.sub(Tensor.zeros([100, 1]), Tensor.zeros([100]));
  losses.mseLoss(Tensor.zeros([100, 1]), Tensor.zeros([100]));
  losses.mseLoss(Tensor.zeros([100]), Tensor.zeros([100]));
  const [sub, bad, good] = tracer.end();
  assert.deepEqual(sub.broadcast, { shape: [100, 100], expanded: [[1], [0]] });
  assert.deepEqual(sub.output, [100, 100]);
  assert.equal(bad.op, 'mse_loss');
  assert.deepEqual(bad.inputs, [[100, 1], [100]]);
  assert.deepEqual(bad.broadcast, { shape: [100, 100], expanded: [[1], [0]] });
  assert.deepEqual(bad.output, []);
  assert.equal(good.broadcast, undefined);
});
