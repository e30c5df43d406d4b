/** The Runs view's rows: runs of the same name are told apart, and an errored run says why without a hover. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunInfo, RunState } from '../../src/protocol';
import { RunHub } from '../../src/extension/runHub';
import { clockTime, REASON_IN_DESCRIPTION, runRow } from '../../src/extension/runsModel';
import { SourceEvents, type RunSource } from '../../src/extension/runSource';

let ids = 0;
function fakeRun(name: string, state: RunState = 'running', stateMessage?: string, stepCount = 10): RunSource {
  const events = new SourceEvents();
  const info = { id: `run-${++ids}`, name, source: 'experiment', params: {}, trueValues: {}, totalSteps: 300 } as unknown as RunInfo;
  return {
    info,
    state,
    stateMessage,
    stepCount,
    totalSteps: 300,
    stepsPerEpoch: 100,
    summaries: [],
    controls: [],
    record: () => undefined,
    diagnostics: () => [],
    control: async () => undefined,
    onDidChange: (l) => events.on(l),
    dispose: () => events.clear(),
  };
}

/** The rows as the view builds them: RunsTree.row() does exactly this. */
function rows(hub: RunHub) {
  return hub.runs.map((r) => runRow(r, hub.entry(r), hub.runs.filter((x) => x.info.name === r.info.name).length, r === hub.active));
}

test('two runs of the same name get #1 and #2 and their start times; a lone name gets neither number', () => {
  const hub = new RunHub();
  const t1 = new Date(2025, 0, 2, 9, 5, 7).getTime();
  const t2 = new Date(2025, 0, 2, 14, 3, 0).getTime();
  hub.add(fakeRun('seed broadcast'), t1);
  hub.add(fakeRun('seed fixed'), t1 + 1000);
  hub.add(fakeRun('seed broadcast', 'paused', undefined, 42), t2);
  const [newest, fixed, oldest] = rows(hub);
  assert.equal(newest.label, 'seed broadcast #2');
  assert.equal(oldest.label, 'seed broadcast #1');
  assert.equal(fixed.label, 'seed fixed');
  assert.equal(newest.description, 'paused · step 42/300 · started 14:03:00 · shown');
  assert.equal(oldest.description, 'running · step 10/300 · started 09:05:07');
  assert.notEqual(newest.label + newest.description, oldest.label + oldest.description);
  assert.equal(clockTime(t1), '09:05:07');
});

test('numbers are not reused: after the first run of a name is evicted the next one is still #n, not #1', () => {
  const hub = new RunHub();
  for (let i = 0; i < 14; i++) hub.add(fakeRun(i === 0 || i === 13 ? 'again' : `run ${i}`), 1000 * i);
  const again = hub.runs.filter((r) => r.info.name === 'again');
  assert.equal(again.length, 1, 'the first "again" was evicted (MAX_RUNS)');
  assert.equal(rows(hub)[0].label, 'again #2');
});

test('an errored run shows its reason in the description (cut short) and hands the whole of it to a child row', () => {
  const hub = new RunHub();
  const long = `CSV column "price_k" has a non-numeric value "n/a" on line 17; ${'x'.repeat(200)}`;
  hub.add(fakeRun('houses.csv: price_k', 'error', long, 0), new Date(2025, 0, 2, 8, 0, 0).getTime());
  const [row] = rows(hub);
  assert.equal(row.reason, long);
  assert.ok(row.description.startsWith('error: CSV column "price_k" has a non-numeric value "n/a" on line 17;'), row.description);
  const shown = row.description.split(' · ')[0];
  assert.equal(shown.length, 'error: '.length + REASON_IN_DESCRIPTION);
  assert.ok(shown.endsWith('…'));
  assert.match(row.description, / · step 0\/300 · started 08:00:00 · shown$/);
  assert.ok(row.tooltip.includes(long));
});

test('a run in any other state has no reason row, even with a state message', () => {
  const hub = new RunHub();
  hub.add(fakeRun('restored trace', 'idle', 'Restored after a reload: trace the script again to see its steps.'), 0);
  const [row] = rows(hub);
  assert.equal(row.reason, undefined);
  assert.match(row.description, /^idle · step 10\/300/);
  assert.match(row.tooltip, /Restored after a reload/);
});
