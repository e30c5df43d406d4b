/**
 * Loss functions with PyTorch's broadcasting: `F.mse_loss` & co. broadcast input and target (with only a
 * UserWarning), so a `[N,1]` input against an `[N]` target really produces `[N,N]` elements, as here.
 * The pointwise losses are one fused op each (like ATen's kernels); gaussian_nll is composed of ops, as in
 * torch/nn/functional.py.
 */
import { attach } from './autograd';
import * as ops from './ops';
import { broadcastShapes, contiguousStrides, numel, sameShape, type Shape, ShapeError, shapeStr } from './shape';
import { allocate, roundFn, type Storage, Tensor } from './tensor';
import { broadcastInfo, tracer } from './trace';

export type Reduction = 'mean' | 'sum' | 'none';
export type PointwiseLoss = 'mse' | 'l1' | 'huber' | 'smooth_l1';

const OP_NAME: Record<PointwiseLoss, string> = { mse: 'mse_loss', l1: 'l1_loss', huber: 'huber_loss', smooth_l1: 'smooth_l1_loss' };

const LOSS_INPUT_NAMES = ['input', 'target'];

function recordLoss(op: string, input: Tensor, target: Tensor, elements: Shape, output: readonly number[], args: Record<string, string | number>): void {
  if (!tracer.active) return;
  tracer.record({
    op,
    label: 'loss',
    loss: true,
    inputs: [input.shape, target.shape],
    inputNames: LOSS_INPUT_NAMES,
    output,
    broadcast: broadcastInfo([input.shape, target.shape], elements),
    args,
  });
}

/**
 * One fused pointwise loss. `param` is huber's delta or smooth_l1's beta.
 *   mse:       e = d²                                  ∂e/∂d = 2d
 *   l1:        e = |d|                                 ∂e/∂d = sign(d)
 *   huber:     e = ½d² if |d| < δ else δ(|d| − ½δ)     ∂e/∂d = d if |d| < δ else δ·sign(d)
 *   smooth_l1: e = ½d²/β if |d| < β else |d| − ½β      ∂e/∂d = d/β if |d| < β else sign(d)
 * with d = input − target over the broadcast shape.
 */
export function pointwiseLoss(kind: PointwiseLoss, input: Tensor, target: Tensor, reduction: Reduction = 'mean', param = 1): Tensor {
  const shape = broadcastShapes(input.shape, target.shape);
  const dtype = input.dtype === 'float64' || target.dtype === 'float64' ? 'float64' : 'float32';
  const r = roundFn(dtype);
  const n = numel(shape);
  const p = r(param);
  const halfP = r(0.5 * p);
  // The broadcast is read through index maps (cached per shape pair), never copied to [N,N] operands, the way
  // TensorIterator walks it with 0 strides along expanded dims.
  const A = input.data;
  const B = target.data;
  const oa = input.offset;
  const ob = target.offset;
  const E = reduction === 'none' ? allocate(dtype, n) : null;
  let s = 0;
  const fast = kind === 'mse' && !E ? outerGrid(shape, input, target) : undefined;
  const IA = fast ? EMPTY : storageIndex(shape, input);
  const IB = fast ? EMPTY : storageIndex(shape, target);
  if (fast) s = mseGridSum(A, B, fast);
  else if (kind === 'mse')
    // MSE, by far the most used loss, gets its own loop: the switch below costs as much as the arithmetic.
    if (IA === identity && IB === identity && !E)
      for (let k = 0; k < n; k++) {
        const d = r(A[oa + k] - B[ob + k]);
        s += r(d * d);
      }
    else
      for (let k = 0; k < n; k++) {
        const d = r(A[oa + IA[k]] - B[ob + IB[k]]);
        const e = r(d * d);
        if (E) E[k] = e;
        else s += e;
      }
  else for (let k = 0; k < n; k++) {
    const d = r(A[oa + IA[k]] - B[ob + IB[k]]);
    let e: number;
    switch (kind) {
      case 'l1':
        e = Math.abs(d);
        break;
      case 'huber': {
        const z = Math.abs(d);
        e = z < p ? r(r(0.5 * z) * z) : r(p * r(z - halfP));
        break;
      }
      default: {
        const z = Math.abs(d);
        e = p === 0 ? z : z < p ? r(r(r(0.5 * z) * z) / p) : r(z - halfP);
      }
    }
    if (E) E[k] = e;
    else s += e;
  }
  const out = E ? new Tensor(E, shape) : Tensor.scalar(reduction === 'mean' ? s / n : s, dtype);
  recordLoss(OP_NAME[kind], input, target, shape, out.shape, kind === 'huber' ? { reduction, delta: param } : kind === 'smooth_l1' ? { reduction, beta: param } : { reduction });
  return attach(out, OP_NAME[kind], [input, target], (g) => {
    const G = reduction === 'none' ? g.values() : null;
    const g0 = G ? 0 : g.values()[0];
    const scale = reduction === 'mean' ? r(1 / n) : 1;
    // ∂L/∂input summed back over the dims input was expanded along (negated for target).
    // (`fast` implies a reduced loss, so a scalar g.)
    if (fast) {
      // Each grid gradient entry is one closed-form value: write it straight into the operand's dtype.
      const ga = input.requiresGrad ? allocate(dtype, input.size) : null;
      const gb = target.requiresGrad ? allocate(dtype, target.size) : null;
      mseGridGrad(A, B, fast, reduction === 'mean' ? 1 / n : 1, g0, ga, gb);
      return [ga && new Tensor(ga, input.shape), gb && new Tensor(gb, target.shape)];
    }
    const KA = gradIndex(shape, input.shape);
    const KB = gradIndex(shape, target.shape);
    // An operand that was not broadcast gets each gradient entry once: write it in its dtype. One that was sums
    // many entries: in float64, rounded once at the end.
    const gi = input.requiresGrad ? allocate(KA === identity ? dtype : 'float64', input.size) : null;
    const gt = target.requiresGrad ? allocate(KB === identity ? dtype : 'float64', target.size) : null;
    if (kind === 'mse') mseGrad(input, IA, target, IB, n, r, scale, G, g0, gi, KA, gt, KB);
    else for (let k = 0; k < n; k++) {
      const d = r(A[oa + IA[k]] - B[ob + IB[k]]);
      let de: number;
      switch (kind) {
        case 'l1':
          de = Math.sign(d);
          break;
        case 'huber':
          de = Math.abs(d) < p ? d : p * Math.sign(d);
          break;
        default:
          de = p === 0 ? Math.sign(d) : Math.abs(d) < p ? r(d / p) : Math.sign(d);
      }
      const v = r(r(de * scale) * (G ? G[k] : g0));
      if (gi) gi[KA[k]] += v;
      if (gt) gt[KB[k]] -= v;
    }
    const toT = (acc: Storage | null, like: Tensor): Tensor | null => {
      if (!acc) return null;
      if (acc.BYTES_PER_ELEMENT === (dtype === 'float32' ? 4 : 8)) return new Tensor(acc, like.shape);
      const d = allocate(dtype, acc.length);
      d.set(acc);
      return new Tensor(d, like.shape);
    };
    return [toT(gi, input), toT(gt, target)];
  });
}

