/** Shapes, strides and PyTorch/NumPy broadcasting. */

export type Shape = readonly number[];

export function numel(shape: Shape): number {
  let n = 1;
  for (const s of shape) n *= s;
  return n;
}

export function contiguousStrides(shape: Shape): number[] {
  const st = new Array<number>(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    st[d] = acc;
    acc *= shape[d];
  }
  return st;
}

/** `[100, 1]`, the way the panel and messages print shapes. */
export function shapeStr(shape: Shape): string {
  return `[${shape.join(',')}]`;
}

export function sameShape(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export class ShapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ShapeError';
  }
}

/**
 * The broadcast shape of `shapes`, aligned right: each dim is either equal or 1 in every input.
 * The error names both shapes and the dim, like PyTorch's "The size of tensor a (3) must match ...".
 */
export function broadcastShapes(...shapes: Shape[]): number[] {
  if (shapes.length === 2) {
    const two = broadcastTwo(shapes[0], shapes[1]);
    if (two) return two;
  }
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes)
    if (s.some((d) => !Number.isInteger(d) || d < 0))
      throw new ShapeError(`shapes ${shapes.map(shapeStr).join(' and ')} cannot be broadcast: ${shapeStr(s)} has a negative or non-integer size`);
  for (const s of shapes) {
    const lead = rank - s.length;
    for (let d = 0; d < s.length; d++) {
      const size = s[d];
      const o = out[lead + d];
      if (o === size || size === 1) continue;
      if (o === 1) {
        out[lead + d] = size;
        continue;
      }
      throw new ShapeError(
        `shapes ${shapes.map(shapeStr).join(' and ')} cannot be broadcast: at dim ${lead + d} sizes ${o} and ${size} differ and neither is 1`,
      );
    }
  }
  return out;
}

/**
 * The common case of two valid shapes that broadcast, without the closures and spreads of the general path
 * (every loss and binary op calls this); undefined sends anything unusual, errors included, to the general path.
 */
function broadcastTwo(a: Shape, b: Shape): number[] | undefined {
  const rank = a.length > b.length ? a.length : b.length;
  const out = new Array<number>(rank);
  const la = rank - a.length;
  const lb = rank - b.length;
  for (let d = 0; d < rank; d++) {
    const x = d < la ? 1 : a[d - la];
    const y = d < lb ? 1 : b[d - lb];
    if (!(x >= 0 && y >= 0 && Number.isInteger(x) && Number.isInteger(y))) return undefined;
    if (x === y || y === 1) out[d] = x;
    else if (x === 1) out[d] = y;
    else return undefined;
  }
  return out;
}

/** Normalises a possibly negative dim against `rank`; throws like PyTorch when out of range. */
export function normDim(dim: number, rank: number): number {
  const r = Math.max(rank, 1);
  if (!Number.isInteger(dim) || dim < -r || dim >= r)
    throw new ShapeError(`dimension out of range (expected to be in range of [${-r}, ${r - 1}], but got ${dim})`);
  return dim < 0 ? dim + r : dim;
}
