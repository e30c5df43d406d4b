/**
 * Tensor ops. Each op is its forward and its local backward side by side (micrograd style), and appends its
 * shapes to the active trace. Float32 results round on store, which is exactly IEEE float32 for + − × ÷ √.
 */
import { attach } from './autograd';
import { broadcastShapes, contiguousStrides, normDim, numel, sameShape, type Shape, ShapeError, shapeStr } from './shape';
import { allocate, asTensor, type DType, roundFn, type Storage, Tensor } from './tensor';
import { broadcastInfo, type OpRecord, tracer } from './trace';

// ---------------------------------------------------------------------------------------------------------
// Broadcasting helpers
// ---------------------------------------------------------------------------------------------------------

/** `t`'s elements expanded to `out` (which `t` broadcasts to), row-major. */
export function expandValues(t: Tensor, out: Shape): Storage {
  if (sameShape(t.shape, out)) return t.values();
  const n = numel(out);
  const res = allocate(t.dtype, n);
  const rank = out.length;
  const lead = rank - t.shape.length;
  const st = new Array<number>(rank).fill(0);
  for (let d = 0; d < t.shape.length; d++) st[lead + d] = t.shape[d] === 1 ? 0 : t.strides[d];
  if (n === 0) return res;
  const idx = new Array<number>(rank).fill(0);
  let off = t.offset;
  const src = t.data;
  const inner = rank > 0 ? out[rank - 1] : 1;
  const innerStride = rank > 0 ? st[rank - 1] : 0;
  for (let i = 0; i < n; i += inner) {
    let o = off;
    for (let j = 0; j < inner; j++, o += innerStride) res[i + j] = src[o];
    for (let d = rank - 2; d >= 0; d--) {
      idx[d]++;
      off += st[d];
      if (idx[d] < out[d]) break;
      off -= st[d] * out[d];
      idx[d] = 0;
    }
  }
  return res;
}

/** Sums a gradient of shape `g.shape` down to `shape` (the inverse of broadcasting `shape` up to it). */
export function sumTo(g: Tensor, shape: Shape): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const gs = g.shape;
  const rank = gs.length;
  const lead = rank - shape.length;
  const outStrides = contiguousStrides(shape);
  const st = new Array<number>(rank).fill(0);
  for (let d = 0; d < shape.length; d++) st[lead + d] = shape[d] === 1 ? 0 : outStrides[d];
  const acc = allocate('float64', numel(shape));
  const src = g.values();
  const idx = new Array<number>(rank).fill(0);
  let off = 0;
  for (let i = 0; i < src.length; i++) {
    acc[off] += src[i];
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]++;
      off += st[d];
      if (idx[d] < gs[d]) break;
      off -= st[d] * gs[d];
      idx[d] = 0;
    }
  }
  const out = allocate(g.dtype, acc.length);
  out.set(acc);
  return new Tensor(out, shape);
}

function resultDType(a: Tensor, b: Tensor): DType {
  // A 0-dim tensor made from a JS number never promotes (like a Python scalar).
  if (a.rank === 0 && b.rank > 0) return b.dtype;
  if (b.rank === 0 && a.rank > 0) return a.dtype;
  return a.dtype === 'float64' || b.dtype === 'float64' ? 'float64' : 'float32';
}

function trace(rec: OpRecord): void {
  if (tracer.active) tracer.record(rec);
}

function binaryForward(op: string, a: Tensor, b: Tensor, f: (x: number, y: number) => number): Tensor {
  const shape = broadcastShapes(a.shape, b.shape);
  const A = expandValues(a, shape);
  const B = expandValues(b, shape);
  const out = allocate(resultDType(a, b), A.length);
  for (let i = 0; i < out.length; i++) out[i] = f(A[i], B[i]);
  const t = new Tensor(out, shape);
  // Records share the tensors' shape arrays: shapes are immutable once a tensor holds them.
  trace({ op, inputs: [a.shape, b.shape], output: t.shape, broadcast: broadcastInfo([a.shape, b.shape], shape) });
  return t;
}

