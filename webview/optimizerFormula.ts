/**
 * The optimizer's update rule for one parameter entry, written out with the step's numbers, so the user can
 * follow exactly how the gradient became Δw. The numbers come from the host's step record (state after the
 * step, value after the step, the update); the state before the step is the previous record's when the panel
 * has it, else recovered from the recorded state by inverting the averaging line.
 */
import type { ParamRecord } from '../src/experiment/records';
import { fmt } from './numberFormat';

export interface FormulaLine {
  /** The rule, e.g. `v ← αv + (1−α)g²`. */
  rule: string;
  /** The same with numbers, ending in the recorded result: `= 0.99·12 + 0.01·(−3)² = 11.97`. */
  numbers: string;
}

export interface Formula {
  title: string;
  lines: FormulaLine[];
  note?: string;
}

export interface OptimizerInfo {
  type: string;
  args: Record<string, number | boolean>;
}

const n = (v: number) => fmt(v, 5);
/** A factor in a product: negatives get parentheses. */
const f = (v: number) => (v < 0 ? `(${n(v)})` : n(v));

function num(args: OptimizerInfo['args'], keys: string[], dflt: number): number {
  for (const k of keys) {
    const v = args[k];
    if (typeof v === 'number') return v;
  }
  return dflt;
}

function entry(state: ParamRecord['state'] | undefined, key: string, i: number): number | undefined {
  const v = state?.[key];
  if (v === undefined) return undefined;
  return typeof v === 'number' ? v : v[i];
}

/**
 * `step` is the record's 1-based step; `prev` the same parameter in the record of step − 1, if the panel has it.
 * Returns undefined when the parameter had no gradient at this step.
 */
