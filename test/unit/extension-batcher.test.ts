/** The step stream's rate limit: at most streamHz posts a second however fast steps arrive, nothing lost or reordered. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StepBatcher, type BatcherClock } from '../../src/extension/stepBatcher';
import type { StepSummary } from '../../src/experiment/records';

/** A clock whose time moves only when the test says so, firing due timers in order. */
class FakeClock implements BatcherClock {
  t = 0;
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private next = 1;
  now() {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number) {
    const id = this.next++;
    this.timers.push({ at: this.t + ms, fn, id });
    return id;
  }
  clearTimeout(h: unknown) {
    this.timers = this.timers.filter((x) => x.id !== h);
  }
  advance(ms: number) {
    const end = this.t + ms;
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at);
      const due = this.timers[0];
      if (!due || due.at > end) break;
      this.timers.shift();
      this.t = due.at;
      due.fn();
    }
    this.t = end;
  }
}

const summary = (step: number): StepSummary => ({ step, epoch: 0, batch: step - 1, loss: 1 / step, params: {} });

test('steps arriving every 0.1 ms for 2 s are posted at most 30 times a second, all of them, in order', () => {
  const clock = new FakeClock();
  const posts: { at: number; steps: number[] }[] = [];
  const b = new StepBatcher((steps) => posts.push({ at: clock.now(), steps: steps.map((s) => s.step) }), () => 30, clock);
  let step = 0;
  for (let k = 0; k < 20000; k++) {
    b.push([summary(++step)]);
    clock.advance(0.1);
  }
  clock.advance(1000);
  // 2 s of steps at 30 Hz: the first flush is immediate, then one every 33.3 ms → 61 posts (+1 trailing).
  assert.ok(posts.length >= 59 && posts.length <= 62, `posts: ${posts.length}`);
  for (let i = 1; i < posts.length; i++) assert.ok(posts[i].at - posts[i - 1].at >= 1000 / 30 - 1e-9, `posts ${i - 1} and ${i} are ${posts[i].at - posts[i - 1].at} ms apart`);
  // In any 1 s window there are at most 30 posts (+1 for the window edge).
  for (const p of posts) assert.ok(posts.filter((q) => q.at >= p.at && q.at < p.at + 1000).length <= 31);
  const all = posts.flatMap((p) => p.steps);
  assert.equal(all.length, 20000);
  assert.deepEqual(all.slice(0, 3), [1, 2, 3]);
  assert.ok(all.every((s, i) => s === i + 1), 'every step once, in order');
});

test('streamHz is read on every push: lowering it to 2 spaces posts 500 ms apart', () => {
  const clock = new FakeClock();
  const at: number[] = [];
  let hz = 30;
  const b = new StepBatcher(() => at.push(clock.now()), () => hz, clock);
  b.push([summary(1)]);
  clock.advance(0); // immediate first post
  hz = 2;
  for (let k = 0; k < 300; k++) {
    b.push([summary(k + 2)]);
    clock.advance(10);
  }
  clock.advance(1000);
  assert.deepEqual(at, [0, 500, 1000, 1500, 2000, 2500, 3000]);
});

test('flush() delivers pending steps at once; clear() drops them; an empty push posts nothing', () => {
  const clock = new FakeClock();
  const posts: number[][] = [];
  const b = new StepBatcher((s) => posts.push(s.map((x) => x.step)), () => 10, clock);
  b.push([summary(1)]);
  clock.advance(0);
  b.push([summary(2), summary(3)]);
  assert.equal(b.pendingCount, 2);
  b.flush();
  assert.deepEqual(posts, [[1], [2, 3]]);
  b.push([summary(4)]);
  b.clear();
  b.push([]);
  clock.advance(5000);
  assert.deepEqual(posts, [[1], [2, 3]]);
  b.push([summary(5)]);
  clock.advance(100);
  assert.deepEqual(posts, [[1], [2, 3], [5]]);
});
