/**
 * The host side of the panel conversation, with a real Runner: what is posted for a run (in order, batched,
 * nothing lost), answers to the webview's requests, and invalid messages ignored.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Runner } from '../../src/experiment/runner';
import type { HostMessage, StepsMessage, StatusMessage } from '../../src/protocol';
import { PanelChannel } from '../../src/extension/panelChannel';
import { RunHub } from '../../src/extension/runHub';
import { RunnerSource } from '../../src/extension/runnerSource';
import type { BatcherClock } from '../../src/extension/stepBatcher';
import { stepOfRow, summariesOf } from '../../src/stepColumns';
import { goldenCase, goldenSpec, seedSpec } from './extension-runFixtures';

/** Time stands still unless the test moves it, so the batch rate is exact. */
class ManualClock implements BatcherClock {
  t = 0;
  timers = new Map<number, { at: number; fn: () => void }>();
  private n = 0;
  now = () => this.t;
  setTimeout = (fn: () => void, ms: number) => {
    this.timers.set(++this.n, { at: this.t + ms, fn });
    return this.n;
  };
  clearTimeout = (h: unknown) => void this.timers.delete(h as number);
  advance(ms: number) {
    this.t += ms;
    for (const [id, x] of [...this.timers].sort((a, b) => a[1].at - b[1].at)) {
      if (x.at > this.t) continue;
      this.timers.delete(id);
      x.fn();
    }
  }
}

function setup() {
  const hub = new RunHub();
  const posted: HostMessage[] = [];
  const logs: string[] = [];
  const clock = new ManualClock();
  const log = { info: (m: string) => logs.push(`info ${m}`), warn: (m: string) => logs.push(`warn ${m}`), error: (m: string) => logs.push(`error ${m}`) };
  const channel = new PanelChannel(hub, (m) => posted.push(m), { hz: () => 30, log, clock });
  return { hub, posted, logs, clock, channel };
}

const types = (ms: readonly HostMessage[]) => ms.map((m) => m.type);
const stepPosts = (ms: readonly HostMessage[]) => ms.filter((m): m is StepsMessage => m.type === 'steps');
/** Step numbers of every row posted in steps messages, in order. */
const postedSteps = (ms: readonly HostMessage[]) => stepPosts(ms).flatMap((m) => Array.from({ length: m.count }, (_, i) => stepOfRow(m, i)));

test('a whole run: run, steps 1..N in order and complete, diagnostics, final status done', async () => {
  const { hub, posted, channel } = setup();
  await channel.onMessage({ type: 'ready' });
  assert.equal(posted.length, 0, 'no run yet: nothing to post');
  const gc = goldenCase('SGD-broadcast-float64');
  const src = new RunnerSource(new Runner(goldenSpec(gc), { maxRecordedSteps: 50 }));
  hub.add(src);
  assert.deepEqual(types(posted), ['run', 'steps', 'diagnostics', 'status']);
  assert.equal((posted[1] as StepsMessage).replace, true);
  assert.equal((posted[1] as StepsMessage).count, 0);
  assert.deepEqual((posted[1] as StepsMessage).loss, []);
  assert.equal((posted[3] as StatusMessage).state, 'idle');
  await src.control('resume');
  await src.whenSettled();
  assert.deepEqual(postedSteps(posted), Array.from({ length: 20 }, (_, i) => i + 1));
  // Columns: every array has count entries, and row i is the runner's summary of step first + i.
  for (const m of stepPosts(posted)) {
    assert.equal(m.step, undefined, 'consecutive steps need no step column');
    for (const col of [m.epoch, m.batch, m.loss, ...Object.values(m.params).flatMap((p) => [...p.values, p.gradNorm, p.updateNorm, p.norm])]) assert.equal(col.length, m.count);
  }
  const rows = stepPosts(posted).flatMap(summariesOf);
  assert.deepEqual(rows, src.summaries, 'the posted columns hold exactly the runner\'s summaries');
  const lossOf = new Map(rows.map((s) => [s.step, s.loss] as const));
  assert.ok(Math.abs(lossOf.get(20)! - gc.steps[19].loss) <= 1e-12 * gc.steps[0].loss);
  const statuses = posted.filter((m): m is StatusMessage => m.type === 'status');
  assert.deepEqual(statuses.map((s) => s.state), ['idle', 'running', 'done']);
  assert.deepEqual([statuses[2].step, statuses[2].totalSteps], [20, 20]);
  // A resting run pushes the record of its latest step after its status.
  const last = posted[posted.length - 1];
  assert.equal(last.type, 'stepDetail');
  assert.equal(last.type === 'stepDetail' && last.record.step, 20);
  assert.equal(channel.posted.length, posted.length);
});

test('requestStep is answered with that step; invalid messages are logged and ignored', async () => {
  const { hub, posted, logs, channel } = setup();
  await channel.onMessage({ type: 'ready' });
  const src = new RunnerSource(new Runner(goldenSpec(goldenCase('SGD-broadcast-float64')), { maxRecordedSteps: 50 }));
  hub.add(src);
  await src.control('resume');
  await src.whenSettled();
  const n = posted.length;
  await channel.onMessage({ type: 'requestStep', runId: src.info.id, step: 3 });
  const answer = posted[n];
  assert.equal(answer.type, 'stepDetail');
  if (answer.type !== 'stepDetail') return;
  assert.equal(answer.record.step, 3);
  assert.equal(answer.complete, true);
  assert.deepEqual(answer.record.ops.map((o) => [o.op, o.output]), [['linear', [8, 1]], ['mse_loss', []]]);
  assert.deepEqual(answer.record.ops[1].broadcast?.shape, [8, 8]);

  for (const bad of [null, 'ready', { type: 'control', runId: src.info.id, action: 'explode' }, { type: 'requestStep', runId: src.info.id, step: -1 }, { type: 'nope' }])
    await channel.onMessage(bad);
  await channel.onMessage({ type: 'requestStep', runId: 'run-that-never-was', step: 1 });
  assert.equal(posted.length, n + 1, 'nothing posted for invalid messages');
  assert.equal(logs.filter((l) => l.startsWith('warn ignored an invalid message')).length, 5);
  assert.ok(logs.some((l) => /run-that-never-was/.test(l)));
});

