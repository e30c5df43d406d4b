/** The runner adapter's controls while a run is going: pause mid-run, resume to the end, stop, and step after reset. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Runner } from '../../src/experiment/runner';
import { RunnerSource } from '../../src/extension/runnerSource';
import type { RunSourceEvent } from '../../src/extension/runSource';
import { seedSpec } from './extension-runFixtures';

test('pause mid-run stops between chunks; resume continues from there to the end with no step lost or repeated', async () => {
  const src = new RunnerSource(new Runner(seedSpec, { maxRecordedSteps: 20 }), 1);
  const seen: number[] = [];
  const states: string[] = [];
  let paused = false;
  src.onDidChange((e: RunSourceEvent) => {
    if (e.kind === 'steps') {
      seen.push(...e.steps.map((s) => s.step));
      if (!paused) {
        paused = true;
        void src.control('pause');
      }
    }
    if (e.kind === 'state') states.push(e.state);
  });
  await src.control('resume');
  await src.whenSettled();
  assert.equal(src.state, 'paused');
  const at = src.stepCount;
  assert.ok(at > 0 && at < 300, `paused at ${at}`);
  assert.deepEqual(seen, Array.from({ length: at }, (_, i) => i + 1));
  await src.control('resume');
  await src.whenSettled();
  assert.equal(src.state, 'done');
  assert.deepEqual(seen, Array.from({ length: 300 }, (_, i) => i + 1));
  assert.deepEqual(states, ['running', 'paused', 'running', 'done']);
});

test('stop mid-run is final until reset; after reset the same run replays step 1 exactly', async () => {
  const src = new RunnerSource(new Runner(seedSpec, { maxRecordedSteps: 20 }), 1);
  let first: number | undefined;
  src.onDidChange((e) => {
    if (e.kind === 'steps' && first === undefined) {
      first = e.steps[0].loss;
      void src.control('stop');
    }
  });
  await src.control('resume');
  await src.whenSettled();
  assert.equal(src.state, 'stopped');
  const at = src.stepCount;
  await src.control('step');
  await src.control('resume');
  assert.equal(src.stepCount, at, 'stopped: neither step nor resume moves it');
  await src.control('reset');
  assert.equal(src.state, 'idle');
  assert.equal(src.stepCount, 0);
  await src.control('step');
  assert.equal(src.stepCount, 1);
  assert.equal(src.summaries[0].loss, first, 'same initial weights and data');
  assert.equal(src.state, 'paused');
});
