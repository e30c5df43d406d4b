/**
 * A run's step history in flat Float64Array rows, so that recording a step allocates nothing:
 *  - every step's scalars (what a StepSummary holds: loss, each parameter's first values and its norms) in one
 *    growing column block;
 *  - the full detail of the recent steps (value, gradient, update and optimizer-state samples, min/max, batch
 *    statistics, the op trace) in a ring of fixed-width rows, plus a thinned set of older rows that keeps
 *    spanning the whole run (every `stride`-th step, the stride doubling whenever the set is full).
 * StepRecord and StepSummary objects are made only when someone reads a step. Keeping thousands of small
 * objects alive instead cost more than the training step itself: each survives the young generation's copies.
 */
import type { Optimizer } from '../core/optim/optimizer';
import type { Storage, Tensor } from '../core/tensor';
import type { OpRecord } from '../core/trace';
import { indexOfSorted } from '../sortedSearch';
import { type ParamRecord, type StepRecord, type StepSummary, SUMMARY_VALUES } from './records';

/** Parameters bigger than this are thinned in records: a sample of values, exact norms and min/max. */
export const PARAM_SAMPLE = 64;

/**
 * Numbers the recent ring may hold (128 MB; the thinned older set holds as many again): a model with many wide
 * layers keeps fewer full records rather than exhausting the extension host's memory.
 */
export const MAX_DETAIL_VALUES = 16_000_000;

/** What the diagnostics read of a step: a StepRecord fits, and so does the store's reused view. */
export interface ObservedStep {
  step: number;
  loss: number;
  ops: OpRecord[];
  params: Record<string, { norm: number; gradNorm: number; updateNorm: number; min?: number; max?: number }>;
  predStd?: number;
  targetVar?: number;
  lr?: number;
}

/** Mean and spread of the batch's predictions and targets ("predicts the batch mean" is read from them). */
export interface BatchStats {
  predMean: number;
  predStd: number;
  targetMean: number;
  targetVar: number;
}

/** Where one parameter's numbers sit in a detail row and in a summary row. */
interface ParamLayout {
  name: string;
  tensor: Tensor;
  size: number;
  /** Sample length (≤ PARAM_SAMPLE) and summary values length (≤ SUMMARY_VALUES). */
  s: number;
  v: number;
  // Detail row offsets.
  value: number;
  hasGrad: number;
  grad: number;
  update: number;
  norm: number;
  gradNorm: number;
  updateNorm: number;
  min: number;
  max: number;
  /** Per optimizer state key: a kind cell (0 absent, 1 number, 2 array) followed by `s` cells. */
  state: { key: string; at: number }[];
  // Summary row offsets.
  sValues: number;
  sNorm: number;
  sGradNorm: number;
  sUpdateNorm: number;
  /** The values before the step (full length: the update norm is exact however big the parameter). */
  before: Float64Array;
}

// Step-level cells of a detail row.
const PRED_MEAN = 0;
const PRED_STD = 1;
const TARGET_MEAN = 2;
const TARGET_VAR = 3;
const LR = 4;
const STEP_CELLS = 5;
// Step-level cells of a summary row.
const S_EPOCH = 0;
const S_BATCH = 1;
const S_LOSS = 2;
const S_CELLS = 3;

/** A block of fixed-width rows that grows by doubling up to `cap` rows. */
class Rows {
  data: Float64Array;
  constructor(
    readonly width: number,
    private readonly cap: number,
  ) {
    this.data = new Float64Array(width * Math.min(cap, 256));
  }

  /** Offset of row `i`, growing the block when `i` is past its end. */
  at(i: number): number {
    const need = (i + 1) * this.width;
    if (need > this.data.length) {
      const rows = Math.min(this.cap, Math.max(i + 1, 2 * (this.data.length / this.width)));
      const grown = new Float64Array(rows * this.width);
      grown.set(this.data);
      this.data = grown;
    }
    return i * this.width;
  }
}

export class StepStore {
  private readonly layout: ParamLayout[] = [];
  private readonly width: number;
  private readonly sWidth: number;
  private readonly summaries: Rows;
  /** The step being recorded, copied into the ring when it is committed (a failed step leaves no trace). */
  private readonly pending: Float64Array;
  private readonly recent: Rows;
  private readonly recentOps: OpRecord[][] = [];
  private readonly older: Rows;
  private readonly olderOps: OpRecord[][] = [];
  /** Steps held in `older`, ascending, row i ↔ olderSteps[i]. */
  private olderSteps: number[] = [];
  private olderStride = 1;
  /** How many recent steps keep their full record: maxRecordedSteps, or fewer for a very wide model. */
  readonly ringSize: number;
  /** Steps committed so far. */
  count = 0;
  /** The last committed step, as the diagnostics read it. Reused: valid until the next commit. */
  readonly view: ObservedStep;