function unaryMap(t: Tensor, f: (x: number) => number): Tensor {
  const v = t.values();
  const out = allocate(t.dtype, v.length);
  for (let i = 0; i < v.length; i++) out[i] = f(v[i]);
  return new Tensor(out, t.shape);
}

function zip(a: Tensor, b: Tensor, f: (x: number, y: number) => number): Tensor {
  const shape = broadcastShapes(a.shape, b.shape);
  const A = expandValues(a, shape);
  const B = expandValues(b, shape);
  const out = allocate(resultDType(a, b), A.length);
  for (let i = 0; i < out.length; i++) out[i] = f(A[i], B[i]);
  return new Tensor(out, shape);
}

// ---------------------------------------------------------------------------------------------------------
// Elementwise binary ops
// ---------------------------------------------------------------------------------------------------------

export function add(x: Tensor | number, y: Tensor | number): Tensor {
  const [a, b] = operands(x, y);
  const out = binaryForward('add', a, b, (p, q) => p + q);
  return attach(out, 'add', [a, b], (g) => [sumTo(g, a.shape), sumTo(g, b.shape)]);
}

export function sub(x: Tensor | number, y: Tensor | number): Tensor {
  const [a, b] = operands(x, y);
  const out = binaryForward('sub', a, b, (p, q) => p - q);
  return attach(out, 'sub', [a, b], (g) => [sumTo(g, a.shape), sumTo(unaryMap(g, (v) => -v), b.shape)]);
}

export function mul(x: Tensor | number, y: Tensor | number): Tensor {
  const [a, b] = operands(x, y);
  const out = binaryForward('mul', a, b, (p, q) => p * q);
  return attach(out, 'mul', [a, b], (g) => [
    a.requiresGrad ? sumTo(zip(g, b, (gi, bi) => gi * bi), a.shape) : null,
    b.requiresGrad ? sumTo(zip(g, a, (gi, ai) => gi * ai), b.shape) : null,
  ]);
}

export function div(x: Tensor | number, y: Tensor | number): Tensor {
  const [a, b] = operands(x, y);
  const out = binaryForward('div', a, b, (p, q) => p / q);
  const r = roundFn(out.dtype);
  return attach(out, 'div', [a, b], (g) => [
    a.requiresGrad ? sumTo(zip(g, b, (gi, bi) => gi / bi), a.shape) : null,
    // d(a/b)/db = −a/b²: PyTorch computes −g·a/(b·b)
    b.requiresGrad ? sumTo(zip(zip(g, a, (gi, ai) => -gi * ai), b, (t, bi) => t / r(bi * bi)), b.shape) : null,
  ]);
}

/** `a ** p` for a scalar exponent (the common case: squaring a residual). */
export function pow(a: Tensor, p: number): Tensor {
  const out = unaryMap(a, (v) => Math.pow(v, p));
  trace({ op: 'pow', inputs: [a.shape], output: out.shape, args: { exponent: p } });
  const r = roundFn(a.dtype);
  // PyTorch: grad · (p · a^(p−1))
  return attach(out, 'pow', [a], (g) => [zip(g, unaryMap(a, (v) => p * r(Math.pow(v, p - 1))), (gi, t) => gi * t)]);
}

function operands(x: Tensor | number, y: Tensor | number): [Tensor, Tensor] {
  const dtype: DType = typeof x === 'number' ? (typeof y === 'number' ? 'float32' : y.dtype) : x.dtype;
  return [asTensor(x, dtype), asTensor(y, dtype)];
}

// ---------------------------------------------------------------------------------------------------------
// Elementwise unary ops
// ---------------------------------------------------------------------------------------------------------

function unary(op: string, a: Tensor, f: (x: number) => number, back: (g: number, x: number, y: number) => number): Tensor {
  const out = unaryMap(a, f);
  trace({ op, inputs: [a.shape], output: out.shape });
  return attach(out, op, [a], (g) => {
    const G = g.values();
    const X = a.values();
    const Y = out.values();
    const res = allocate(a.dtype, G.length);
    for (let i = 0; i < G.length; i++) res[i] = back(G[i], X[i], Y[i]);
    return [new Tensor(res, a.shape)];
  });
}

