/**
 * The Tensor Shapes view's header ("step N") belongs to the nodes the tree was last given, so it never names
 * a newer step than its parameters node while the tree is still fetching; and a refresh is asked for at once
 * when a paused run steps.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Runner } from '../../src/experiment/runner';
import { RunHub } from '../../src/extension/runHub';
import { RunnerSource } from '../../src/extension/runnerSource';
import { ShapesFeed, type ShapesSnapshot } from '../../src/extension/shapesFeed';
import { seedSpec } from './extension-runFixtures';

const paramsStep = (s: ShapesSnapshot) => s.nodes.find((n) => n.label === 'parameters')?.description;
const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));

test('the header is that of the delivered nodes until the tree fetches the new ones', async () => {
  const hub = new RunHub();
  const src = new RunnerSource(new Runner(seedSpec, { maxRecordedSteps: 50 }));
  let refreshes = 0;
  const feed = new ShapesFeed(hub, () => refreshes++);
  hub.add(src);
  for (let i = 0; i < 5; i++) await src.control('step');
  await tick();
  const first = feed.deliver();
  assert.equal(first.description, 'step 5');
  assert.equal(paramsStep(first), 'step 5');

  const before = refreshes;
  for (let i = 0; i < 3; i++) await src.control('step');
  await tick();
  assert.ok(refreshes > before, 'stepping a paused run asks the tree to refresh');
  // The run is at step 8 now, but the tree has not fetched: what it shows, header included, is step 5.
  assert.equal(feed.current().description, 'step 8');
  assert.equal(feed.delivered?.description, 'step 5');
  assert.equal(paramsStep(feed.delivered!), feed.delivered?.description);

  const next = feed.deliver();
  assert.equal(next.description, 'step 8');
  assert.equal(paramsStep(next), 'step 8');
  feed.dispose();
  hub.dispose();
});

test('during a streaming run, every delivered snapshot names one step in header and parameters node', async () => {
  const hub = new RunHub();
  const src = new RunnerSource(new Runner(seedSpec, { maxRecordedSteps: 50 }), 1);
  const feed = new ShapesFeed(hub, () => undefined);
  hub.add(src);
  await src.control('resume');
  const seen: ShapesSnapshot[] = [];
  while (src.state === 'running') {
    seen.push(feed.deliver());
    await tick(2);
  }
  await src.whenSettled();
  seen.push(feed.deliver());
  assert.ok(seen.length > 3, `${seen.length} snapshots`);
  for (const s of seen.filter((x) => x.step > 0)) assert.equal(paramsStep(s), s.description);
  assert.equal(seen[seen.length - 1].description, 'step 300');
  feed.dispose();
  hub.dispose();
});

test('after a reset the same step number is recomputed, not served from before the reset', async () => {
  const hub = new RunHub();
  const src = new RunnerSource(new Runner(seedSpec, { maxRecordedSteps: 50 }));
  const feed = new ShapesFeed(hub, () => undefined);
  hub.add(src);
  await src.control('step');
  await src.control('step');
  const a = feed.deliver();
  await src.control('reset');
  assert.equal(feed.deliver().step, 0);
  await src.control('step');
  await src.control('step');
  const b = feed.deliver();
  assert.equal(b.step, 2);
  assert.notEqual(b, a, 'a fresh snapshot after the reset');
  assert.deepEqual(b.nodes.map((n) => n.description), a.nodes.map((n) => n.description), 'same run replayed: same shapes');
  feed.dispose();
  hub.dispose();
});
