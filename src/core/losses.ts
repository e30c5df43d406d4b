/**
 * Loss functions with PyTorch's broadcasting: `F.mse_loss` & co. broadcast input and target (with only a
 * UserWarning), so a `[N,1]` input against an `[N]` target really produces `[N,N]` elements, as here.
 * The pointwise losses are one fused op each (like ATen's kernels); gaussian_nll is composed of ops, as in
 * torch/nn/functional.py.
 */
import { attach } from './autograd';
import * as ops from './ops';
import { broadcastShapes, sameShape, type Shape, ShapeError, shapeStr } from './shape';
import { allocate, roundFn, Tensor } from './tensor';
import { broadcastInfo, tracer } from './trace';

export type Reduction = 'mean' | 'sum' | 'none';
export type PointwiseLoss = 'mse' | 'l1' | 'huber' | 'smooth_l1';

const OP_NAME: Record<PointwiseLoss, string> = { mse: 'mse_loss', l1: 'l1_loss', huber: 'huber_loss', smooth_l1: 'smooth_l1_loss' };

function recordLoss(op: string, input: Tensor, target: Tensor, elements: Shape, output: Shape, args: Record<string, string | number>): void {
  if (!tracer.active) return;
  tracer.record({
    op,
    label: 'loss',
    loss: true,
    inputs: [input.shape.slice(), target.shape.slice()],
    inputNames: ['input', 'target'],
    output: output.slice(),
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
  const A = ops.expandValues(input, shape);
  const B = ops.expandValues(target, shape);
  const n = A.length;
  const D = allocate(dtype, n); // d, kept for backward
  const E = allocate(dtype, n);
  const p = r(param);
  const halfP = r(0.5 * p);
  for (let i = 0; i < n; i++) D[i] = A[i] - B[i];
  switch (kind) {
    case 'mse':
      for (let i = 0; i < n; i++) E[i] = D[i] * D[i];
      break;
    case 'l1':
      for (let i = 0; i < n; i++) E[i] = Math.abs(D[i]);
      break;
    case 'huber':
      for (let i = 0; i < n; i++) {
        const z = Math.abs(D[i]);
        E[i] = z < p ? r(r(0.5 * z) * z) : p * r(z - halfP);
      }
      break;
    case 'smooth_l1':
      for (let i = 0; i < n; i++) {
        const z = Math.abs(D[i]);
        E[i] = p === 0 ? z : z < p ? r(r(r(0.5 * z) * z) / p) : z - halfP;
      }
      break;
  }
  let out: Tensor;
  if (reduction === 'none') out = new Tensor(E, shape);
  else {
    let s = 0;
    for (let i = 0; i < n; i++) s += E[i];
    out = Tensor.scalar(reduction === 'mean' ? s / n : s, dtype);
  }
  recordLoss(OP_NAME[kind], input, target, shape, out.shape, kind === 'huber' ? { reduction, delta: param } : kind === 'smooth_l1' ? { reduction, beta: param } : { reduction });
  return attach(out, OP_NAME[kind], [input, target], (g) => {
    const G = reduction === 'none' ? g.values() : null;
    const g0 = G ? 0 : g.values()[0];
    const scale = reduction === 'mean' ? r(1 / n) : 1;
    const GI = allocate(dtype, n);
    for (let i = 0; i < n; i++) {
      const d = D[i];
      let de: number;
      switch (kind) {
        case 'mse':
          de = r(2 * d);
          break;
        case 'l1':
          de = Math.sign(d);
          break;
        case 'huber':
          de = Math.abs(d) < p ? d : p * Math.sign(d);
          break;
        default:
          de = p === 0 ? Math.sign(d) : Math.abs(d) < p ? r(d / p) : Math.sign(d);
      }
      const gi = G ? G[i] : g0;
      GI[i] = r(de * scale) * gi;
    }
    const gElems = new Tensor(GI, shape);
    return [
      input.requiresGrad ? ops.sumTo(gElems, input.shape) : null,
      target.requiresGrad ? ops.sumTo(new Tensor(GI.map((v) => -v), shape), target.shape) : null,
    ];
  });
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
  const vc = new Tensor(v.values().map((x) => Math.max(x, eps)), v.shape);
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