export const neg = (a: Tensor): Tensor => unary('neg', a, (x) => -x, (g) => -g);
export const abs = (a: Tensor): Tensor => unary('abs', a, Math.abs, (g, x) => g * Math.sign(x));
export const exp = (a: Tensor): Tensor => unary('exp', a, Math.exp, (g, _x, y) => g * y);
export const log = (a: Tensor): Tensor => unary('log', a, Math.log, (g, x) => g / x);
export const relu = (a: Tensor): Tensor => unary('relu', a, (x) => (x > 0 ? x : 0), (g, x) => (x > 0 ? g : 0));
export const tanh = (a: Tensor): Tensor => {
  const r = roundFn(a.dtype);
  return unary('tanh', a, Math.tanh, (g, _x, y) => g * r(1 - r(y * y)));
};
export const sigmoid = (a: Tensor): Tensor => {
  const r = roundFn(a.dtype);
  return unary('sigmoid', a, (x) => 1 / (1 + Math.exp(-x)), (g, _x, y) => g * r(r(1 - y) * y));
};

// ---------------------------------------------------------------------------------------------------------
// Reductions
// ---------------------------------------------------------------------------------------------------------

/** Sums over every element, or over `dim` (keepdim like PyTorch). Accumulates in float64, rounds once. */
export function sum(a: Tensor, dim?: number, keepdim = false): Tensor {
  return reduce('sum', a, dim, keepdim, 1);
}

export function mean(a: Tensor, dim?: number, keepdim = false): Tensor {
  const n = dim === undefined ? a.size : a.shape[normDim(dim, a.rank)];
  return reduce('mean', a, dim, keepdim, 1 / n);
}

function reduce(op: 'sum' | 'mean', a: Tensor, dim: number | undefined, keepdim: boolean, scale: number): Tensor {
  const v = a.values();
  let out: Tensor;
  let kept: number[];
  if (dim === undefined) {
    let s = 0;
    for (let i = 0; i < v.length; i++) s += v[i];
    out = Tensor.scalar(op === 'mean' ? s / v.length : s, a.dtype);
    kept = a.shape.map(() => 1);
    if (keepdim) out = new Tensor(out.data, kept);
  } else {
    const d = normDim(dim, a.rank);
    const outer = numel(a.shape.slice(0, d));
    const size = a.shape[d];
    const inner = numel(a.shape.slice(d + 1));
    const acc = allocate('float64', outer * inner);
    for (let o = 0; o < outer; o++)
      for (let k = 0; k < size; k++) {
        const base = (o * size + k) * inner;
        for (let i = 0; i < inner; i++) acc[o * inner + i] += v[base + i];
      }
    const res = allocate(a.dtype, acc.length);
    for (let i = 0; i < acc.length; i++) res[i] = op === 'mean' ? acc[i] / size : acc[i];
    kept = a.shape.slice();
    kept[d] = 1;
    out = new Tensor(res, keepdim ? kept : a.shape.filter((_, i) => i !== d));
  }
  trace({ op, inputs: [a.shape], output: out.shape, args: dim === undefined ? undefined : { dim } });
  const r = roundFn(a.dtype);
  return attach(out, op, [a], (g) => {
    const gk = new Tensor(g.values(), kept);
    const G = expandValues(gk, a.shape);
    const res = allocate(a.dtype, G.length);
    const sc = r(scale);
    for (let i = 0; i < G.length; i++) res[i] = scale === 1 ? G[i] : G[i] * sc;
    return [new Tensor(res, a.shape)];
  });
}

// ---------------------------------------------------------------------------------------------------------
// Matrix products
// ---------------------------------------------------------------------------------------------------------

