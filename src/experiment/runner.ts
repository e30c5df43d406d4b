/**
 * Runs an experiment one optimizer step at a time, PyTorch's loop exactly:
 *   for epoch: for batch (last partial batch kept): pred = model(x); loss = crit(pred, y);
 *              opt.zero_grad() (unless zeroGrad: false); loss.backward(); opt.step()
 * Every step leaves a StepRecord; every step's scalars are kept, full records only for recent steps plus a
 * thinned history (memory stays bounded however long the run).
 */
import { backward, noGrad } from '../core/autograd';
import { broadcastShapes, numel, shapeStr } from '../core/shape';
import * as losses from '../core/losses';
import * as ops from '../core/ops';
import { Adam, AdamW } from '../core/optim/adam';
import type { Optimizer } from '../core/optim/optimizer';
import { RMSprop } from '../core/optim/rmsprop';
import { SGD } from '../core/optim/sgd';
import { NumpyLegacyRandom } from '../core/random/numpyLegacy';
import { Tensor } from '../core/tensor';
import { type OpRecord, tracer } from '../core/trace';
import type { RunInfo, RunState } from '../protocol';
import { buildDataset, type Dataset } from './data';
import { DiagnosticsEngine } from './diagnostics';
import { applyFix } from './fixes';
import { Model, StepError } from './model';
import type { Diagnosis, DiagnosisCode, ParamRecord, StepRecord, StepSummary, WhatIf } from './records';
import type { ExperimentSpec } from './spec';
import { type BatchStats, StepStore } from './stepStore';

/** Loss elements one step may compute element by element. */
export const MAX_LOSS_ELEMENTS = 20_000_000;

export interface RunnerOptions {
  baseDir?: string;
  /** Pre-built data (from load.ts), so a CSV is read once. */
  data?: Dataset;
  /** Full records kept for the most recent steps; older ones are thinned. Default 2000. */
  maxRecordedSteps?: number;
  id?: string;
}

export interface RunOptions {
  untilStep?: number;
  signal?: AbortSignal;
  /** Work this long before yielding to the event loop. */
  chunkMs?: number;
  onChunk?: (summaries: StepSummary[]) => void;
  /** Called with every step's full record (the CLI keeps them all). */
  onRecord?: (r: StepRecord) => void;
  /** Pause between chunks (default 1 ms). */
  yieldMs?: number;
}

let runCounter = 0;

/** Mean and population variance of a tensor's elements (shifted by the first element for stability). */
function meanVar(t: Tensor): [number, number] {
  const v = t.data;
  const n = t.size;
  if (!t.isContiguous) return meanVarOf(t.values(), 0, n);
  return meanVarOf(v, t.offset, n);
}

function meanVarOf(v: ArrayLike<number>, o: number, n: number): [number, number] {
  const k = v[o];
  let s = 0;
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const d = v[o + i] - k;
    s += d;
    ss += d * d;
  }
  const m = s / n;
  return [k + m, Math.max(0, ss / n - m * m)];
}

export function makeOptimizer(spec: ExperimentSpec, params: Tensor[]): Optimizer {
  const o = spec.optimizer;
  switch (o.type) {
    case 'sgd':
      return new SGD(params, o);
    case 'rmsprop':
      return new RMSprop(params, o);
    case 'adam':
      return new Adam(params, o);
    case 'adamw':
      return new AdamW(params, o);
  }
}

export class Runner {
  readonly id: string;
  readonly data: Dataset;
  readonly stepsPerEpoch: number;
  readonly totalSteps: number;
  readonly maxRecordedSteps: number;
  state: RunState = 'idle';
  stepCount = 0;

  private model!: Model;
  private optimizer!: Optimizer;
  private order!: Int32Array;
  private shuffler?: NumpyLegacyRandom;
  private store!: StepStore;
  /** StepSummary objects made so far from the store, in step order (see `summaries`). */
  private summaryObjects: StepSummary[] = [];
  private readonly stats: BatchStats = { predMean: 0, predStd: 0, targetMean: 0, targetVar: 0 };
  private diag!: DiagnosticsEngine;
  private pauseRequested = false;
  private whatIfCache = new Map<string, WhatIf>();
  private lastOps?: OpRecord[];