  constructor(
    params: Tensor[],
    private readonly optimizer: Optimizer,
    maxFull: number,
    maxSteps: number,
    detailBudget = MAX_DETAIL_VALUES,
  ) {
    let at = STEP_CELLS;
    let sAt = S_CELLS;
    const viewParams: ObservedStep['params'] = {};
    for (const p of params) {
      const size = p.size;
      const s = Math.min(size, PARAM_SAMPLE);
      const v = Math.min(size, SUMMARY_VALUES);
      const l: ParamLayout = {
        name: p.name!,
        tensor: p,
        size,
        s,
        v,
        value: at,
        hasGrad: at + s,
        grad: at + s + 1,
        update: at + 2 * s + 1,
        norm: at + 3 * s + 1,
        gradNorm: at + 3 * s + 2,
        updateNorm: at + 3 * s + 3,
        min: at + 3 * s + 4,
        max: at + 3 * s + 5,
        state: [],
        sValues: sAt,
        sNorm: sAt + v,
        sGradNorm: sAt + v + 1,
        sUpdateNorm: sAt + v + 2,
        before: new Float64Array(size),
      };
      at += 3 * s + 6;
      for (const key of optimizer.stateKeys) {
        l.state.push({ key, at });
        at += 1 + s;
      }
      sAt += v + 3;
      this.layout.push(l);
      viewParams[l.name] = { norm: 0, gradNorm: 0, updateNorm: 0, min: 0, max: 0 };
    }
    this.width = at;
    this.sWidth = sAt;
    this.ringSize = Math.max(1, Math.min(maxFull, maxSteps, Math.floor(detailBudget / this.width)));
    this.pending = new Float64Array(this.width);
    this.recent = new Rows(this.width, this.ringSize);
    // The thinned set holds up to ringSize + 1 rows before its stride doubles.
    this.older = new Rows(this.width, this.ringSize + 1);
    this.summaries = new Rows(this.sWidth, Math.max(1, maxSteps));
    this.view = { step: 0, loss: NaN, ops: [], params: viewParams };
  }

  /** Before the forward pass: the parameters' values, to measure the update by. */
  saveBefore(): void {
    for (const l of this.layout) {
      const v = l.tensor.values();
      l.before.set(v);
    }
  }

  /** After backward, before the optimizer step: the gradients the update will use. */
  saveGrads(): void {
    const row = this.pending;
    for (const l of this.layout) {
      const g = l.tensor.grad;
      if (!g) {
        row[l.hasGrad] = 0;
        row[l.gradNorm] = 0;
        continue;
      }
      const gv = g.values();
      let gg = 0;
      for (let j = 0; j < gv.length; j++) gg += gv[j] * gv[j];
      for (let j = 0; j < l.s; j++) row[l.grad + j] = gv[j];
      row[l.hasGrad] = 1;
      row[l.gradNorm] = Math.sqrt(gg);
    }
  }

  /**
   * After the optimizer step: values, updates, norms and optimizer state, then the step's scalars. The step's
   * row enters the ring; the row it replaces joins the thinned older set when its step is on the stride.
   */
  commit(step: number, epoch: number, batch: number, loss: number, ops: OpRecord[], batchStats: BatchStats, lr: number): void {
    const row = this.pending;
    row[PRED_MEAN] = batchStats.predMean;
    row[PRED_STD] = batchStats.predStd;
    row[TARGET_MEAN] = batchStats.targetMean;
    row[TARGET_VAR] = batchStats.targetVar;
    row[LR] = lr;
    const sRow = this.summaries.at(step - 1);
    const S = this.summaries.data;
    S[sRow + S_EPOCH] = epoch;
    S[sRow + S_BATCH] = batch;
    S[sRow + S_LOSS] = loss;
    const view = this.view;
    for (const l of this.layout) {
      const v = l.tensor.values();
      const b = l.before;
      let mn = Infinity;
      let mx = -Infinity;
      let vv = 0;
      let uu = 0;
      for (let j = 0; j < v.length; j++) {
        const x = v[j];
        const u = x - b[j];
        vv += x * x;
        uu += u * u;
        if (x < mn) mn = x;
        if (x > mx) mx = x;
      }
      for (let j = 0; j < l.s; j++) {
        row[l.value + j] = v[j];
        row[l.update + j] = v[j] - b[j];
      }
      row[l.norm] = Math.sqrt(vv);
      row[l.updateNorm] = Math.sqrt(uu);
      row[l.min] = mn;
      row[l.max] = mx;
      const st = this.optimizer.state.get(l.tensor);
      for (const { key, at } of l.state) {
        const x = st?.[key];
        if (x === undefined) row[at] = 0;
        else if (typeof x === 'number') {
          row[at] = 1;
          row[at + 1] = x;
        } else {
          row[at] = 2;
          for (let j = 0; j < l.s; j++) row[at + 1 + j] = (x as Storage)[j];
        }
      }
      for (let j = 0; j < l.v; j++) S[sRow + l.sValues + j] = v[j];
      S[sRow + l.sNorm] = row[l.norm];
      S[sRow + l.sGradNorm] = row[l.gradNorm];
      S[sRow + l.sUpdateNorm] = row[l.updateNorm];
      const p = view.params[l.name];
      p.norm = row[l.norm];
      p.gradNorm = row[l.gradNorm];
      p.updateNorm = row[l.updateNorm];
      p.min = mn;
      p.max = mx;
    }
    view.step = step;
    view.loss = loss;
    view.ops = ops;
    view.predStd = batchStats.predStd;
    view.targetVar = batchStats.targetVar;
    view.lr = lr;

    const slot = (step - 1) % this.ringSize;
    const evict = step - this.ringSize;
    if (evict >= 1 && evict % this.olderStride === 0) this.keepOlder(evict, slot);
    const at = this.recent.at(slot);
    this.recent.data.set(row, at);
    this.recentOps[slot] = ops;
    this.count = step;
  }

