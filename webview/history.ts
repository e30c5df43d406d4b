/**
 * Every step's scalars, kept column-wise in growable typed arrays: 100 000 steps of a few series stay a few
 * MB and the charts can scan them without touching an object per step. The host sends columns too
 * (StepsMessage), so a batch is stored with one typed-array loop per column.
 */
import type { StepsMessage } from '../src/protocol';
import { indexOfSorted } from '../src/sortedSearch';
import { BlockIndex } from './decimate';

/** What History reads of a `steps` message. */
export type StepColumns = Pick<StepsMessage, 'first' | 'count' | 'step' | 'loss' | 'params'>;

export class Column {
  data = new Float64Array(1024);
  /** First point written since the last sync(). */
  changedFrom = 0;
  /** The min/max block index over the points as of the last sync(), for decimation. */
  readonly index = new BlockIndex();

  /**
   * Brings the block index up to the first `n` points and returns the first point written since the last
   * call (n when none): the chart drawing this column re-decimates only from there.
   */
  sync(n: number): number {
    const from = Math.min(this.changedFrom, n);
    this.index.update(this.data, n, from);
    this.changedFrom = n;
    return from;
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

/**
 * Copies `count` values into `col` from row `start` on. null is how JSON carries NaN/Infinity; a typed array
 * would turn it into 0, so it becomes NaN (a gap).
 */
function fill(col: Column, src: readonly (number | null)[], start: number, count: number): void {
  col.ensure(start + count);
  const d = col.data;
  for (let j = 0; j < count; j++) {
    const v = src[j];
    d[start + j] = v === null ? NaN : v;
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

  /**
   * Appends the rows of a (checked) `steps` message, column by column. A first row not after the last kept
   * step restarts from there (a reset that was not flagged).
   */
  append(m: StepColumns): void {
    const count = m.count;
    if (count === 0) return;
    const firstStep = m.step ? m.step[0] : m.first;
    if (this.length > 0 && firstStep <= this.steps.data[this.length - 1]) this.truncateBefore(firstStep);
    const start = this.length;
    const n = start + count;
    for (const c of this.allColumns()) c.changedFrom = Math.min(c.changedFrom, start);
    this.steps.ensure(n);
    const st = this.steps.data;
    if (m.step) for (let j = 0; j < count; j++) st[start + j] = m.step[j];
    else for (let j = 0; j < count; j++) st[start + j] = m.first + j;
    fill(this.loss, m.loss, start, count);
    const written = new Set<Column>([this.loss]);
    for (const name in m.params) {
      const p = m.params[name];
      let pc = this.paramColumns.get(name);
      if (!pc) this.paramColumns.set(name, (pc = { values: [], grad: this.column(this.gradNorms, this.gradSeries, name, undefined, n, start) }));
      for (let k = 0; k < p.values.length; k++) {
        let c = pc.values[k];
        if (!c) c = pc.values[k] = this.column(this.values, this.valueSeries, name, k, n, start);
        fill(c, p.values[k], start, count);
        written.add(c);
      }
      fill(pc.grad, p.gradNorm, start, count);
      written.add(pc.grad);
    }
    // A series this batch does not carry (its param is missing from these steps) has a gap there, not the
    // values of steps that a truncation dropped.
    for (const c of this.allColumns()) {
      if (written.has(c)) continue;
      c.ensure(n);
      c.data.fill(NaN, start, n);
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
    const d = this.steps.data;
    return indexOfSorted(this.length, step, (k) => d[k]);
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