/**
 * ∂(mse)/∂input and ∂/∂target element by element: v_k = r(r(r(2·d_k)·scale)·g_k) with d_k = r(a_k − b_k), added
 * into gi at KA[k] and subtracted from gt at KB[k]. A function of its own, with everything in arguments: inside
 * the backward closure V8 re-read each captured variable on every iteration, three times slower.
 */
function mseGrad(
  a: Tensor,
  IA: Int32Array,
  b: Tensor,
  IB: Int32Array,
  n: number,
  r: (x: number) => number,
  scale: number,
  G: Storage | null,
  g0: number,
  gi: Storage | null,
  KA: Int32Array,
  gt: Storage | null,
  KB: Int32Array,
): void {
  const A = a.data;
  const B = b.data;
  const oa = a.offset;
  const ob = b.offset;
  if (IA === identity && IB === identity && KA === identity && KB === identity && !G) {
    // Matched operands (the usual case): no index maps to read, each entry written once.
    for (let k = 0; k < n; k++) {
      const v = r(r(r(2 * r(A[oa + k] - B[ob + k])) * scale) * g0);
      if (gi) gi[k] = v;
      // ATen differentiates the target as 2·(b − a), not −(2·(a − b)): they differ only in the sign of a zero.
      if (gt) gt[k] = r(r(r(2 * r(B[ob + k] - A[oa + k])) * scale) * g0);
    }
    return;
  }
  for (let k = 0; k < n; k++) {
    const v = r(r(r(2 * r(A[oa + IA[k]] - B[ob + IB[k]])) * scale) * (G ? G[k] : g0));
    if (gi) gi[KA[k]] += v;
    if (gt) gt[KB[k]] -= v;
  }
}

/**
 * A true outer grid: a 2-D broadcast in which a varies along one dim only and b along the other (`[N,1]` vs
 * `[N]` → `[N,N]`). Each operand is read as n elements from offset o at stride s, and its gradient goes to
 * stride g of its own contiguous shape.
 */
interface Grid {
  an: number;
  ao: number;
  as: number;
  ag: number;
  bn: number;
  bo: number;
  bs: number;
  bg: number;
  /** The means ā and b̄, set by mseGridSum for the backward. */
  am: number;
  bm: number;
}

