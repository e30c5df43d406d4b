/**
 * What is wrong with a run, from its step records: each diagnosis in plain words with the numbers behind it
 * and, where one exists, a fix the what-if runner can apply.
 */
import { shapeStr } from '../core/shape';
import type { OpRecord } from '../core/trace';
import type { Dataset } from './data';
import type { Diagnosis, DiagnosisCode } from './records';
import type { ObservedStep } from './stepStore';
import type { ExperimentSpec } from './spec';

const LOSS_NAMES: Record<string, string> = {
  mse_loss: 'MSELoss',
  l1_loss: 'L1Loss',
  huber_loss: 'HuberLoss',
  smooth_l1_loss: 'SmoothL1Loss',
  gaussian_nll_loss: 'GaussianNLLLoss',
  poisson_nll_loss: 'PoissonNLLLoss',
  kl_div: 'KLDivLoss',
};

const BIG = new Intl.NumberFormat('en-US', { maximumSignificantDigits: 7 });
const SMALL = new Intl.NumberFormat('en-US', { maximumSignificantDigits: 4 });
const fmt = (x: number): string => {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a !== 0 && (a >= 1e7 || a < 1e-3)) return x.toExponential(2);
  return (a >= 1000 ? BIG : SMALL).format(x);
};

/** The loss-broadcast diagnosis for one op, or undefined when the op is not a broadcasting loss. */
export function lossBroadcastDiagnosis(r: OpRecord, step: number, opIndex: number): Diagnosis | undefined {
  if (!r.broadcast) return undefined;
  const [inp, tgt] = r.inputs;
  const el = shapeStr(r.broadcast.shape);
  const squeezeFix = inp.length > tgt.length && inp[inp.length - 1] === 1;
  const fixText = squeezeFix
    ? 'squeeze the prediction (`pred.squeeze(-1)`) or give the target a column (`y.unsqueeze(1)`)'
    : `make the prediction and the target the same shape (e.g. \`y.view(${inp.map((s, i) => (i === 0 ? -1 : s)).join(', ')})\`)`;
  if (r.loss) {
    const name = LOSS_NAMES[r.op] ?? r.op;
    return {
      code: 'loss-broadcast',
      severity: 'error',
      step,
      opIndex,
      message: `${name} compared a ${shapeStr(inp)} prediction with a ${shapeStr(tgt)} target; they broadcast to ${el}, so every prediction is compared with every target. Fix: ${fixText}.`,
      evidence: { loss: r.op, input: inp.slice(), target: tgt.slice(), elements: r.broadcast.shape },
      fix: { description: fixText, specFix: squeezeFix ? 'squeeze-prediction' : undefined },
      location: r.source,
    };
  }
  // A hand-written loss: `pred - y` where both operands were expanded.
  if (r.op === 'sub' && r.label === 'loss' && r.broadcast.expanded.every((d) => d.length > 0)) {
    return {
      code: 'loss-broadcast',
      severity: 'error',
      step,
      opIndex,
      message: `The hand-written loss subtracts a ${shapeStr(tgt)} target from a ${shapeStr(inp)} prediction; both are expanded to ${el}, so every prediction is compared with every target (PyTorch gives no warning here). Fix: ${fixText}.`,
      evidence: { loss: 'sub', input: inp.slice(), target: tgt.slice(), elements: r.broadcast.shape },
      fix: { description: fixText, specFix: squeezeFix ? 'squeeze-prediction' : undefined },
      location: r.source,
    };
  }
  return undefined;
}

export function discardedDiagnosis(r: OpRecord, step: number, opIndex: number): Diagnosis {
  const call = `${r.op}(${r.args?.dim !== undefined ? r.args.dim : ''})`;
  return {
    code: 'discarded-result',
    severity: 'warning',
    step,
    opIndex,
    message: `\`x.${call}\` ran on a ${shapeStr(r.inputs[0])} tensor but its ${shapeStr(r.output)} result was thrown away (the op does not change x in place), so x is still ${shapeStr(r.inputs[0])}. Fix: assign it: \`x = x.${call}\`.`,
    evidence: { op: r.op, input: r.inputs[0].slice(), output: r.output.slice() },
    fix: { description: `assign the result: \`x = x.${call}\``, specFix: 'assign-discarded' },
    location: r.source,
  };
}

