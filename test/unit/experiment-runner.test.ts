/**
 * The step runner: stepping equals running, untilStep/pause/reset/abort, yielding to the event loop, bounded
 * history, a forgotten zero_grad, the last partial batch, seeded shuffling (against NumPy's own shuffle).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { StepRecord } from '../../src/experiment/records';
import type { ExperimentSpec } from '../../src/experiment/spec';
import { runner } from './experiment-presetRuns';

const short = (epochs: number) => (s: ExperimentSpec) => {
  s.training.epochs = epochs;
};

test('step() one at a time gives exactly the records runSync() and run() give', async () => {
  const a = runner('seed-broadcast', short(2));
  const stepped: StepRecord[] = [];
  for (let r = a.step(); r; r = a.step()) stepped.push(r);
  assert.equal(stepped.length, 200);
  assert.equal(a.step(), undefined, 'finished');
  assert.equal(a.state, 'done');
  const b = runner('seed-broadcast', short(2));
  const synced: StepRecord[] = [];
  b.runSync(undefined, (r) => synced.push(r));
  const c = runner('seed-broadcast', short(2));
  const ran: StepRecord[] = [];
  await c.run({ chunkMs: 1, onRecord: (r) => ran.push(r) });
  assert.equal(c.state, 'done');
  for (const other of [synced, ran]) {
    assert.equal(other.length, 200);
    other.forEach((r, i) => {
      assert.equal(r.step, i + 1);
      assert.equal(r.loss, stepped[i].loss, `loss of step ${i + 1}`);
      assert.deepEqual(r.params, stepped[i].params, `params of step ${i + 1}`);
      assert.deepEqual(r.ops, stepped[i].ops);
    });
  }
  assert.deepEqual(b.summaries, a.summaries);
  assert.deepEqual(c.summaries, a.summaries);
  // Epoch and batch numbering: 100 batches per epoch.
  assert.deepEqual([stepped[0].epoch, stepped[0].batch, stepped[99].epoch, stepped[99].batch, stepped[100].epoch, stepped[100].batch], [0, 0, 0, 99, 1, 0]);
});

test('run({untilStep}) stops exactly there and resumes to the same result as one run', async () => {
  const r = runner('seed-fixed', short(3));
  await r.run({ untilStep: 137 });
  assert.equal(r.stepCount, 137);
  assert.equal(r.summaries.length, 137);
  assert.equal(r.state, 'paused');
  await r.run({ untilStep: 138 });
  assert.equal(r.stepCount, 138);
  await r.run();
  assert.equal(r.stepCount, 300);
  assert.equal(r.state, 'done');
  const whole = runner('seed-fixed', short(3));
  whole.runSync();
  assert.deepEqual(r.summaries, whole.summaries);
});

test('pause() during an async run stops it at the end of the chunk; run() then continues', async () => {
  const r = runner('seed-broadcast', short(10));
  let chunks = 0;
  await r.run({
    chunkMs: 1,
    onChunk: (s) => {
      chunks++;
      assert.ok(s.length > 0);
      if (chunks === 2) r.pause();
    },
  });
  assert.equal(r.state, 'paused');
  assert.equal(chunks, 2);
  assert.ok(r.stepCount > 0 && r.stepCount < r.totalSteps, `paused at ${r.stepCount}`);
  assert.equal(r.summaries.length, r.stepCount);
  const at = r.stepCount;
  assert.equal(r.step()!.step, at + 1, 'a paused run can be stepped');
  await r.run();
  assert.equal(r.state, 'done');
  assert.equal(r.stepCount, 1000);
});

test('reset() returns to step 0 with the same initial weights and replays the same steps', () => {
  const r = runner('mlp');
  const first = r.step()!;
  r.runSync(150);
  assert.equal(r.stepCount, 150);
  r.reset();
  assert.equal(r.stepCount, 0);
  assert.equal(r.state, 'idle');
  assert.deepEqual(r.summaries, []);
  assert.equal(r.record(1), undefined);
  const again = r.step()!;
  assert.equal(again.loss, first.loss);
  for (const [name, p] of Object.entries(first.params)) {
    const q = again.params[name];
    assert.deepEqual(q.value.map((v, i) => v - q.update[i]), p.value.map((v, i) => v - p.update[i]), `${name} before step 1`);
    assert.deepEqual(q.value, p.value, `${name} after step 1`);
  }
  // The shuffled order restarts too (mlp shuffles): step 2 is the same batch.
  r.runSync(150);
  const fresh = runner('mlp');
  fresh.runSync(150);
  assert.deepEqual(r.summaries, fresh.summaries);
});

test('an AbortSignal stops an async run with state "stopped"', async () => {
  const r = runner('seed-broadcast', short(10));
  const ac = new AbortController();
  await r.run({ chunkMs: 1, signal: ac.signal, onChunk: () => ac.abort() });
  assert.equal(r.state, 'stopped');
  assert.ok(r.stepCount > 0 && r.stepCount < 1000, `stopped at ${r.stepCount}`);
  const at = r.stepCount;
  await r.run();
  assert.equal(r.stepCount, at, 'a stopped run stays stopped');
  // Aborted before it starts: no step at all.
  const r2 = runner('seed-broadcast', short(10));
  const ac2 = new AbortController();
  ac2.abort();
  await r2.run({ chunkMs: 50, signal: ac2.signal });
  assert.equal(r2.state, 'stopped');
  assert.equal(r2.stepCount, 0);
});

test('run() yields to the event loop: setImmediate and timer callbacks fire while it trains', async () => {
  const r = runner('seed-broadcast', short(10));
  const seenAt: number[] = [];
  let ticking = true;
  const tick = () => {
    seenAt.push(r.stepCount);
    if (ticking) setImmediate(tick);
  };
  setImmediate(tick);
  let timerAt = -1;
  setTimeout(() => (timerAt = r.stepCount), 0);
  await r.run({ chunkMs: 2 });
  ticking = false;
  assert.equal(r.stepCount, 1000);
  const during = seenAt.filter((s) => s > 0 && s < 1000);
  assert.ok(during.length >= 3, `setImmediate fired at steps ${seenAt.slice(0, 20).join(',')}`);
  assert.ok(timerAt > 0 && timerAt < 1000, `the 0 ms timer fired at step ${timerAt}`);
});

test('history stays bounded: 3000 summaries, full records for recent steps and a thinned set of old ones', () => {
  const max = 50;
  const r = runner('seed-broadcast', undefined, { maxRecordedSteps: max });
  const losses: number[] = [];
  r.runSync(undefined, (rec) => losses.push(rec.loss));
  assert.equal(r.summaries.length, 3000);
  assert.deepEqual(r.summaries.map((s) => s.loss), losses);
  const complete: number[] = [];
  for (let k = 1; k <= 3000; k++) {
    const got = r.record(k);
    assert.ok(got, `record(${k})`);
    assert.equal(got.record.step, k);
    assert.equal(got.record.loss, losses[k - 1], `loss of step ${k}`);
    if (got.complete) {
      complete.push(k);
      assert.equal(got.record.ops.length, 3, `ops of step ${k}`);
      assert.ok(got.record.params['layer1.weight'].grad, `grad of step ${k}`);
    } else {
      assert.deepEqual(got.record.ops, []);
      assert.equal(got.record.params['layer1.weight'].value.length, 2, 'the summary keeps the weights');
    }
  }
  for (let k = 3000 - max + 1; k <= 3000; k++) assert.ok(complete.includes(k), `recent step ${k} is complete`);
  const old = complete.filter((k) => k <= 3000 - max);
  assert.ok(old.length >= 10, `${old.length} old full records kept`);
  assert.ok(old[0] < 500 && old[old.length - 1] > 2000, `old records span the run: ${old[0]}…${old[old.length - 1]}`);
  assert.ok(complete.length <= 2 * max + 2, `${complete.length} full records kept for maxRecordedSteps ${max}`);
  assert.equal(r.record(0), undefined);
  assert.equal(r.record(3001), undefined);
});

test('zeroGrad false accumulates: the grad used at step 2 is grad₁ + grad₂ computed separately', () => {
  const acc = runner('forgotten-zero-grad');
  const a1 = acc.step()!;
  const a2 = acc.step()!;
  const clean = runner('forgotten-zero-grad', (s) => (s.training.zeroGrad = true));
  const c1 = clean.step()!;
  const c2 = clean.step()!;
  for (const name of ['layer1.weight', 'layer1.bias']) {
    assert.deepEqual(a1.params[name].grad, c1.params[name].grad, `${name}: step 1 is the same either way`);
    assert.deepEqual(a1.params[name].value, c1.params[name].value, `${name}: so the weights before step 2 are the same`);
    const sum = c1.params[name].grad!.map((g, i) => g + c2.params[name].grad![i]);
    const got = a2.params[name].grad!;
    sum.forEach((s, i) => assert.ok(Math.abs(got[i] - s) <= 1e-6 * Math.max(1, Math.abs(s)), `${name} grad[${i}] ${got[i]} vs ${s}`));
    assert.notDeepEqual(got, c2.params[name].grad);
    // SGD applies exactly the accumulated gradient: Δw = −lr·(grad₁ + grad₂).
    a2.params[name].update.forEach((u, i) => assert.ok(Math.abs(u + 0.05 * got[i]) < 1e-6, `${name} update[${i}]`));
  }
});

test('the last partial batch is kept: 250 samples in batches of 100 are 3 steps per epoch (100, 100, 50)', () => {
  const r = runner('seed-fixed', (s) => {
    if (s.data.kind === 'synthetic') s.data.samples = 250;
    s.training.epochs = 2;
  });
  assert.equal(r.stepsPerEpoch, 3);
  assert.equal(r.totalSteps, 6);
  const seen: [number, number, readonly number[], readonly number[]][] = [];
  r.runSync(undefined, (rec) => {
    const lin = rec.ops.find((o) => o.op === 'linear')!;
    const loss = rec.ops.find((o) => o.loss)!;
    seen.push([rec.epoch, rec.batch, lin.inputs[0], loss.inputs[1]]);
  });
  assert.deepEqual(seen, [
    [0, 0, [100, 2], [100]],
    [0, 1, [100, 2], [100]],
    [0, 2, [50, 2], [50]],
    [1, 0, [100, 2], [100]],
    [1, 1, [100, 2], [100]],
    [1, 2, [50, 2], [50]],
  ]);
  assert.equal(r.state, 'done');
});

test('shuffle is seeded: the same order twice, NumPy\'s np.random.shuffle order, different from unshuffled', () => {
  const spec = (shuffle: boolean) => (s: ExperimentSpec) => {
    if (s.data.kind === 'synthetic') s.data.samples = 250;
    s.training = { epochs: 2, batchSize: 10, shuffle, shuffleSeed: 7 };
  };
  const a = runner('seed-fixed', spec(true));
  const b = runner('seed-fixed', spec(true));
  const plain = runner('seed-fixed', spec(false));
  const ra: StepRecord[] = [];
  a.runSync(undefined, (r) => ra.push(r));
  b.runSync();
  plain.runSync();
  assert.deepEqual(a.summaries, b.summaries);
  assert.notDeepEqual(a.summaries.map((s) => s.loss), plain.summaries.map((s) => s.loss));
  // np.random.seed(7); o = np.arange(250); np.random.shuffle(o) → o[:10]; shuffle(o) again for epoch 2.
  const y = a.data.y.values();
  const mean = (rows: number[]) => rows.reduce((t, i) => t + y[i], 0) / rows.length;
  const epoch1 = [148, 219, 94, 84, 3, 121, 97, 236, 138, 122];
  const epoch2 = [59, 4, 97, 73, 178, 191, 142, 185, 151, 198];
  assert.ok(Math.abs(ra[0].targetMean! - mean(epoch1)) < 1e-9, `batch 1 target mean ${ra[0].targetMean} vs NumPy rows ${mean(epoch1)}`);
  assert.ok(Math.abs(ra[25].targetMean! - mean(epoch2)) < 1e-9, `epoch 2 batch 1 target mean ${ra[25].targetMean} vs NumPy rows ${mean(epoch2)}`);
  // Each epoch is a permutation: its batches together hold every target once.
  for (const e of [0, 1]) {
    const total = ra.filter((r) => r.epoch === e).reduce((t, r) => t + r.targetMean! * 10, 0);
    const all = Array.from(y).reduce((t, v) => t + v, 0);
    assert.ok(Math.abs(total - all) < 1e-6 * Math.abs(all) + 1e-6, `epoch ${e}: ${total} vs ${all}`);
  }
});

test('maxRecordedSteps is taken as whole steps (1.5 → 1, NaN → the default 2000); lossAt refuses steps not taken', () => {
  const whole = runner('seed-broadcast', short(1));
  whole.runSync(20);
  for (const [max, kept] of [[1.5, 1], [NaN, 20], [0, 1]] as const) {
    const r = runner('seed-broadcast', short(1), { maxRecordedSteps: max });
    r.runSync(20);
    assert.equal(r.stepCount, 20);
    assert.deepEqual(r.summaries, whole.summaries, `summaries with maxRecordedSteps ${max}`);
    const full = Array.from({ length: 20 }, (_, i) => r.record(i + 1)!).filter((x) => x.complete);
    assert.equal(full.filter((x) => x.record.step > 20 - kept).length, kept, `recent full records with maxRecordedSteps ${max}`);
    assert.deepEqual(r.record(20), whole.record(20));
  }
  assert.equal(whole.lossAt(20), whole.summaries[19].loss);
  for (const bad of [0, 21, 1.5, NaN]) assert.throws(() => whole.lossAt(bad), /no step .*: the run has taken 20/);
});