test('controls from the panel: step, step epoch, reset', async () => {
  const { hub, posted, channel } = setup();
  await channel.onMessage({ type: 'ready' });
  const spec = { ...goldenSpec(goldenCase('SGD-broadcast-float64')), training: { epochs: 3, batchSize: 3 } };
  const src = new RunnerSource(new Runner(spec, { maxRecordedSteps: 50 }));
  hub.add(src);
  assert.equal(src.stepsPerEpoch, 3, '8 rows in batches of 3');
  const id = src.info.id;
  await channel.onMessage({ type: 'control', runId: id, action: 'step' });
  assert.equal(src.stepCount, 1);
  assert.equal(src.state, 'paused');
  await channel.onMessage({ type: 'control', runId: id, action: 'stepEpoch' });
  await src.whenSettled();
  assert.equal(src.stepCount, 3, 'to the end of epoch 0');
  await channel.onMessage({ type: 'control', runId: id, action: 'stepEpoch' });
  await src.whenSettled();
  assert.equal(src.stepCount, 6, 'one whole epoch from a boundary');
  const k = posted.length;
  await channel.onMessage({ type: 'control', runId: id, action: 'reset' });
  assert.equal(src.stepCount, 0);
  const after = posted.slice(k);
  assert.deepEqual(types(after), ['steps', 'diagnostics', 'status']);
  assert.equal((after[0] as StepsMessage).replace, true);
  assert.equal((after[2] as StatusMessage).state, 'idle');
  await channel.onMessage({ type: 'control', runId: id, action: 'stop' });
  assert.equal(src.state, 'stopped');
  await channel.onMessage({ type: 'control', runId: id, action: 'resume' });
  assert.equal(src.state, 'stopped', 'a stopped run stays stopped until reset');
});

test('a fast run streams at most 30 batches per simulated second; diagnostics go out with the batches', async () => {
  const { hub, posted, clock, channel } = setup();
  await channel.onMessage({ type: 'ready' });
  const src = new RunnerSource(new Runner(seedSpec, { maxRecordedSteps: 100 }), 1);
  hub.add(src);
  const k = posted.length;
  // Let the run go in 1 ms chunks while simulated time moves 1 ms per chunk.
  const sub = src.onDidChange((e) => {
    if (e.kind === 'steps') clock.advance(1);
  });
  await src.control('resume');
  await src.whenSettled();
  sub.dispose();
  const run = posted.slice(k);
  const posts = stepPosts(run);
  const simulatedMs = clock.t;
  // The batch after the final state change is the only one outside the rate.
  assert.ok(posts.length <= Math.floor((simulatedMs / 1000) * 30) + 2, `${posts.length} posts in ${simulatedMs} simulated ms`);
  assert.deepEqual(postedSteps(run), Array.from({ length: 300 }, (_, i) => i + 1));
  assert.deepEqual(posts.flatMap(summariesOf), src.summaries);
  const diag = run.filter((m) => m.type === 'diagnostics');
  assert.ok(diag.length >= 1, 'the seed bug is diagnosed while it runs');
  const lastDiag = diag[diag.length - 1];
  assert.ok(lastDiag.type === 'diagnostics' && lastDiag.diagnostics.some((d) => d.code === 'loss-broadcast'), 'loss-broadcast among the diagnoses');
  sub.dispose();
  src.dispose();
});

test('switching the shown run posts the new run with its whole history', async () => {
  const { hub, posted, channel } = setup();
  await channel.onMessage({ type: 'ready' });
  const a = new RunnerSource(new Runner(goldenSpec(goldenCase('SGD-broadcast-float64')), { maxRecordedSteps: 50 }));
  hub.add(a);
  await a.control('resume');
  await a.whenSettled();
  const b = new RunnerSource(new Runner(goldenSpec(goldenCase('SGD-matched-float64')), { maxRecordedSteps: 50 }));
  hub.add(b);
  const k = posted.length;
  hub.setActive(a);
  const after = posted.slice(k);
  assert.deepEqual(types(after).slice(0, 4), ['run', 'steps', 'diagnostics', 'status']);
  assert.equal(after[0].type === 'run' && after[0].run.id, a.info.id);
  assert.equal((after[1] as StepsMessage).count, 20);
  assert.equal((after[1] as StepsMessage).first, 1);
  assert.equal((after[1] as StepsMessage).replace, true);
  assert.equal((after[1] as StepsMessage).more, undefined, 'one chunk holds the whole history');
  assert.deepEqual(summariesOf(after[1] as StepsMessage), a.summaries);
  // Messages about a run that is not shown are not posted.
  await b.control('step');
  assert.ok(posted.slice(k).every((m) => !('runId' in m) || m.runId === a.info.id));
});