/** Losses are compared as means of this many consecutive steps when judging divergence. */
const DIVERGENCE_WINDOW = 10;

export class DiagnosticsEngine {
  private found = new Map<DiagnosisCode, Diagnosis>();
  private losses: number[] = [];
  /** The lowest mean of DIVERGENCE_WINDOW consecutive losses so far. */
  private minWindowMean = Infinity;
  private firstGradNorm = new Map<string, number>();
  private smallGradRun = new Map<string, number>();
  private predRatio: number[] = [];
  private checkedOps?: ObservedStep['ops'];

  constructor(
    private readonly spec: ExperimentSpec,
    private readonly data: Dataset,
    private readonly stepsPerEpoch: number,
  ) {}

  list(): Diagnosis[] {
    return [...this.found.values()].sort((a, b) => b.step - a.step);
  }

  private add(d: Diagnosis): void {
    if (!this.found.has(d.code)) this.found.set(d.code, d);
  }

  /** Looks at one step; returns true when the run must stop (divergence). */
  observe(r: ObservedStep): boolean {
    this.losses.push(r.loss);
    // The runner hands over the very same trace array while the ops and shapes repeat: look at each trace once.
    if (r.ops !== this.checkedOps && (r.step === 1 || !this.found.has('loss-broadcast') || !this.found.has('discarded-result'))) {
      this.checkedOps = r.ops;
      this.checkOps(r);
    }
    if (r.step === 1) this.checkFeatures();
    if (r.step === 2 && this.spec.training.zeroGrad === false) this.checkAccumulation(r);
    this.checkGradients(r);
    if (r.predStd !== undefined && r.targetVar) this.predRatio.push(r.predStd / Math.sqrt(r.targetVar));
    if (this.checkDivergence(r)) return true;
    this.checkLr(r);
    if (r.step % Math.max(10, Math.min(this.stepsPerEpoch, 100)) === 0) this.checkPlateau(r);
    return false;
  }

  private checkOps(r: ObservedStep): void {
    // A composed library loss (gaussian_nll) runs its own `sub` before its record: name the loss, not the sub.
    const libraryLoss = r.ops.some((op) => op.loss && op.broadcast);
    r.ops.forEach((op, i) => {
      const lb = libraryLoss && !op.loss ? undefined : lossBroadcastDiagnosis(op, r.step, i);
      if (lb) this.add(lb);
      // A discarded op that would not have changed the shape (squeeze of [100]) is harmless: say nothing.
      if (op.discarded && op.output.join() !== op.inputs[0]?.join()) this.add(discardedDiagnosis(op, r.step, i));
    });
  }