/** C[m,n] = Σ_k A[m,k]·B[k,n] on row-major storages, accumulated in float64. */
function gemm(A: Storage, B: Storage, m: number, k: number, n: number, dtype: DType): Storage {
  const C = allocate(dtype, m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += A[i * k + p] * B[p * n + j];
      C[i * n + j] = s;
    }
  return C;
}

function transpose2(v: Storage, rows: number, cols: number): Storage {
  const out = allocate(v instanceof Float32Array ? 'float32' : 'float64', v.length);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = v[i * cols + j];
  return out;
}

/** `a @ b` for 1-D and 2-D operands, with PyTorch's rules for vectors (a 1-D operand loses its dim). */
export function matmul(a: Tensor, b: Tensor): Tensor {
  if (a.rank < 1 || a.rank > 2 || b.rank < 1 || b.rank > 2)
    throw new ShapeError(`matmul supports 1-D and 2-D tensors here, got ${shapeStr(a.shape)} @ ${shapeStr(b.shape)}`);
  const A2 = a.rank === 1 ? [1, a.shape[0]] : a.shape;
  const B2 = b.rank === 1 ? [b.shape[0], 1] : b.shape;
  if (A2[1] !== B2[0])
    throw new ShapeError(`mat1 and mat2 shapes cannot be multiplied (${A2[0]}x${A2[1]} and ${B2[0]}x${B2[1]})`);
  const [m, k, n] = [A2[0], A2[1], B2[1]];
  const shape: number[] = [];
  if (a.rank === 2) shape.push(m);
  if (b.rank === 2) shape.push(n);
  const dtype = resultDType(a, b);
  const out = new Tensor(gemm(a.values(), b.values(), m, k, n, dtype), shape);
  trace({ op: 'matmul', inputs: [a.shape, b.shape], output: out.shape });
  return attach(out, 'matmul', [a, b], (g) => {
    const G = g.values(); // [m,n] in effect
    const ga = a.requiresGrad ? new Tensor(gemm(G, transpose2(b.values(), k, n), m, n, k, dtype), a.shape) : null;
    const gb = b.requiresGrad ? new Tensor(gemm(transpose2(a.values(), m, k), G, k, m, n, dtype), b.shape) : null;
    return [ga, gb];
  });
}

const LINEAR_NAMES = ['input', 'weight'];
const LINEAR_BIAS_NAMES = ['input', 'weight', 'bias'];

/**
 * `F.linear(x, w, b)` = x @ wᵀ + b. A 2-D weight `[out,in]` gives `[N,out]`; a 1-D weight `[in]` gives `[N]`
 * (this is why the seed "worked" once its weight was set by hand to a 1-D tensor).
 */