  private keepOlder(step: number, slot: number): void {
    const from = slot * this.width;
    let i = this.olderSteps.length;
    const to = this.older.at(i); // before reading .data: at() may grow it
    this.older.data.set(this.recent.data.subarray(from, from + this.width), to);
    this.olderOps[i] = this.recentOps[slot];
    this.olderSteps.push(step);
    if (++i <= this.ringSize) return;
    // Full: keep every other kept step (those on the doubled stride), moving their rows to the front.
    this.olderStride *= 2;
    let k = 0;
    for (let j = 0; j < i; j++) {
      const s = this.olderSteps[j];
      if (s % this.olderStride !== 0) continue;
      if (k !== j) {
        this.older.data.copyWithin(k * this.width, j * this.width, (j + 1) * this.width);
        this.olderOps[k] = this.olderOps[j];
      }
      this.olderSteps[k++] = s;
    }
    this.olderSteps.length = k;
    this.olderOps.length = k;
  }

  loss(step: number): number {
    return this.summaries.data[(step - 1) * this.sWidth + S_LOSS];
  }

  /** The scalars of `step` (1-based) as a StepSummary. */
  summary(step: number): StepSummary {
    const S = this.summaries.data;
    const o = (step - 1) * this.sWidth;
    const params: StepSummary['params'] = {};
    for (const l of this.layout)
      params[l.name] = { values: Array.from(S.subarray(o + l.sValues, o + l.sValues + l.v)), gradNorm: S[o + l.sGradNorm], updateNorm: S[o + l.sUpdateNorm], norm: S[o + l.sNorm] };
    return { step, epoch: S[o + S_EPOCH], batch: S[o + S_BATCH], loss: S[o + S_LOSS], params };
  }

  /** The full record of `step` when it is still kept (recent, or in the thinned older set), else undefined. */
  record(step: number): StepRecord | undefined {
    if (!Number.isInteger(step) || step < 1 || step > this.count) return undefined;
    if (step > this.count - this.ringSize) {
      const slot = (step - 1) % this.ringSize;
      return this.materialize(step, this.recent.data, slot * this.width, this.recentOps[slot]);
    }
    const older = this.olderSteps;
    const i = indexOfSorted(older.length, step, (k) => older[k]);
    return i < 0 ? undefined : this.materialize(step, this.older.data, i * this.width, this.olderOps[i]);
  }

  private materialize(step: number, D: Float64Array, o: number, ops: OpRecord[]): StepRecord {
    const S = this.summaries.data;
    const so = (step - 1) * this.sWidth;
    const arr = (at: number, n: number): number[] => Array.from(D.subarray(o + at, o + at + n));
    const params: Record<string, ParamRecord> = {};
    for (const l of this.layout) {
      const state: Record<string, number | number[]> = {};
      for (const { key, at } of l.state) {
        const kind = D[o + at];
        if (kind === 1) state[key] = D[o + at + 1];
        else if (kind === 2) state[key] = arr(at + 1, l.s);
      }
      params[l.name] = {
        shape: l.tensor.shape.slice(),
        value: arr(l.value, l.s),
        grad: D[o + l.hasGrad] ? arr(l.grad, l.s) : null,
        state,
        update: arr(l.update, l.s),
        norm: D[o + l.norm],
        gradNorm: D[o + l.gradNorm],
        updateNorm: D[o + l.updateNorm],
        min: D[o + l.min],
        max: D[o + l.max],
        thinned: l.size > PARAM_SAMPLE || undefined,
      };
    }
    return {
      step,
      epoch: S[so + S_EPOCH],
      batch: S[so + S_BATCH],
      loss: S[so + S_LOSS],
      params,
      ops,
      predMean: D[o + PRED_MEAN],
      predStd: D[o + PRED_STD],
      targetMean: D[o + TARGET_MEAN],
      targetVar: D[o + TARGET_VAR],
      lr: D[o + LR],
    };
  }
}
