/** The push-fed run source (for traced scripts): bounded records, ordered steps, stop, and the panel flow. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Runner } from '../../src/experiment/runner';
import type { HostMessage, RunInfo } from '../../src/protocol';
import { PanelChannel } from '../../src/extension/panelChannel';
import { RecordedRunSource } from '../../src/extension/recordedRunSource';
import { RunHub } from '../../src/extension/runHub';
import { summariesOf } from '../../src/stepColumns';
import { goldenCase, goldenSpec } from './extension-runFixtures';

const info: RunInfo = { id: 'trace-1', name: 'broadcast_bug.py', source: 'trace', script: '/w/broadcast_bug.py', dtype: 'float32', params: { 'layer1.weight': [1, 2] }, optimizer: { type: 'sgd', args: {} }, totalSteps: 0 };

/** Real records to replay: the golden SGD broadcast run. */
function records() {
  const r = new Runner(goldenSpec(goldenCase('SGD-broadcast-float64')), { maxRecordedSteps: 100 });
  const out = [];
  for (let k = 0; k < 20; k++) out.push(r.step()!);
  return { out, diagnostics: r.diagnostics() };
}

test('keeps every summary but only the latest maxRecordedSteps full records; refuses out-of-order steps', () => {
  const { out } = records();
  const src = new RecordedRunSource(info, { maxRecordedSteps: 4 });
  for (const r of out) assert.equal(src.append(r), true);
  assert.equal(src.append(out[3]), false, 'step 4 again');
  assert.equal(src.stepCount, 20);
  assert.deepEqual(src.summaries.map((s) => s.step), Array.from({ length: 20 }, (_, i) => i + 1));
  assert.equal(src.record(20)!.complete, true);
  assert.equal(src.record(17)!.complete, true);
  const old = src.record(16)!;
  assert.equal(old.complete, false);
  assert.equal(old.record.loss, out[15].loss);
  assert.deepEqual(old.record.ops, []);
  assert.equal(src.record(21), undefined);
  assert.deepEqual(src.controls, []);
});

test('through the panel: run, streamed steps, diagnostics once per change, status done; stop calls back', async () => {
  const { out, diagnostics } = records();
  const hub = new RunHub();
  const posted: HostMessage[] = [];
  const noop = () => undefined;
  const channel = new PanelChannel(hub, (m) => posted.push(m), { hz: () => 30, log: { info: noop, warn: noop, error: noop } });
  await channel.onMessage({ type: 'ready' });
  let stopped = 0;
  const src = new RecordedRunSource(info, { onStop: () => void stopped++ });
  hub.add(src);
  for (const r of out) src.append(r);
  src.setDiagnostics(diagnostics);
  src.setDiagnostics(diagnostics);
  src.setState('done');
  const steps = posted.flatMap((m) => (m.type === 'steps' ? summariesOf(m).map((s) => s.step) : []));
  assert.deepEqual(steps, Array.from({ length: 20 }, (_, i) => i + 1));
  const diag = posted.filter((m) => m.type === 'diagnostics');
  assert.equal(diag.length, 2, 'the empty set on show, then the real set once');
  assert.ok(diag[1].type === 'diagnostics' && diag[1].diagnostics.some((d) => d.code === 'loss-broadcast'));
  const statuses = posted.flatMap((m) => (m.type === 'status' ? [m.state] : []));
  assert.deepEqual(statuses, ['running', 'done']);
  await src.control('stop');
  assert.equal(stopped, 0, 'a finished trace is not stopped again');
  const live = new RecordedRunSource({ ...info, id: 'trace-2' }, { onStop: () => void stopped++ });
  assert.deepEqual(live.controls, ['stop']);
  await live.control('stop');
  assert.equal(stopped, 1);
  assert.equal(live.state, 'stopped');
  channel.dispose();
});