export function linear(x: Tensor, w: Tensor, b: Tensor | null = null, label?: string): Tensor {
  const inF = w.rank === 2 ? w.shape[1] : w.shape[0];
  const outF = w.rank === 2 ? w.shape[0] : 1;
  if (w.rank < 1 || w.rank > 2) throw new ShapeError(`linear weight must be 1-D or 2-D, got ${shapeStr(w.shape)}`);
  if (x.rank < 1 || x.shape[x.rank - 1] !== inF) {
    const xs = x.rank === 2 ? `${x.shape[0]}x${x.shape[1]}` : shapeStr(x.shape);
    throw new ShapeError(`mat1 and mat2 shapes cannot be multiplied (${xs} and ${inF}x${outF}): input ${shapeStr(x.shape)}, weight ${shapeStr(w.shape)}`);
  }
  const rows = x.size / inF;
  const lead = x.shape.slice(0, -1);
  const shape = w.rank === 2 ? [...lead, outF] : lead;
  if (b && b.size !== outF && !(b.rank === 0)) throw new ShapeError(`linear bias ${shapeStr(b.shape)} does not match ${outF} outputs`);
  // torch 1.13 sends a biased linear through addmm/addmv, which reject a 1-D weight (only a 0-dim bias on a 1-D input passes).
  if (b && w.rank === 1 && (x.rank !== 1 || b.rank !== 0))
    throw new ShapeError(
      x.rank === 1
        ? `output with shape [] doesn't match the broadcast shape ${shapeStr(b.shape)}: linear with 1-D input ${shapeStr(x.shape)}, 1-D weight ${shapeStr(w.shape)} and bias ${shapeStr(b.shape)}`
        : `mat2 must be a matrix, got 1-D tensor: PyTorch's linear does not take a 1-D weight ${shapeStr(w.shape)} together with a bias ${shapeStr(b.shape)}`,
    );
  const X = x.values();
  const W = w.values();
  const B = b ? b.values() : null;
  const dtype = resultDType(x, w);
  const r = roundFn(dtype);
  const out = allocate(dtype, rows * outF);
  // One output per row without a bias (the seed's Linear(2,1,bias=False)) is a plain dot product per row.
  if (outF === 1 && !B)
    for (let i = 0, xo = 0; i < rows; i++, xo += inF) {
      let s = 0;
      for (let p = 0; p < inF; p++) s += X[xo + p] * W[p];
      out[i] = s;
    }
  else for (let i = 0; i < rows; i++)
    for (let o = 0; o < outF; o++) {
      let s = 0;
      const xo = i * inF;
      const wo = o * inF;
      for (let p = 0; p < inF; p++) s += X[xo + p] * W[wo + p];
      out[i * outF + o] = B ? r(s) + B[B.length === 1 ? 0 : o] : s;
    }
  const res = new Tensor(out, shape);
  if (tracer.active) trace({ op: 'linear', label, inputs: b ? [x.shape, w.shape, b.shape] : [x.shape, w.shape], inputNames: b ? LINEAR_BIAS_NAMES : LINEAR_NAMES, output: res.shape });
  const parents = b ? [x, w, b] : [x, w];
  return attach(res, 'linear', parents, (g) => {
    const G = g.values(); // rows × outF
    let gx: Tensor | null = null;
    if (x.requiresGrad) {
      const d = allocate(dtype, rows * inF);
      for (let i = 0; i < rows; i++)
        for (let p = 0; p < inF; p++) {
          let s = 0;
          for (let o = 0; o < outF; o++) s += G[i * outF + o] * W[o * inF + p];
          d[i * inF + p] = s;
        }
      gx = new Tensor(d, x.shape);
    }
    let gw: Tensor | null = null;
    if (w.requiresGrad) {
      const d = allocate(dtype, outF * inF);
      for (let o = 0; o < outF; o++)
        for (let p = 0; p < inF; p++) {
          let s = 0;
          for (let i = 0; i < rows; i++) s += G[i * outF + o] * X[i * inF + p];
          d[o * inF + p] = s;
        }
      gw = new Tensor(d, w.shape);
    }
    let gb: Tensor | null = null;
    if (b && b.requiresGrad) {
      const d = allocate(dtype, b.size);
      for (let o = 0; o < outF; o++) {
        let s = 0;
        for (let i = 0; i < rows; i++) s += G[i * outF + o];
        d[b.size === 1 ? 0 : o] += s;
      }
      gb = new Tensor(d, b.shape);
    }
    return b ? [gx, gw, gb] : [gx, gw];
  });
}

// ---------------------------------------------------------------------------------------------------------
// Views: they share storage with their input; backward reshapes the gradient back.
// ---------------------------------------------------------------------------------------------------------

function view(op: string, a: Tensor, shape: number[], strides: number[], offset: number, args?: OpRecord['args']): Tensor {
  const out = new Tensor(a.data, shape, strides, offset);
  trace({ op, inputs: [a.shape], output: out.shape, args });
  return out;
}

function backReshape(a: Tensor) {
  return (g: Tensor): Tensor[] => [new Tensor(g.values(), a.shape)];
}

