/** A reloaded panel's saved state is untrusted input: only a well-formed RunInfo is restored. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runInfoFromState, SavedRunSource } from '../../src/extension/savedRunSource';

test('a saved trace run is restored field by field, with no steps and no controls', () => {
  const info = runInfoFromState({ id: 'trace-7', name: 'bug.py', source: 'trace', script: '/w/bug.py', dtype: 'float64', params: { 'fc.weight': [1, 2], 'fc.bias': [1] }, optimizer: { type: 'Adam', args: { lr: 0.1 } }, totalSteps: 40, extra: '<script>' });
  assert.deepEqual(info, { id: 'trace-7', name: 'bug.py', source: 'trace', spec: undefined, script: '/w/bug.py', dtype: 'float64', params: { 'fc.weight': [1, 2], 'fc.bias': [1] }, optimizer: { type: 'Adam', args: {} }, totalSteps: 40 });
  const s = new SavedRunSource(info!);
  assert.equal(s.state, 'stopped');
  assert.equal(s.stepCount, 0);
  assert.equal(s.totalSteps, 40);
  assert.deepEqual(s.controls, []);
  assert.equal(s.record(), undefined);
  assert.match(s.stateMessage, /trace the script again/);
});

test('malformed states are refused', () => {
  const ok = { id: 'a', name: 'n', source: 'experiment', params: {} };
  assert.ok(runInfoFromState(ok));
  for (const bad of [undefined, null, 7, 'x', { ...ok, id: '' }, { ...ok, id: 5 }, { ...ok, source: 'other' }, { ...ok, params: [] }, { ...ok, params: { w: [1.5] } }, { ...ok, params: { w: 'big' } }, { ...ok, name: 'x'.repeat(5000) }])
    assert.equal(runInfoFromState(bad), undefined, JSON.stringify(bad)?.slice(0, 80));
  assert.equal(runInfoFromState({ ...ok, totalSteps: -3 })!.totalSteps, 0);
});