/** Stride of `sh`/`st` (rank ≤ 2, right-aligned) along broadcast dim d ∈ {0, 1}; 0 where it is expanded. */
function stride2(sh: readonly number[], st: readonly number[], d: number): number {
  const k = d - (2 - sh.length);
  return k < 0 || sh[k] === 1 ? 0 : st[k];
}

/** The same for a contiguous tensor of shape `sh`: the layout its gradient is written in. */
function ownStride2(sh: readonly number[], d: number): number {
  const k = d - (2 - sh.length);
  return k < 0 || sh[k] === 1 ? 0 : k === sh.length - 1 ? 1 : sh[sh.length - 1];
}

function outerGrid(shape: readonly number[], a: Tensor, b: Tensor): Grid | undefined {
  if (shape.length !== 2 || a.rank > 2 || b.rank > 2 || shape[0] < 2 || shape[1] < 2) return undefined;
  const as0 = stride2(a.shape, a.strides, 0);
  const as1 = stride2(a.shape, a.strides, 1);
  const bs0 = stride2(b.shape, b.strides, 0);
  const bs1 = stride2(b.shape, b.strides, 1);
  // a along dim 0 and b along dim 1, or the other way round.
  const da = as1 === 0 && bs0 === 0 ? 0 : as0 === 0 && bs1 === 0 ? 1 : -1;
  if (da < 0) return undefined;
  const db = 1 - da;
  return {
    an: shape[da],
    ao: a.offset,
    as: da === 0 ? as0 : as1,
    ag: ownStride2(a.shape, da),
    bn: shape[db],
    bo: b.offset,
    bs: db === 0 ? bs0 : bs1,
    bg: ownStride2(b.shape, db),
    am: NaN,
    bm: NaN,
  };
}

/**
 * Σ (a − b)² over a true outer grid (a varies along one dim only and b along the
 * other, as `[N,1]` vs `[N]` → `[N,N]`), the grid sum has the closed form
 *   Σ_i Σ_j (a_i − b_j)² = n_b · Σ_i (a_i − b̄)² + n_a · Σ_j (b_j − b̄)²
 * which is O(N) instead of O(N²) — the difference between a plateaued seed run costing 0.3 ms a step and 10 µs.
 * The result is the float64 value of the grid sum, rounded once; PyTorch's own float32 summation differs from
 * it by its rounding (≈1e-7 relative, inside the golden tolerance). Every other layout is summed element by
 * element with float32 rounding of every difference and square.
 */
function mseGridSum(A: ArrayLike<number>, B: ArrayLike<number>, p: Grid): number {
  // Locals, not p.*, inside the loops: V8 does not hoist the field loads past the typed-array reads.
  const { an, ao, as, bn, bo, bs } = p;
  let bm = 0;
  for (let j = 0; j < bn; j++) bm += B[bo + j * bs];
  bm /= bn;
  let sa = 0;
  let am = 0;
  for (let i = 0; i < an; i++) {
    const x = A[ao + i * as];
    am += x;
    const d = x - bm;
    sa += d * d;
  }
  p.am = am / an;
  p.bm = bm;
  let sb = 0;
  for (let j = 0; j < bn; j++) {
    const d = B[bo + j * bs] - bm;
    sb += d * d;
  }
  return bn * sa + an * sb;
}

/**
 * Gradients of `scale · Σ_grid (a − b)²` times g, each into its operand's own shape:
 *   ∂/∂a_i = scale · 2 · n_b · (a_i − b̄) · g        ∂/∂b_j = −scale · 2 · n_a · (ā − b_j) · g
 */
function mseGridGrad(A: ArrayLike<number>, B: ArrayLike<number>, p: Grid, scale: number, g: number, ga: Storage | null, gb: Storage | null): void {
  const { an, ao, as, ag, bn, bo, bs, bg, am, bm } = p;
  if (ga) {
    const c = 2 * bn * scale * g;
    for (let i = 0; i < an; i++) ga[i * ag] += c * (A[ao + i * as] - bm);
  }
  if (gb) {
    const c = 2 * an * scale * g;
    for (let j = 0; j < bn; j++) gb[j * bg] -= c * (am - B[bo + j * bs]);
  }
}

const EMPTY = new Int32Array(0);
let identity = new Int32Array(0);

/**
 * 0, 1, …, n−1 (or longer): the index map of an operand that is read as it lies, the common matched loss.
 * One shared array, so a step neither builds a cache key nor walks a shape for it.
 */
function identityIndex(n: number): Int32Array {
  if (identity.length < n) {
    identity = new Int32Array(Math.max(n, 2 * identity.length));
    for (let i = 0; i < identity.length; i++) identity[i] = i;
  }
  return identity;
}
const indexCache = new Map<string, Int32Array>();

