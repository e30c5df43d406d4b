/**
 * Collects step summaries and hands them over in batches, at most `hz` batches a second however fast the
 * steps arrive: the panel channel posts each batch as one columnar `steps` message (src/stepColumns.ts), and
 * a post per step would flood the webview.
 */
import type { StepSummary } from '../experiment/records';

export interface BatcherClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realClock: BatcherClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export class StepBatcher {
  private pending: StepSummary[] = [];
  private timer: unknown;
  private lastFlush = -Infinity;

  /**
   * @param deliver receives each batch, in order, never empty.
   * @param hz read on every push so a settings change applies at once; clamped to [1, 240].
   */
  constructor(
    private readonly deliver: (steps: StepSummary[]) => void,
    private readonly hz: () => number,
    private readonly clock: BatcherClock = realClock,
  ) {}

  get pendingCount(): number {
    return this.pending.length;
  }

  push(steps: readonly StepSummary[]): void {
    if (steps.length === 0) return;
    for (const s of steps) this.pending.push(s);
    if (this.timer !== undefined) return;
    const wait = Math.max(0, this.lastFlush + this.interval() - this.clock.now());
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, wait);
  }

  /** Delivers what is pending now (a state change wants its steps out first). */
  flush(): void {
    if (this.timer !== undefined) {
      this.clock.clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.lastFlush = this.clock.now();
    this.deliver(batch);
  }

  /** Drops what is pending (the run was reset or replaced). */
  clear(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = [];
  }

  private interval(): number {
    const hz = this.hz();
    const clamped = Number.isFinite(hz) ? Math.min(240, Math.max(1, hz)) : 30;
    return 1000 / clamped;
  }
}