/** Drops size-1 dims (all of them, or just `dim`), like `x.squeeze()`. */
export function squeeze(a: Tensor, dim?: number): Tensor {
  const keep: number[] = [];
  const d0 = dim === undefined ? -1 : normDim(dim, a.rank);
  for (let d = 0; d < a.rank; d++) if (!(a.shape[d] === 1 && (dim === undefined || d === d0))) keep.push(d);
  const out = view('squeeze', a, keep.map((d) => a.shape[d]), keep.map((d) => a.strides[d]), a.offset, dim === undefined ? undefined : { dim });
  return attach(out, 'squeeze', [a], backReshape(a));
}

export function unsqueeze(a: Tensor, dim: number): Tensor {
  const d = normDim(dim, a.rank + 1);
  const shape = a.shape.slice();
  const strides = a.strides.slice();
  shape.splice(d, 0, 1);
  strides.splice(d, 0, d < a.rank ? a.strides[d] * a.shape[d] : 1);
  const out = view('unsqueeze', a, shape, strides, a.offset, { dim });
  return attach(out, 'unsqueeze', [a], backReshape(a));
}

/** `reshape`/`view` with one optional −1. Copies only when the input is not contiguous (like reshape). */
export function reshape(a: Tensor, shape: number[], op: 'reshape' | 'view' = 'reshape'): Tensor {
  const n = a.size;
  const neg = shape.filter((s) => s === -1).length;
  if (neg > 1) throw new ShapeError('only one dimension can be inferred');
  if (shape.some((s) => s < -1 || !Number.isInteger(s))) throw new ShapeError(`invalid shape dimension in ${shapeStr(shape)}`);
  const known = shape.reduce((p, s) => (s === -1 ? p : p * s), 1);
  const resolved = shape.map((s) => (s === -1 ? (known === 0 ? 0 : n / known) : s));
  if (numel(resolved) !== n || resolved.some((s) => !Number.isInteger(s)))
    throw new ShapeError(`shape '${shapeStr(shape)}' is invalid for input of size ${n}`);
  if (!a.isContiguous && op === 'view')
    throw new ShapeError('view size is not compatible with input tensor\'s size and stride; use reshape instead');
  const out = a.isContiguous
    ? view(op, a, resolved, contiguousStrides(resolved), a.offset, { shape })
    : (() => {
        const t = new Tensor(a.values().slice(), resolved);
        trace({ op, inputs: [a.shape], output: t.shape, args: { shape } });
        return t;
      })();
  return attach(out, op, [a], backReshape(a));
}

export function transpose(a: Tensor, d0: number, d1: number): Tensor {
  const i = normDim(d0, a.rank);
  const j = normDim(d1, a.rank);
  const shape = a.shape.slice();
  const strides = a.strides.slice();
  [shape[i], shape[j]] = [shape[j], shape[i]];
  [strides[i], strides[j]] = [strides[j], strides[i]];
  const out = view('transpose', a, shape, strides, a.offset, { dim0: d0, dim1: d1 });
  return attach(out, 'transpose', [a], (g) => [transpose(g.detach(), i, j)]);
}

/** Rows `start .. start+length` of dim 0 — a batch slice, sharing storage. */
export function narrow(a: Tensor, dim: number, start: number, length: number): Tensor {
  const d = normDim(dim, a.rank);
  if (start < 0 || length < 0 || start + length > a.shape[d])
    throw new ShapeError(`start (${start}) + length (${length}) exceeds dimension size (${a.shape[d]})`);
  const shape = a.shape.slice();
  shape[d] = length;
  const out = view('narrow', a, shape, a.strides.slice(), a.offset + start * a.strides[d], { dim, start, length });
  return attach(out, 'narrow', [a], (g) => {
    const full = Tensor.zeros(a.shape, a.dtype);
    const G = g.values();
    const outer = numel(a.shape.slice(0, d));
    const inner = numel(a.shape.slice(d + 1));
    for (let o = 0; o < outer; o++)
      for (let k = 0; k < length; k++)
        for (let i = 0; i < inner; i++) full.data[(o * a.shape[d] + start + k) * inner + i] = G[(o * length + k) * inner + i];
    return [full];
  });
}
