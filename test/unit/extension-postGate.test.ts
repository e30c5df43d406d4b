/**
 * Flow control towards the panel: one `steps` batch on its way at a time; what arrives meanwhile waits and
 * goes as one merged batch, in order, with nothing lost; a new snapshot drops what it replaces.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HostMessage, StepsMessage } from '../../src/protocol';
import type { StepSummary } from '../../src/experiment/records';
import { ACK_TIMEOUT_MS, PostGate } from '../../src/extension/postGate';
import { stepsMessage, summariesOf } from '../../src/stepColumns';

function summary(step: number): StepSummary {
  return { step, epoch: 0, batch: step - 1, loss: 1000 / step, params: { 'layer1.weight': { values: [step / 10, -step / 10], norm: step, gradNorm: 2 * step, updateNorm: 0.5 } } };
}
const steps = (runId: string, from: number, to: number, opts = {}) => stepsMessage(runId, Array.from({ length: to - from + 1 }, (_, i) => summary(from + i)), opts);

/** A `send` whose answers the test gives by hand, like a busy workbench. */
function recorder() {
  const sent: HostMessage[] = [];
  const answers: (() => void)[] = [];
  const send = (m: HostMessage) => {
    sent.push(m);
    return new Promise<boolean>((r) => answers.push(() => r(true)));
  };
  const answerAll = async () => {
    for (const a of answers.splice(0)) a();
    await new Promise((r) => setImmediate(r));
  };
  return { sent, send, answerAll };
}

test('batches posted while one is on its way go as one merged batch when it is taken, every step once and in order', async () => {
  const r = recorder();
  const gate = new PostGate(r.send);
  gate.post(steps('a', 1, 3));
  gate.post(steps('a', 4, 6));
  gate.post({ type: 'status', runId: 'a', state: 'running', step: 6, totalSteps: 100 });
  gate.post(steps('a', 7, 9));
  gate.post(steps('a', 10, 12));
  assert.equal(r.sent.length, 1, 'only the first batch goes before the workbench took it');
  await r.answerAll();
  assert.equal(r.sent.length, 2, 'then the next batch, and the status behind it waits for that one');
  await r.answerAll();
  // Order kept: the batch before the status, the status, then the two batches after it as one.
  assert.deepEqual(r.sent.map((m) => m.type), ['steps', 'steps', 'status', 'steps']);
  const rows = r.sent.filter((m): m is StepsMessage => m.type === 'steps').flatMap((m) => summariesOf(m));
  assert.deepEqual(rows.map((s) => s.step), Array.from({ length: 12 }, (_, i) => i + 1));
  assert.deepEqual(rows[8], summary(9));
  const last = r.sent[3] as StepsMessage;
  assert.equal(last.first, 7);
  assert.equal(last.count, 6);
  await r.answerAll();
  assert.equal(gate.busy, false);
});

test('messages other than steps are not held back when nothing waits', async () => {
  const r = recorder();
  const gate = new PostGate(r.send);
  gate.post(steps('a', 1, 2));
  gate.post({ type: 'diagnostics', runId: 'a', diagnostics: [] });
  gate.post({ type: 'error', message: 'boom' });
  assert.deepEqual(r.sent.map((m) => m.type), ['steps', 'diagnostics', 'error']);
});

test('a new run (a snapshot) drops the steps, status and details still waiting, but not errors', async () => {
  const r = recorder();
  const gate = new PostGate(r.send);
  gate.post(steps('old', 1, 2));
  gate.post(steps('old', 3, 4));
  gate.post({ type: 'status', runId: 'old', state: 'running', step: 4, totalSteps: 10 });
  gate.post({ type: 'error', message: 'what-if failed' });
  gate.post({ type: 'run', run: { id: 'new' } as never });
  gate.post(steps('new', 1, 0, { replace: true }));
  assert.deepEqual(r.sent.map((m) => m.type), ['steps']);
  await r.answerAll();
  assert.deepEqual(r.sent.map((m) => (m.type === 'steps' ? `steps:${m.runId}` : m.type)), ['steps:old', 'error', 'run', 'steps:new']);
  assert.equal((r.sent[3] as StepsMessage).replace, true);
});

test('snapshot chunks (replace / more) are never merged, and a batch of another run is not merged into one', async () => {
  const r = recorder();
  const gate = new PostGate(r.send);
  gate.post(steps('a', 1, 2, { replace: true, more: true }));
  gate.post(steps('a', 3, 4, { more: true }));
  gate.post(steps('a', 5, 6));
  gate.post(steps('b', 1, 2));
  for (let i = 0; i < 4; i++) await r.answerAll();
  assert.deepEqual(r.sent.map((m) => (m as StepsMessage).count), [2, 2, 2, 2]);
  assert.deepEqual(r.sent.map((m) => (m as StepsMessage).runId), ['a', 'a', 'a', 'b']);
});

test('a webview that never answers holds batches back only for ACK_TIMEOUT_MS; a late answer releases nothing twice', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const sent: HostMessage[] = [];
  const gate = new PostGate((m) => {
    sent.push(m);
    return new Promise(() => undefined);
  });
  gate.post(steps('a', 1, 1));
  gate.post(steps('a', 2, 2));
  assert.equal(sent.length, 1);
  t.mock.timers.tick(ACK_TIMEOUT_MS - 1);
  assert.equal(sent.length, 1);
  t.mock.timers.tick(1);
  assert.equal(sent.length, 2);
  gate.reset();
  gate.post(steps('a', 3, 3));
  assert.equal(sent.length, 3, 'after a reset (the panel reloaded) nothing is owed');
});
