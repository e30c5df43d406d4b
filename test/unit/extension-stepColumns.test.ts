/** Step summaries as the columns of a `steps` message: exact round trip, JSON nulls, chunked snapshots, gaps. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Runner } from '../../src/experiment/runner';
import type { StepSummary } from '../../src/experiment/records';
import type { StepsMessage } from '../../src/protocol';
import { SNAPSHOT_CHUNK, snapshotMessages, stepOfRow, stepsMessage, summariesOf } from '../../src/stepColumns';
import { seedSpec } from './extension-runFixtures';

/** 40 real steps of the seed bug (loss, two weight entries, norms). */
function seedSummaries(): StepSummary[] {
  const r = new Runner({ ...seedSpec, training: { ...seedSpec.training, epochs: 40 } }, { maxRecordedSteps: 5 });
  r.runSync(40);
  return r.summaries.slice();
}

test('a batch of real steps becomes one column per scalar, and reads back as the same summaries', () => {
  const steps = seedSummaries();
  const m = stepsMessage('run-1', steps, {}, 5, 15);
  assert.equal(m.type, 'steps');
  assert.equal(m.runId, 'run-1');
  assert.deepEqual([m.first, m.count, m.step, m.replace, m.more], [6, 10, undefined, undefined, undefined]);
  assert.deepEqual(m.loss, steps.slice(5, 15).map((s) => s.loss));
  assert.deepEqual(m.epoch, steps.slice(5, 15).map((s) => s.epoch));
  assert.deepEqual(Object.keys(m.params), ['layer1.weight']);
  const w = m.params['layer1.weight'];
  assert.equal(w.values.length, 2, 'one column per shown weight entry');
  assert.deepEqual(w.values[1], steps.slice(5, 15).map((s) => s.params['layer1.weight'].values[1]));
  assert.deepEqual(w.gradNorm, steps.slice(5, 15).map((s) => s.params['layer1.weight'].gradNorm));
  assert.deepEqual(summariesOf(m), steps.slice(5, 15));
  // Through JSON (what VS Code's postMessage does) nothing changes for finite numbers.
  assert.deepEqual(summariesOf(JSON.parse(JSON.stringify(m))), steps.slice(5, 15));
});

test('non-finite values become null in JSON; rows that skip step numbers carry a step column; a late param is null before', () => {
  const p = (v: number) => ({ values: [v, 2 * v], gradNorm: v, updateNorm: 1, norm: 3 });
  const steps: StepSummary[] = [
    { step: 3, epoch: 0, batch: 2, loss: 5, params: { a: p(1) } },
    { step: 4, epoch: 0, batch: 3, loss: NaN, params: { a: p(Infinity), b: { values: [7], gradNorm: 0, updateNorm: 0, norm: 7 } } },
    { step: 9, epoch: 1, batch: 0, loss: 2, params: { a: p(-1), b: { values: [8], gradNorm: 0, updateNorm: 0, norm: 8 } } },
  ];
  const m: StepsMessage = JSON.parse(JSON.stringify(stepsMessage('r', steps)));
  assert.deepEqual(m, {
    type: 'steps',
    runId: 'r',
    first: 3,
    count: 3,
    step: [3, 4, 9],
    epoch: [0, 0, 1],
    batch: [2, 3, 0],
    loss: [5, null, 2],
    params: {
      a: { values: [[1, null, -1], [2, null, -2]], gradNorm: [1, null, -1], updateNorm: [1, 1, 1], norm: [3, 3, 3] },
      b: { values: [[null, 7, 8]], gradNorm: [null, 0, 0], updateNorm: [null, 0, 0], norm: [null, 7, 8] },
    },
  });
  assert.deepEqual([0, 1, 2].map((i) => stepOfRow(m, i)), [3, 4, 9]);
  const back = summariesOf(m);
  assert.deepEqual(Object.keys(back[0].params), ['a'], 'b was not there at step 3');
  assert.deepEqual(back[1].params.b, steps[1].params.b);
  assert.equal(back[1].loss, null);
});

test('a snapshot is chunks of SNAPSHOT_CHUNK rows: replace on the first, more on all but the last, nothing lost', () => {
  const steps = seedSummaries();
  const chunks = snapshotMessages('r', steps, 16);
  assert.deepEqual(chunks.map((m) => [m.first, m.count, m.replace ?? false, m.more ?? false]), [[1, 16, true, true], [17, 16, false, true], [33, 8, false, false]]);
  assert.deepEqual(chunks.flatMap(summariesOf), steps);
  // Real chunk size: one message for a short run.
  assert.equal(snapshotMessages('r', steps).length, 1);
  assert.ok(SNAPSHOT_CHUNK >= 1000);
  // An empty history is one empty replace, so the panel clears its charts.
  assert.deepEqual(snapshotMessages('r', []), [{ type: 'steps', runId: 'r', first: 0, count: 0, epoch: [], batch: [], loss: [], params: {}, replace: true }]);
});

test('columns are far smaller than step objects in JSON (what a 100 000-step snapshot costs to send)', () => {
  const steps = seedSummaries();
  const objects = JSON.stringify({ type: 'steps', runId: 'r', steps }).length;
  const columns = JSON.stringify(stepsMessage('r', steps)).length;
  assert.ok(columns < 0.75 * objects, `columns ${columns} B vs objects ${objects} B`);
});
