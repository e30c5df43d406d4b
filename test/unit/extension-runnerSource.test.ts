/** The runner adapter's controls while a run is going: pause mid-run, resume to the end, stop, and step after reset. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Runner } from '../../src/experiment/runner';
import { RunnerSource } from '../../src/extension/runnerSource';
import type { RunSourceEvent } from '../../src/extension/runSource';
import { seedSpec } from './extension-runFixtures';
import { deflateRaw } from 'node:zlib';

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

/** `steps` of the seed spec: far more than any of these tests lets run. */
const longSpec = { ...seedSpec, training: { ...seedSpec.training, epochs: 1_000_000 } };
const deflateOnce = () => new Promise<void>((res, rej) => deflateRaw(Buffer.from('{"type":"reply","id":1}'), (e) => (e ? rej(e) : res())));

test('a long run leaves the host room: chained thread-pool round trips (VS Code deflates each socket message) are not held a whole chunk each', async () => {
  const src = new RunnerSource(new Runner(longSpec, { maxRecordedSteps: 20 }));
  await src.control('resume');
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(src.state, 'running');
  // One message through VS Code's websocket is a few such hops; a palette command is several messages.
  const t0 = performance.now();
  for (let i = 0; i < 20; i++) await deflateOnce();
  const hopsMs = performance.now() - t0;
  const atStop = src.stepCount;
  const t1 = performance.now();
  await src.control('stop');
  const stopMs = performance.now() - t1;
  assert.equal(src.state, 'stopped');
  const after = src.stepCount;
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(src.stepCount, after, 'no step after stop');
  assert.ok(hopsMs < 300, `20 deflate round trips took ${hopsMs.toFixed(0)} ms while the run went on`);
  assert.ok(stopMs < 100, `stop took ${stopMs.toFixed(0)} ms`);
  assert.ok(after > 0 && after - atStop < 2000, `${after - atStop} steps ran after stop`);
});

test('the run still trains: at least 70 % of the time goes to steps', async () => {
  const base = new Runner(longSpec, { maxRecordedSteps: 20 });
  let t0 = performance.now();
  while (performance.now() - t0 < 300) base.step();
  const flatOut = base.stepCount;
  const src = new RunnerSource(new Runner(longSpec, { maxRecordedSteps: 20 }));
  await src.control('resume');
  t0 = performance.now();
  await new Promise((r) => setTimeout(r, 300));
  await src.control('pause');
  const paced = src.stepCount * (300 / (performance.now() - t0));
  assert.equal(src.state, 'paused');
  assert.ok(paced > 0.7 * flatOut, `${paced.toFixed(0)} steps paced vs ${flatOut} flat out in 300 ms`);
});