  constructor(readonly spec: ExperimentSpec, private readonly opts: RunnerOptions = {}) {
    this.id = opts.id ?? `run-${Date.now().toString(36)}-${++runCounter}`;
    this.data = opts.data ?? buildDataset(spec, opts.baseDir);
    const n = this.data.x.shape[0];
    this.stepsPerEpoch = Math.ceil(n / spec.training.batchSize);
    this.totalSteps = this.stepsPerEpoch * spec.training.epochs;
    const m = opts.maxRecordedSteps ?? 2000;
    // Whole steps only (the store's ring is indexed by it); NaN falls back to the default.
    this.maxRecordedSteps = Number.isNaN(m) ? 2000 : Math.max(1, Math.floor(m));
    this.init();
  }

  private init(): void {
    this.model = new Model(this.spec.model, this.spec.dtype ?? 'float32');
    try {
      this.optimizer = makeOptimizer(this.spec, this.model.parameters());
    } catch (e) {
      throw new StepError('optimizer', (e as Error).message);
    }
    this.order = Int32Array.from({ length: this.data.x.shape[0] }, (_, i) => i);
    this.shuffler = this.spec.training.shuffle ? new NumpyLegacyRandom(this.spec.training.shuffleSeed ?? (this.spec.data.kind === 'synthetic' ? this.spec.data.seed : 0)) : undefined;
    this.diag = new DiagnosticsEngine(this.spec, this.data, this.stepsPerEpoch);
    this.store = new StepStore(this.model.parameters(), this.optimizer, this.maxRecordedSteps, this.totalSteps);
    this.stepCount = 0;
    this.summaryObjects = [];
    this.lastOps = undefined;
    this.state = 'idle';
  }

  get info(): RunInfo {
    const params: Record<string, number[]> = {};
    for (const p of this.model.parameters()) params[p.name!] = p.shape.slice();
    const trueValues: Record<string, number[]> = {};
    const names = [...this.model.layers.keys()];
    if (this.data.trueWeights && names.length === 1) trueValues[`${names[0]}.weight`] = this.data.trueWeights;
    const opt = this.optimizer;
    return {
      id: this.id,
      name: this.spec.name,
      source: 'experiment',
      spec: this.spec,
      dtype: this.spec.dtype ?? 'float32',
      params,
      trueValues,
      optimizer: { type: opt.type, args: { ...opt.hyper } },
      loss: { type: this.spec.loss.type, reduction: this.spec.loss.reduction ?? 'mean' },
      totalSteps: this.totalSteps,
      targetVar: this.data.targetVar,
    };
  }

  get finished(): boolean {
    return this.stepCount >= this.totalSteps || this.state === 'diverged' || this.state === 'stopped';
  }

  /** Batch `b` of the current epoch: rows in order, or a seeded permutation per epoch when shuffling. */
  private batch(epoch: number, b: number): { x: Tensor; y: Tensor } {
    const bs = this.spec.training.batchSize;
    const n = this.data.x.shape[0];
    const start = b * bs;
    const len = Math.min(bs, n - start);
    if (!this.shuffler) return { x: ops.narrow(this.data.x, 0, start, len), y: ops.narrow(this.data.y, 0, start, len) };
    if (b === 0 && epoch >= 0) this.shuffler.shuffle(this.order); // epoch −1: check(), which must not draw
    const f = this.data.x.shape[1];
    const yw = this.data.y.size / n;
    const xv = this.data.x.values();
    const yv = this.data.y.values();
    const xs = this.data.x.dtype === 'float32' ? new Float32Array(len * f) : new Float64Array(len * f);
    const ys = this.data.y.dtype === 'float32' ? new Float32Array(len * yw) : new Float64Array(len * yw);
    for (let i = 0; i < len; i++) {
      const r = this.order[start + i];
      for (let j = 0; j < f; j++) xs[i * f + j] = xv[r * f + j];
      for (let j = 0; j < yw; j++) ys[i * yw + j] = yv[r * yw + j];
    }
    return { x: new Tensor(xs, [len, f]), y: new Tensor(ys, this.data.y.rank === 1 ? [len] : [len, yw]) };
  }