  private checkFeatures(): void {
    const std = this.data.featureStd;
    const max = Math.max(...std);
    const min = Math.min(...std.filter((s) => s > 0), max);
    const ratio = max / (min || 1);
    if (max > 10 || (max > 0 && max < 0.1) || ratio > 100) {
      const names = this.data.features;
      this.add({
        code: 'unscaled-features',
        severity: 'warning',
        step: 1,
        message: `Input features are far from unit scale: standard deviations ${std.map((s, i) => `${names[i]} ${fmt(s)}`).join(', ')} (largest ${fmt(max)}, largest/smallest ratio ${fmt(ratio)}). ${
          this.spec.optimizer.type === 'sgd'
            ? `Gradients grow with the inputs' scale, so SGD needs a learning rate ~${fmt(Number((max * max).toPrecision(1)))}× smaller than on unit-scale inputs and any bias learns far slower than the weights.`
            : `${this.spec.optimizer.type === 'rmsprop' ? 'RMSprop' : 'Adam'} steps each weight by about lr whatever the scale, so the weights' natural sizes differ from the inputs' by ×${fmt(Number(max.toPrecision(1)))} and one learning rate cannot suit every parameter.`
        } Fix: standardize each feature (subtract its mean, divide by its std).`,
        evidence: { featureStd: std, featureMean: this.data.featureMean, ratio },
        fix: this.spec.data.kind === 'inline' ? { description: 'standardize each feature' } : { description: 'standardize each feature (data.standardize: true)', specFix: 'standardize-features' },
      });
    }
  }

  private checkAccumulation(r: ObservedStep): void {
    const [name, p] = Object.entries(r.params)[0];
    const first = this.firstGradNorm.get(name) ?? 0;
    this.add({
      code: 'grad-accumulation',
      severity: 'error',
      step: 2,
      message: `optimizer.zero_grad() is never called (training.zeroGrad: false), so every backward() adds to the gradients of all earlier steps: ${name}'s gradient norm is ${fmt(p.gradNorm)} at step 2 against ${fmt(first)} at step 1, and step k updates with the sum of k gradients. Fix: call optimizer.zero_grad() before loss.backward().`,
      evidence: { param: name, gradNormStep1: first, gradNormStep2: p.gradNorm },
      fix: { description: 'call optimizer.zero_grad() before loss.backward()', specFix: 'enable-zero-grad' },
    });
  }

  private checkGradients(r: ObservedStep): void {
    const first = this.losses[0];
    for (const name in r.params) {
      const p = r.params[name];
      if (!this.firstGradNorm.has(name) && p.gradNorm > 0 && Number.isFinite(p.gradNorm)) this.firstGradNorm.set(name, p.gradNorm);
      const g0 = this.firstGradNorm.get(name);
      if (g0 && Number.isFinite(p.gradNorm) && p.gradNorm > 1e3 * g0 && p.gradNorm > 1e3)
        this.add({
          code: 'exploding-gradient',
          severity: 'error',
          step: r.step,
          message: `${name}'s gradient norm reached ${fmt(p.gradNorm)} at step ${r.step}, ${fmt(p.gradNorm / g0)}× its first value (${fmt(g0)}). Each update then overshoots further. Fix: lower the learning rate, standardize the inputs, or clip gradients.`,
          evidence: { param: name, gradNorm: p.gradNorm, firstGradNorm: g0 },
          fix: { description: 'lower the learning rate (÷100)', specFix: 'lower-lr' },
        });
      // Vanishing: a parameter whose gradient stays ~0 while the loss is still far from its start's fraction.
      const tiny = p.gradNorm < 1e-8 * Math.max(1, p.norm) && r.loss > 0.5 * first && r.loss > 1e-8;
      const run = tiny ? (this.smallGradRun.get(name) ?? 0) + 1 : 0;
      this.smallGradRun.set(name, run);
      if (run === 20)
        this.add({
          code: 'vanishing-gradient',
          severity: 'warning',
          step: r.step,
          message: `${name}'s gradient has been ~0 (norm ${fmt(p.gradNorm)}) for 20 steps while the loss is still ${fmt(r.loss)} (${fmt(r.loss / first)}× the first loss): this parameter has stopped learning (e.g. dead ReLUs or saturated sigmoid/tanh units). Fix: change the init or the activation, or lower the learning rate that pushed the units there.`,
          evidence: { param: name, gradNorm: p.gradNorm, loss: r.loss, steps: 20 },
        });
    }
  }