function cached(key: string, make: () => Int32Array): Int32Array {
  let v = indexCache.get(key);
  if (!v) {
    if (indexCache.size > 64) indexCache.clear();
    v = make();
    indexCache.set(key, v);
  }
  return v;
}

/** For each element of the broadcast `shape`, the offset in `t`'s storage it reads, relative to `t.offset`. */
function storageIndex(shape: readonly number[], t: Tensor): Int32Array {
  if (t.isContiguous && sameShape(t.shape, shape)) return identityIndex(numel(shape));
  return cached(`s${shape}|${t.shape}|${t.strides}`, () => walk(shape, t.shape, t.strides, 0));
}

/** For each element of the broadcast `shape`, the row-major index in a contiguous tensor of `own` shape. */
function gradIndex(shape: readonly number[], own: readonly number[]): Int32Array {
  if (sameShape(own, shape)) return identityIndex(numel(shape));
  return cached(`g${shape}|${own}`, () => walk(shape, own, contiguousStrides(own), 0));
}

function walk(shape: readonly number[], own: readonly number[], strides: readonly number[], offset: number): Int32Array {
  const n = numel(shape);
  const out = new Int32Array(n);
  const rank = shape.length;
  const lead = rank - own.length;
  const st = shape.map((_, d) => (d < lead || own[d - lead] === 1 ? 0 : strides[d - lead]));
  const idx = new Array<number>(rank).fill(0);
  let off = offset;
  for (let k = 0; k < n; k++) {
    out[k] = off;
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]++;
      off += st[d];
      if (idx[d] < shape[d]) break;
      off -= st[d] * shape[d];
      idx[d] = 0;
    }
  }
  return out;
}

export const mseLoss = (input: Tensor, target: Tensor, reduction: Reduction = 'mean'): Tensor => pointwiseLoss('mse', input, target, reduction);
export const l1Loss = (input: Tensor, target: Tensor, reduction: Reduction = 'mean'): Tensor => pointwiseLoss('l1', input, target, reduction);
export const huberLoss = (input: Tensor, target: Tensor, reduction: Reduction = 'mean', delta = 1): Tensor => pointwiseLoss('huber', input, target, reduction, delta);
export const smoothL1Loss = (input: Tensor, target: Tensor, reduction: Reduction = 'mean', beta = 1): Tensor => pointwiseLoss('smooth_l1', input, target, reduction, beta);

/**
 * `F.gaussian_nll_loss(input, target, var, full=False, eps=1e-6)`:
 *   loss = ½(log(max(var, eps)) + (input − target)² / max(var, eps))  [+ ½log(2π) when full]
 * PyTorch checks var's shape against input but never input against target, and does not warn when those
 * broadcast — which is why the trace flags it.
 */
export function gaussianNllLoss(input: Tensor, target: Tensor, variance: Tensor, reduction: Reduction = 'mean', full = false, eps = 1e-6): Tensor {
  let v = variance;
  if (!sameShape(v.shape, input.shape)) {
    const lead = input.shape.slice(0, -1);
    if (sameShape(lead, v.shape)) v = ops.unsqueeze(v, -1);
    else if (!(sameShape(lead, v.shape.slice(0, -1)) && v.shape[v.rank - 1] === 1))
      throw new ShapeError(`var is of incorrect size ${shapeStr(v.shape)} for input ${shapeStr(input.shape)}`);
  }
  const elements = broadcastShapes(input.shape, target.shape, v.shape);
  if (v.values().some((x) => x < 0)) throw new Error('gaussian_nll_loss: var has negative entry/entries');
  // PyTorch clamps a clone of var in place under no_grad, so the gradient flows to var unchanged (even where clamped).
  const vc = attach(new Tensor(v.values().map((x) => Math.max(x, eps)), v.shape), 'clamp', [v], (g) => [g]);
  const sq = ops.pow(ops.sub(input, target), 2);
  let loss = ops.mul(ops.add(ops.log(vc), ops.div(sq, vc)), 0.5);
  if (full) loss = ops.add(loss, 0.5 * Math.log(2 * Math.PI));
  const out = reduction === 'mean' ? ops.mean(loss) : reduction === 'sum' ? ops.sum(loss) : loss;
  recordLoss('gaussian_nll_loss', input, target, elements, out.shape, { reduction });
  return out;
}

/** The loss a user writes by hand, `((pred - y) ** 2).mean()`: plain ops, so only the `sub` shows a broadcast. */
export function handwrittenMse(input: Tensor, target: Tensor): Tensor {
  return ops.mean(ops.pow(ops.sub(input, target), 2));
}