  private lossOf(pred: Tensor, target: Tensor): Tensor {
    const l = this.spec.loss;
    let t = target;
    if (l.targetShape) {
      try {
        t = ops.reshape(target, l.targetShape);
      } catch (e) {
        throw new StepError('loss.targetShape', `reshaping the ${shapeStr(target.shape)} target: ${(e as Error).message}`);
      }
    }
    // A broadcast loss visits every element of the grid (the [N,1]×[N] MSE alone has a closed form): refuse a grid
    // that would take seconds a step rather than start it.
    let elements = 0;
    try {
      elements = numel(broadcastShapes(pred.shape, t.shape));
    } catch {
      /* the loss itself reports the incompatible shapes below */
    }
    if (elements > MAX_LOSS_ELEMENTS && !(l.type === 'mse' && (l.reduction ?? 'mean') !== 'none'))
      throw new StepError('training.batchSize', `the ${l.type} loss of a ${shapeStr(pred.shape)} prediction and a ${shapeStr(t.shape)} target would compute ${elements.toLocaleString('en-US')} elements a step; at most ${MAX_LOSS_ELEMENTS.toLocaleString('en-US')}: use a smaller batch (or fix the broadcast)`);
    try {
      return this.lossValue(pred, t);
    } catch (e) {
      throw new StepError('loss.type', `${l.type} of a ${shapeStr(pred.shape)} prediction and a ${shapeStr(t.shape)} target: ${(e as Error).message}`);
    }
  }

  private lossValue(pred: Tensor, t: Tensor): Tensor {
    const l = this.spec.loss;
    const red = l.reduction ?? 'mean';
    switch (l.type) {
      case 'mse':
        return losses.mseLoss(pred, t, red);
      case 'l1':
        return losses.l1Loss(pred, t, red);
      case 'huber':
        return losses.huberLoss(pred, t, red, l.delta ?? 1);
      case 'smooth_l1':
        return losses.smoothL1Loss(pred, t, red, l.beta ?? 1);
      case 'gaussian_nll':
        return losses.gaussianNllLoss(pred, t, Tensor.full(pred.shape, 1, pred.dtype), red);
      case 'handwritten_mse':
        return losses.handwrittenMse(pred, t);
    }
  }

  /**
   * Runs the model and the loss once on the first batch, without gradients, so shape errors surface before
   * training as field-level errors. Returns how many loss elements a step computes (the [N,N] of a broadcast).
   */
  check(): number {
    const { x, y } = this.batch(-1, 0);
    return noGrad(() => {
      const pred = this.model.forward(x);
      this.lossOf(pred, y);
      const t = this.spec.loss.targetShape ? ops.reshape(y, this.spec.loss.targetShape) : y;
      return numel(broadcastShapes(pred.shape, t.shape));
    });
  }

  /**
   * Every step's scalars, as StepSummary objects. They are made from the store when first read (the history is
   * kept in flat columns, see StepStore), so reading this in a loop costs only the steps added since.
   */
  get summaries(): StepSummary[] {
    const out = this.summaryObjects;
    for (let s = out.length + 1; s <= this.store.count; s++) out.push(this.store.summary(s));
    return out;
  }

  /** The loss of `step` (1-based, a step already taken), without making summary objects. */
  lossAt(step: number): number {
    if (!Number.isInteger(step) || step < 1 || step > this.stepCount) throw new RangeError(`no step ${step}: the run has taken ${this.stepCount}`);
    return this.store.loss(step);
  }

  /** One optimizer update. Returns its record, or undefined when the run is over. */
  step(): StepRecord | undefined {
    return this.advance() ? this.store.record(this.stepCount) : undefined;
  }