  private checkDivergence(r: ObservedStep): boolean {
    let bad: string | undefined;
    for (const name in r.params) {
      const p = r.params[name];
      if (!Number.isFinite(p.norm) || (p.min !== undefined && !Number.isFinite(p.min)) || (p.max !== undefined && !Number.isFinite(p.max))) {
        bad = name;
        break;
      }
    }
    const L = this.losses;
    const n = L.length;
    // Growth is judged on window means, not single losses: with small batches one batch's loss can be a million
    // times another's while training goes well (batch size 1 was stopped as "diverged" on single losses).
    const W = DIVERGENCE_WINDOW;
    let mNow = NaN;
    if (n >= W) {
      let t = 0;
      for (let i = n - W; i < n; i++) t += L[i];
      mNow = t / W;
    }
    const minBefore = this.minWindowMean;
    let growing = n > W && mNow > 1e6 * Math.max(minBefore, 1e-30);
    for (let i = n - 4; growing && i < n; i++) growing = L[i] > L[i - 1];
    if (mNow < this.minWindowMean) this.minWindowMean = mNow;
    if (Number.isFinite(r.loss) && !bad && !growing) return false;
    const what = !Number.isFinite(r.loss)
      ? `the loss became ${r.loss}`
      : bad
        ? `${bad} became non-finite`
        : `the loss grew to ${fmt(r.loss)}, rising every step; its mean over the last ${W} steps is ${fmt(mNow / minBefore)}× its lowest ${W}-step mean`;
    const badData = this.nonFiniteData();
    if (badData) {
      this.add({
        code: 'divergence',
        severity: 'error',
        step: r.step,
        message: `Training diverged at step ${r.step}: ${what}, because the data itself holds non-finite values (${badData}). No learning rate fixes that. The run was stopped. Fix: remove or impute the NaN/Infinity entries (a float32 cast turns values beyond ±3.4e38 into Infinity).`,
        evidence: { step: r.step, loss: Number.isFinite(r.loss) ? r.loss : String(r.loss), data: badData },
      });
      return true;
    }
    const finite = L.filter(Number.isFinite);
    const per = finite.length > 2 ? Math.pow(finite[finite.length - 1] / finite[0], 1 / (finite.length - 1)) : NaN;
    this.add({
      code: 'divergence',
      severity: 'error',
      step: r.step,
      message: `Training diverged at step ${r.step}: ${what} (first loss ${fmt(L[0])}${Number.isFinite(per) && per > 1 ? `, growing about ×${fmt(per)} per step` : ''}). The run was stopped. Fix: lower the learning rate (lr ${fmt(r.lr ?? NaN)}) or standardize the inputs.`,
      evidence: { step: r.step, loss: Number.isFinite(r.loss) ? r.loss : String(r.loss), firstLoss: L[0], lr: r.lr ?? null },
      fix: { description: 'lower the learning rate (÷100)', specFix: 'lower-lr' },
    });
    return true;
  }