export function optimizerFormula(opt: OptimizerInfo, p: ParamRecord, i: number, step: number, prev?: ParamRecord): Formula | undefined {
  const g0 = p.grad?.[i];
  // null: JSON's stand-in for NaN/Infinity; there is no rule to show with such numbers.
  if (g0 === undefined || g0 === null || p.value[i] === undefined || p.value[i] === null) return undefined;
  const wNew = p.value[i];
  const dw = p.update[i] ?? 0;
  const wOld = prev?.value[i] ?? wNew - dw;
  const type = opt.type.toLowerCase();
  const lr = num(opt.args, ['lr'], type === 'sgd' ? 0.01 : type === 'rmsprop' ? 0.01 : 0.001);
  const wd = num(opt.args, ['weight_decay', 'weightDecay'], type === 'adamw' ? 0.01 : 0);
  const lines: FormulaLine[] = [];
  let note: string | undefined;
  /** State before the step: previous record, else 0 on step 1, else undone from the average. */
  const before = (key: string, after: number, decay: number, added: number): number => {
    const fromPrev = entry(prev?.state, key, i);
    if (fromPrev !== undefined) return fromPrev;
    if (step <= 1) return 0;
    return decay === 0 ? 0 : (after - added) / decay;
  };

  let g = g0;
  if (wd !== 0 && type !== 'adamw') {
    g = g0 + wd * wOld;
    lines.push({ rule: 'g ← g + λw', numbers: `= ${n(g0)} + ${n(wd)}·${f(wOld)} = ${n(g)}` });
  }

  if (type === 'rmsprop') {
    const alpha = num(opt.args, ['alpha'], 0.99);
    const eps = num(opt.args, ['eps'], 1e-8);
    const mu = num(opt.args, ['momentum'], 0);
    const vNew = entry(p.state, 'square_avg', i);
    if (vNew === undefined) return { title: 'RMSprop', lines, note: 'the step record has no square_avg state' };
    const vOld = before('square_avg', vNew, alpha, (1 - alpha) * g * g);
    lines.push({ rule: 'v ← αv + (1−α)g²', numbers: `= ${n(alpha)}·${f(vOld)} + ${n(1 - alpha)}·${f(g)}² = ${n(vNew)}` });
    if (opt.args.centered === true) note = 'centered: the update divides by √(v − ḡ²) instead of √v';
    if (mu > 0) {
      const bNew = entry(p.state, 'momentum_buffer', i) ?? NaN;
      const bOld = before('momentum_buffer', bNew, mu, g / (Math.sqrt(vNew) + eps));
      lines.push({ rule: 'b ← μb + g/(√v+ε)', numbers: `= ${n(mu)}·${f(bOld)} + ${f(g)}/(√${n(vNew)} + ${n(eps)}) = ${n(bNew)}` });
      lines.push({ rule: 'w ← w − lr·b', numbers: `= ${n(wOld)} − ${n(lr)}·${f(bNew)} = ${n(wNew)}` });
    } else {
      lines.push({ rule: 'w ← w − lr·g/(√v+ε)', numbers: `= ${n(wOld)} − ${n(lr)}·${f(g)}/(√${n(vNew)} + ${n(eps)}) = ${n(wNew)}` });
    }
    return { title: 'RMSprop', lines, note };
  }

  if (type === 'sgd') {
    const mu = num(opt.args, ['momentum'], 0);
    const tau = num(opt.args, ['dampening'], 0);
    const nesterov = opt.args.nesterov === true;
    if (mu === 0) {
      lines.push({ rule: 'w ← w − lr·g', numbers: `= ${n(wOld)} − ${n(lr)}·${f(g)} = ${n(wNew)}` });
      return { title: 'SGD', lines };
    }
    const bNew = entry(p.state, 'momentum_buffer', i);
    if (bNew === undefined) return { title: 'SGD with momentum', lines, note: 'the step record has no momentum_buffer state' };
    const hasPrev = entry(prev?.state, 'momentum_buffer', i) !== undefined;
    if (step <= 1 && !hasPrev) {
      // PyTorch starts the buffer at g on the first step (no dampening).
      lines.push({ rule: 'b ← g (first step)', numbers: `= ${n(bNew)}` });
    } else {
      const bOld = before('momentum_buffer', bNew, mu, (1 - tau) * g);
      lines.push({ rule: 'b ← μb + (1−τ)g', numbers: `= ${n(mu)}·${f(bOld)} + ${n(1 - tau)}·${f(g)} = ${n(bNew)}` });
    }
    if (nesterov) lines.push({ rule: 'w ← w − lr·(g + μb)', numbers: `= ${n(wOld)} − ${n(lr)}·(${n(g)} + ${n(mu)}·${f(bNew)}) = ${n(wNew)}` });
    else lines.push({ rule: 'w ← w − lr·b', numbers: `= ${n(wOld)} − ${n(lr)}·${f(bNew)} = ${n(wNew)}` });
    return { title: 'SGD with momentum', lines };
  }

  if (type === 'adam' || type === 'adamw') {
    const b1 = num(opt.args, ['beta1', 'betas.0', 'betas[0]'], 0.9);
    const b2 = num(opt.args, ['beta2', 'betas.1', 'betas[1]'], 0.999);
    const eps = num(opt.args, ['eps'], 1e-8);
    const title = type === 'adamw' ? 'AdamW' : 'Adam';
    const mNew = entry(p.state, 'exp_avg', i);
    const vNew = entry(p.state, 'exp_avg_sq', i);
    if (mNew === undefined || vNew === undefined) return { title, lines, note: 'the step record has no exp_avg / exp_avg_sq state' };
    const t = entry(p.state, 'step', i) ?? step;
    let w = wOld;
    if (type === 'adamw' && wd !== 0) {
      w = wOld * (1 - lr * wd);
      lines.push({ rule: 'w ← w(1−lr·λ)', numbers: `= ${n(wOld)}·(1 − ${n(lr)}·${n(wd)}) = ${n(w)}` });
    }
    const mOld = before('exp_avg', mNew, b1, (1 - b1) * g);
    const vOld = before('exp_avg_sq', vNew, b2, (1 - b2) * g * g);
    lines.push({ rule: 'm ← β1m + (1−β1)g', numbers: `= ${n(b1)}·${f(mOld)} + ${n(1 - b1)}·${f(g)} = ${n(mNew)}` });
    lines.push({ rule: 'v ← β2v + (1−β2)g²', numbers: `= ${n(b2)}·${f(vOld)} + ${n(1 - b2)}·${f(g)}² = ${n(vNew)}` });
    const mHat = mNew / (1 - Math.pow(b1, t));
    const vHat = vNew / (1 - Math.pow(b2, t));
    lines.push({ rule: 'm̂ = m/(1−β1ᵗ), v̂ = v/(1−β2ᵗ)', numbers: `t = ${t}: m̂ = ${n(mHat)}, v̂ = ${n(vHat)}` });
    lines.push({ rule: 'w ← w − lr·m̂/(√v̂+ε)', numbers: `= ${n(w)} − ${n(lr)}·${f(mHat)}/(√${n(vHat)} + ${n(eps)}) = ${n(wNew)}` });
    if (opt.args.amsgrad === true) note = 'amsgrad: v̂ uses the running maximum of v';
    return { title, lines, note };
  }

  lines.push({ rule: 'Δw', numbers: `= ${n(dw)}` });
  return { title: opt.type, lines, note: `no formula for optimizer "${opt.type}"; showing the recorded update` };
}