  /**
   * One optimizer update, recorded into the store (no record object is made). False when the run is over.
   * A StepError (a shape error in the model or the loss) leaves the history as it was.
   */
  advance(): boolean {
    if (this.finished) return false;
    const k = this.stepCount;
    const epoch = Math.floor(k / this.stepsPerEpoch);
    const b = k % this.stepsPerEpoch;
    const { x, y } = this.batch(epoch, b);
    const store = this.store;
    store.saveBefore();

    tracer.begin();
    const pred = this.model.forward(x);
    const forwardOps = tracer.end();
    tracer.begin();
    let loss = this.lossOf(pred, y);
    // A loss with reduction 'none' is reduced by the loop, as a user would with `.mean()`.
    if (loss.size !== 1) loss = ops.mean(loss);
    const lossOps = tracer.end();
    // Everything after the model's forward belongs to the loss (a hand-written loss is plain ops).
    for (let i = 0; i < lossOps.length; i++) lossOps[i].label ??= 'loss';
    // A model runs the same ops with the same shapes step after step: share the previous step's trace then, so
    // thousands of kept records do not each hold their own copy.
    let opsTrace = forwardOps.concat(lossOps);
    if (this.lastOps && sameTrace(this.lastOps, opsTrace)) opsTrace = this.lastOps;
    this.lastOps = opsTrace;

    if (this.spec.training.zeroGrad !== false) this.optimizer.zeroGrad();
    backward(loss);
    // The gradient the update will use, read before step() (which leaves .grad alone).
    store.saveGrads();
    this.optimizer.step();
    this.stepCount++;

    // Batch statistics in one pass each (this runs every step; `**` and closures cost more than the loop).
    const [pm, pvar] = meanVar(pred);
    const [ym, yvar] = meanVar(y);
    const st = this.stats;
    st.predMean = pm;
    st.predStd = Math.sqrt(pvar);
    st.targetMean = ym;
    st.targetVar = yvar;
    store.commit(this.stepCount, epoch, b, loss.item(), opsTrace, st, this.optimizer.lr);
    const diverged = this.diag.observe(store.view);
    if (diverged) this.state = 'diverged';
    else if (this.stepCount >= this.totalSteps) this.state = 'done';
    return true;
  }

  /** The record of `step`: full when kept, else only its scalars (`complete: false`). */
  record(step: number): { record: StepRecord; complete: boolean } | undefined {
    const full = this.store.record(step);
    if (full) return { record: full, complete: true };
    if (!Number.isInteger(step) || step < 1 || step > this.store.count) return undefined;
    const s = this.store.summary(step);
    const params: Record<string, ParamRecord> = {};
    for (const [name, p] of Object.entries(s.params))
      params[name] = { shape: [], value: p.values, grad: null, state: {}, update: [], norm: p.norm, gradNorm: p.gradNorm, updateNorm: p.updateNorm, thinned: true };
    return { record: { step: s.step, epoch: s.epoch, batch: s.batch, loss: s.loss, params, ops: [] }, complete: false };
  }

  /** Runs until `untilStep` (default: the end), yielding to the event loop every `chunkMs`. */
  async run(o: RunOptions = {}): Promise<void> {
    const until = Math.min(o.untilStep ?? this.totalSteps, this.totalSteps);
    const chunkMs = o.chunkMs ?? 15;
    this.pauseRequested = false;
    if (this.finished) return;
    // Cancelled before it started: not even one chunk.
    if (o.signal?.aborted) {
      this.state = 'stopped';
      return;
    }
    this.state = 'running';
    while (this.stepCount < until && !this.finished) {
      const t0 = Date.now();
      const first = this.stepCount;
      while (this.stepCount < until && !this.finished && Date.now() - t0 < chunkMs) {
        if (this.advance() && o.onRecord) o.onRecord(this.store.record(this.stepCount)!);
      }
      o.onChunk?.(this.summaries.slice(first));
      if (o.signal?.aborted) {
        this.state = 'stopped';
        return;
      }
      if (this.pauseRequested) {
        this.state = 'paused';
        return;
      }
      // A timer, not setImmediate: a host that needs several event-loop turns per message (VS Code's remote
      // extension host compresses each one) must get them between chunks, not one turn per chunk.
      if (this.stepCount < until && !this.finished) await new Promise<void>((res) => setTimeout(res, o.yieldMs ?? 1));
    }
    if (this.state === 'running') this.state = this.stepCount >= this.totalSteps ? 'done' : 'paused';
  }

  /** Runs synchronously to the end (or `untilStep`): for the CLI and tests. */
  runSync(untilStep = this.totalSteps, onRecord?: (r: StepRecord) => void): void {
    while (this.stepCount < untilStep && !this.finished) {
      if (this.advance() && onRecord) onRecord(this.store.record(this.stepCount)!);
    }
    if (this.state === 'idle' && this.stepCount > 0) this.state = 'paused';
  }