  /** "3 in x, 1 in y" when the dataset holds NaN/Infinity, else undefined. */
  private nonFiniteData(): string | undefined {
    const count = (v: ArrayLike<number>) => {
      let c = 0;
      for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i])) c++;
      return c;
    };
    const cx = count(this.data.x.values());
    const cy = count(this.data.y.values());
    if (!cx && !cy) return undefined;
    return [cx ? `${cx} in x` : '', cy ? `${cy} in y` : ''].filter(Boolean).join(', ');
  }

  private updateRatio(r: ObservedStep): number {
    let u = 0;
    let w = 0;
    for (const name in r.params) {
      const p = r.params[name];
      u += p.updateNorm * p.updateNorm;
      w += p.norm * p.norm;
    }
    return Math.sqrt(u) / Math.max(Math.sqrt(w), 1e-12);
  }

  private ratios: number[] = [];
  private checkLr(r: ObservedStep): void {
    this.ratios.push(this.updateRatio(r));
    const L = this.losses;
    const n = L.length;
    // Window means by index, not slices: this runs every step.
    const avg = (a: number[], from: number, to: number): number => {
      let t = 0;
      for (let i = from; i < to; i++) t += a[i];
      return t / (to - from);
    };
    if (n >= 20) {
      const recent = avg(this.ratios, n - 10, n);
      const lNow = avg(L, n - 10, n);
      const lPrev = avg(L, n - 20, n - 10);
      if (recent > 0.1 && lNow > 1.5 * lPrev)
        this.add({
          code: 'lr-too-high',
          severity: 'warning',
          step: r.step,
          message: `Each update changes the weights by ${fmt(recent * 100)}% of their size (healthy: ~0.1%), and the loss is rising (${fmt(lPrev)} → ${fmt(lNow)} over the last 20 steps). The learning rate ${fmt(r.lr ?? NaN)} is too high for this problem. Fix: lower it (÷10 to ÷100).`,
          evidence: { updateToWeight: recent, lossBefore: lPrev, lossNow: lNow, lr: r.lr ?? null },
          fix: { description: 'lower the learning rate (÷100)', specFix: 'lower-lr' },
        });
    }
    if (n >= 100) {
      const recent = avg(this.ratios, n - 100, n);
      // Window means, not two single batch losses: batch noise alone moves a single loss by more than 1%.
      const early = avg(L, n - 100, n - 90);
      const drop = (early - avg(L, n - 10, n)) / Math.max(Math.abs(early), 1e-30);
      if (recent < 1e-5 && Math.abs(drop) < 0.01 && L[n - 1] > 0.1 * L[0] && L[n - 1] > 1e-6)
        this.add({
          code: 'lr-too-low',
          severity: 'warning',
          step: r.step,
          message: `Each update changes the weights by only ${fmt(recent * 100)}% of their size (healthy: ~0.1%), and the loss moved ${fmt(drop * 100)}% over the last 100 steps while still ${fmt(L[n - 1] / L[0])}× its first value. The learning rate ${fmt(r.lr ?? NaN)} is too low. Fix: raise it (×10 to ×100).`,
          evidence: { updateToWeight: recent, lossChange100: drop, lr: r.lr ?? null },
        });
    }
  }

  private checkPlateau(r: ObservedStep): void {
    const L = this.losses;
    const w = Math.min(1000, Math.max(50, this.stepsPerEpoch, Math.floor(L.length / 3)));
    if (L.length < 2 * w) return;
    const tail = L.slice(-w);
    const prev = L.slice(-2 * w, -w);
    const mean = (a: number[]) => a.reduce((s, x) => s + x, 0) / a.length;
    const m = mean(tail);
    const flat = Math.abs(m - mean(prev)) / m < 0.05;
    const ratio = m / this.data.targetVar;
    const predRatio = mean(this.predRatio.slice(-w));
    if (!(flat && ratio > 0.8 && ratio < 1.25 && predRatio < 0.2)) return;
    const broadcast = this.found.get('loss-broadcast');
    const d: Diagnosis = {
      code: 'loss-plateau-mean',
      severity: 'error',
      step: r.step,
      message: `The loss is flat at the variance of the target: over the last ${w.toLocaleString('en-US')} steps (to step ${r.step}) it averaged ${fmt(m)} = ${ratio.toFixed(5)} × Var(y) (${fmt(this.data.targetVar)}), the loss of predicting the batch mean. Predictions vary ${fmt(predRatio * 100)}% as much as the targets, so the model is not using its inputs.${broadcast ? ` The cause is the loss broadcast (loss-broadcast, step ${broadcast.step}): against an ${shapeStr(broadcast.evidence.elements as number[])} grid the best a model can do is predict the mean.` : ''}`,
      evidence: { meanLoss: m, targetVar: this.data.targetVar, ratio, window: w, predStdOverTargetStd: predRatio },
      fix: broadcast?.fix,
      opIndex: broadcast?.opIndex,
    };
    const prevD = this.found.get('loss-plateau-mean');
    if (prevD) {
      // Keep the first step it was seen, refresh the numbers.
      this.found.set('loss-plateau-mean', { ...d, step: prevD.step });
    } else this.add(d);
  }
}
