/**
 * Every step's scalars, kept column-wise in growable typed arrays: 100 000 steps of a few series stay a few
 * MB and the charts can scan them without touching an object per step.
 */
import type { StepSummary } from '../src/experiment/records';
import { BlockIndex } from './decimate';

export class Column {
  data = new Float64Array(1024);
  /** First point written since the block index was last brought up to date. */
  changedFrom = 0;
  private readonly blocks = new BlockIndex();

  /** The min/max block index over the first `n` points, for decimation. */
  index(n: number): BlockIndex {
    this.blocks.update(this.data, n, this.changedFrom);
    this.changedFrom = n;
    return this.blocks;
  }

  ensure(n: number): void {
    if (n <= this.data.length) return;
    let cap = this.data.length;
    while (cap < n) cap *= 2;
    const next = new Float64Array(cap);
    next.set(this.data);
    this.data = next;
  }
}

/** One drawn series: a loss, one entry of a weight, or a gradient norm. */
export interface SeriesRef {
  key: string;
  label: string;
  param?: string;
  index?: number;
}

export class History {
  length = 0;
  readonly steps = new Column();
  readonly loss = new Column();
  /** `name[i]` → value of entry i of param name. */
  readonly values = new Map<string, Column>();
  readonly gradNorms = new Map<string, Column>();
  readonly valueSeries: SeriesRef[] = [];
  readonly gradSeries: SeriesRef[] = [];
  private readonly paramColumns = new Map<string, { values: Column[]; grad: Column }>();

  clear(): void {
    this.length = 0;
    this.values.clear();
    this.gradNorms.clear();
    this.valueSeries.length = 0;
    this.gradSeries.length = 0;
    this.paramColumns.clear();
  }

  /** Appends steps; a step not after the last kept one restarts from there (a reset that was not flagged). */
  append(batch: readonly StepSummary[]): void {
    if (batch.length === 0) return;
    if (this.length > 0 && batch[0].step <= this.steps.data[this.length - 1]) this.truncateBefore(batch[0].step);
    const n = this.length + batch.length;
    for (const c of this.allColumns()) c.changedFrom = Math.min(c.changedFrom, this.length);
    this.steps.ensure(n);
    this.loss.ensure(n);
    for (const c of this.values.values()) c.ensure(n);
    for (const c of this.gradNorms.values()) c.ensure(n);
    const cols = this.paramColumns;
    for (let j = 0; j < batch.length; j++) {
      const s = batch[j];
      const i = this.length + j;
      this.steps.data[i] = s.step;
      // null is how JSON carries NaN/Infinity; a typed array would turn it into 0, so it becomes NaN (a gap).
      this.loss.data[i] = s.loss ?? NaN;
      for (const name in s.params) {
        const p = s.params[name];
        // Column lookups by name are cached per param: a 100 000-step history appends in a few ms.
        let pc = cols.get(name);
        if (!pc) cols.set(name, (pc = { values: [], grad: this.column(this.gradNorms, this.gradSeries, name, undefined, n, i) }));
        const vals = p.values;
        for (let k = 0; k < vals.length; k++) {
          let c = pc.values[k];
          if (!c) c = pc.values[k] = this.column(this.values, this.valueSeries, name, k, n, i);
          c.data[i] = vals[k] ?? NaN;
        }
        pc.grad.data[i] = p.gradNorm ?? NaN;
      }
    }
    this.length = n;
  }

  private *allColumns(): Iterable<Column> {
    yield this.loss;
    yield* this.values.values();
    yield* this.gradNorms.values();
  }

  /** Index of `step` in the columns, or -1. Steps are increasing, so a binary search does. */
  indexOf(step: number): number {
    let lo = 0;
    let hi = this.length - 1;
    const d = this.steps.data;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (d[mid] === step) return mid;
      if (d[mid] < step) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  get firstStep(): number {
    return this.length ? this.steps.data[0] : 0;
  }
  get lastStep(): number {
    return this.length ? this.steps.data[this.length - 1] : 0;
  }

  private truncateBefore(step: number): void {
    let i = this.length;
    while (i > 0 && this.steps.data[i - 1] >= step) i--;
    this.length = i;
  }

  private column(map: Map<string, Column>, refs: SeriesRef[], param: string, index: number | undefined, n: number, filledTo: number): Column {
    const key = index === undefined ? param : `${param}[${index}]`;
    let c = map.get(key);
    if (!c) {
      c = new Column();
      c.ensure(n);
      // A series that starts late (a param first seen now) has no value before: NaN draws as a gap.
      c.data.fill(NaN, 0, filledTo);
      map.set(key, c);
      refs.push({ key, label: key, param, index });
    }
    return c;
  }
}
