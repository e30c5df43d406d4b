/**
 * A strided tensor of float32 or float64, PyTorch-style: views share storage, and an autograd node links a
 * result to the tensors it was computed from. Ops live in ops.ts, losses.ts; backward in autograd.ts.
 */
import { contiguousStrides, numel, type Shape, ShapeError, shapeStr } from './shape';

export type DType = 'float32' | 'float64';
export type Storage = Float32Array | Float64Array;

/** Rounds a double the way storing it into a tensor of `dtype` would: float32 ops round every result. */
export const roundFn = (dtype: DType): ((x: number) => number) => (dtype === 'float32' ? Math.fround : (x: number) => x);

/**
 * Zeroed storage for `n` elements. A typed array over 64 bytes gets its own off-heap buffer, which V8 makes in
 * ~0.8 µs against ~25 ns for a view on an existing buffer; a training step makes several, so mid-sized arrays
 * are carved from a shared slab instead. Slab memory is never handed out twice (views start zeroed) and a
 * slab is freed with the last view on it, so a long-lived small tensor (a parameter, a small dataset) keeps at
 * most its one 256 KB slab alive.
 */
export function allocate(dtype: DType, n: number): Storage {
  const bytes = n * (dtype === 'float32' ? 4 : 8);
  if (bytes <= 64 || bytes > SLAB_LARGEST) return dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
  if (slabUsed + bytes > SLAB_BYTES) {
    slab = new ArrayBuffer(SLAB_BYTES);
    slabUsed = 0;
  }
  const out = dtype === 'float32' ? new Float32Array(slab, slabUsed, n) : new Float64Array(slab, slabUsed, n);
  slabUsed += (bytes + 7) & ~7; // keeps every view 8-byte aligned, as a Float64Array needs
  return out;
}

const SLAB_BYTES = 256 * 1024;
/** Bigger arrays take their own buffer: a slab should hold many, and their work dwarfs the allocation. */
const SLAB_LARGEST = 16 * 1024;
let slab = new ArrayBuffer(SLAB_BYTES);
let slabUsed = 0;

/** The local backward of the op that made a tensor: output grad → one grad per parent (null = no grad needed). */
export interface GradNode {
  op: string;
  parents: Tensor[];
  backward: (grad: Tensor) => (Tensor | null)[];
}

export type Nested = number | Nested[];

export class Tensor {
  readonly data: Storage;
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly offset: number;
  readonly dtype: DType;
  requiresGrad = false;
  grad: Tensor | null = null;
  node: GradNode | null = null;
  /** A parameter's name (`layer1.weight`), shown in traces and records. */
  name?: string;
  /** Scratch for backward(): the pass that last visited this tensor, and the gradient flowing into it. */
  visitMark = 0;
  pendingGrad: Tensor | null = null;

  constructor(data: Storage, shape: Shape, strides?: readonly number[], offset = 0) {
    this.data = data;
    this.shape = shape.slice();
    this.strides = strides ?? contiguousStrides(shape);
    this.offset = offset;
    this.dtype = data instanceof Float32Array ? 'float32' : 'float64';
  }

  get size(): number {
    return numel(this.shape);
  }

  get rank(): number {
    return this.shape.length;
  }

  /** True when the elements are laid out row-major from `offset` with no gaps. */
  get isContiguous(): boolean {
    let expect = 1;
    for (let d = this.shape.length - 1; d >= 0; d--) {
      if (this.shape[d] !== 1 && this.strides[d] !== expect) return false;
      expect *= this.shape[d];
    }
    return true;
  }

  /** The elements in row-major order. Shares storage when it can: callers must not write to the result. */
  values(): Storage {
    const n = this.size;
    if (this.isContiguous) {
      return this.offset === 0 && this.data.length === n ? this.data : this.data.subarray(this.offset, this.offset + n);
    }
    const out = allocate(this.dtype, n);
    const rank = this.shape.length;
    const idx = new Array<number>(rank).fill(0);
    let off = this.offset;
    for (let i = 0; i < n; i++) {
      out[i] = this.data[off];
      for (let d = rank - 1; d >= 0; d--) {
        idx[d]++;
        off += this.strides[d];
        if (idx[d] < this.shape[d]) break;
        off -= this.strides[d] * this.shape[d];
        idx[d] = 0;
      }
    }
    return out;
  }

  toArray(): number[] {
    return Array.from(this.values());
  }

  /** Nested JS arrays, like `tensor.tolist()`. */
  toNested(): Nested {
    const flat = this.values();
    const build = (d: number, base: number): Nested => {
      if (d === this.shape.length) return flat[base];
      const stride = numel(this.shape.slice(d + 1));
      return Array.from({ length: this.shape[d] }, (_, i) => build(d + 1, base + i * stride));
    };
    return build(0, 0);
  }

  item(): number {
    if (this.size !== 1) throw new ShapeError(`a Tensor with ${this.size} elements cannot be converted to a scalar`);
    return this.data[this.offset];
  }

  /** A detached copy with its own contiguous storage. */
  clone(): Tensor {
    return new Tensor(this.values().slice(), this.shape);
  }

  detach(): Tensor {
    return new Tensor(this.data, this.shape, this.strides, this.offset);
  }

  toString(): string {
    return `Tensor(${shapeStr(this.shape)}, ${this.dtype})`;
  }

  static fromStorage(data: Storage, shape: Shape): Tensor {
    if (data.length !== numel(shape)) throw new ShapeError(`${data.length} values do not fill shape ${shapeStr(shape)}`);
    return new Tensor(data, shape);
  }

  /** From a number or nested arrays; the nesting sets the shape, like `torch.tensor`. */
  static from(values: Nested, dtype: DType = 'float32'): Tensor {
    const shape: number[] = [];
    let probe: Nested = values;
    while (Array.isArray(probe)) {
      shape.push(probe.length);
      probe = probe[0];
    }
    const flat: number[] = [];
    const walk = (v: Nested, d: number): void => {
      if (d === shape.length) {
        if (typeof v !== 'number') throw new ShapeError(`expected a number at depth ${d}`);
        flat.push(v);
        return;
      }
      if (!Array.isArray(v) || v.length !== shape[d])
        throw new ShapeError(`ragged nested list: expected ${shape[d]} entries at depth ${d}`);
      for (const e of v) walk(e, d + 1);
    };
    walk(values, 0);
    const data = allocate(dtype, flat.length);
    data.set(flat);
    return new Tensor(data, shape);
  }

  static zeros(shape: Shape, dtype: DType = 'float32'): Tensor {
    return new Tensor(allocate(dtype, numel(shape)), shape);
  }

  static full(shape: Shape, value: number, dtype: DType = 'float32'): Tensor {
    const t = Tensor.zeros(shape, dtype);
    t.data.fill(value);
    return t;
  }

  static scalar(value: number, dtype: DType = 'float32'): Tensor {
    return Tensor.full([], value, dtype);
  }
}

/** Wraps a JS number as a 0-dim tensor of `like`'s dtype (PyTorch does not promote on Python scalars). */
export function asTensor(v: Tensor | number, like: DType): Tensor {
  return typeof v === 'number' ? Tensor.scalar(v, like) : v;
}