  pause(): void {
    this.pauseRequested = true;
    if (this.state !== 'running' && !this.finished) this.state = 'paused';
  }

  stop(): void {
    this.pauseRequested = true;
    if (!this.finished || this.state === 'running') this.state = 'stopped';
  }

  /** Back to step 0 with the same initial weights and data. */
  reset(): void {
    this.init();
  }

  diagnostics(): Diagnosis[] {
    return this.diag.list();
  }

  /**
   * Runs the spec again with the fix of diagnosis `code` applied, for as many steps as this run has planned
   * (or `steps`), and compares final losses; the original is run to the same step on a copy if it is not there.
   */
  async whatIf(code: DiagnosisCode, steps?: number): Promise<WhatIf | undefined> {
    const d = this.diagnostics().find((x) => x.code === code && x.fix?.specFix);
    if (!d) return undefined;
    const until = steps ?? this.totalSteps;
    const key = `${code}@${until}`;
    const cached = this.whatIfCache.get(key);
    if (cached) return cached;
    const fixed = applyFix(this.spec, d.fix!.specFix!, this.data);
    const other = new Runner(fixed, { baseDir: this.opts.baseDir, maxRecordedSteps: 1 });
    const reached = this.stepCount >= until || (this.finished && this.state !== 'stopped');
    const orig = reached ? this : new Runner(this.spec, { data: this.data, maxRecordedSteps: 1 });
    await other.run({ chunkMs: 12, yieldMs: 2, untilStep: until });
    if (orig !== this) await orig.run({ chunkMs: 12, yieldMs: 2, untilStep: until });
    const res: WhatIf = {
      code,
      fix: d.fix!.description,
      originalFinalLoss: finalLoss(orig, until),
      fixedFinalLoss: finalLoss(other, until),
      losses: decimate(Array.from({ length: other.stepCount }, (_, i) => [i + 1, other.lossAt(i + 1)] as [number, number]), 1000),
      finalParams: other.stepCount ? Object.fromEntries(Object.entries(other.store.summary(Math.min(until, other.stepCount)).params).map(([k, v]) => [k, v.values])) : {},
    };
    this.whatIfCache.set(key, res);
    return res;
  }
}

const sameNums = (a: readonly number[] | undefined, b: readonly number[] | undefined): boolean => {
  if (a === b) return true;
  if (!a || !b || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
};

function sameArgs(a: OpRecord['args'], b: OpRecord['args']): boolean {
  if (!a || !b) return !a && !b;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) {
    const x = a[k];
    const y = b[k];
    if (x === y) continue;
    if (!Array.isArray(x) || !Array.isArray(y) || !sameNums(x, y)) return false;
  }
  return true;
}

/** True when two traces record the same ops on the same shapes with the same flags and arguments. */
export function sameTrace(a: OpRecord[], b: OpRecord[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x.op !== y.op || x.label !== y.label || !!x.discarded !== !!y.discarded || !!x.loss !== !!y.loss || !sameNums(x.output, y.output)) return false;
    if (x.inputs.length !== y.inputs.length || x.inputs.some((s, k) => !sameNums(s, y.inputs[k]))) return false;
    if (!sameNums(x.broadcast?.shape, y.broadcast?.shape)) return false;
    if (x.args !== y.args && !sameArgs(x.args, y.args)) return false;
  }
  return true;
}

/** The mean loss over the last epoch (or last 100 steps): a batch's loss alone is too noisy to compare. */
export function finalLoss(r: Runner, untilStep = r.stepCount): number {
  const upto = Math.min(untilStep, r.stepCount);
  const n = Math.min(upto, Math.max(1, Math.min(r.stepsPerEpoch, 100)));
  let s = 0;
  for (let k = upto - n + 1; k <= upto; k++) s += r.lossAt(k);
  return s / Math.max(1, n);
}

/** Keeps at most `max` points, taking each bucket's first point (plus the last point). */
export function decimate<T>(pts: T[], max: number): T[] {
  if (pts.length <= max) return pts;
  const stride = pts.length / (max - 1);
  const out: T[] = [];
  for (let i = 0; i < max - 1; i++) out.push(pts[Math.floor(i * stride)]);
  out.push(pts[pts.length - 1]);
  return out;
}
