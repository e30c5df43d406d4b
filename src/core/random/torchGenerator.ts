/**
 * PyTorch's CPU generator (`torch.manual_seed(s)` → mt19937(s)) and the `uniform_` transformation of
 * ATen's TransformationHelper.h, so default `nn.Linear` init matches PyTorch value for value.
 */
import type { Tensor } from '../tensor';
import { MT19937 } from './mt19937';

export class TorchGenerator {
  private mt: MT19937;

  constructor(seed = 67280421310721) {
    this.mt = new MT19937(low32(seed));
  }

  manualSeed(seed: number): void {
    this.mt = new MT19937(low32(seed));
  }

  random(): number {
    return this.mt.nextU32();
  }

  /** `make64BitsFrom32Bits(first, second)` as a [hi, lo] pair (53-bit masking needs both halves). */
  random64(): [number, number] {
    const hi = this.mt.nextU32();
    const lo = this.mt.nextU32();
    return [hi, lo];
  }

  /**
   * `tensor.uniform_(from, to)` on CPU, serially in storage order:
   *   float32: x = (random() & (2^24 − 1)) · 2^-24; span = to − from in float; x·span + from with one
   *            rounding (the compiled kernel fuses it; checked against torch 1.13's output)
   *   float64: x = (random64() & (2^53 − 1)) · 2^-53; x·(to − from) + from fused (one rounding)
   */
  uniform_(t: Tensor, from: number, to: number): void {
    const d = t.data;
    if (t.dtype === 'float32') {
      const f = Math.fround;
      const lo = f(from);
      const span = f(f(to) - lo);
      for (let i = 0; i < t.size; i++) {
        const x = f((this.random() & 0xffffff) * 2 ** -24);
        d[t.offset + i] = f(x * span + lo);
      }
    } else {
      for (let i = 0; i < t.size; i++) {
        const [hi, low] = this.random64();
        const bits = (hi & 0x1fffff) * 2 ** 32 + low; // low 53 bits of hi·2^32 + lo
        const x = bits * 2 ** -53;
        d[t.offset + i] = fusedMultiplyAdd(x, to - from, from);
      }
    }
  }
}

/** mt19937(uint64 seed) keeps `seed & 0xffffffff`, so `torch.manual_seed(2**32 + 42)` equals seed 42. */
function low32(seed: number): number {
  if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`seed must be a non-negative integer, got ${seed}`);
  return seed % 2 ** 32;
}

/** a·b + c with (almost always) one rounding, as the fused multiply-add the compiled kernel uses. */
function fusedMultiplyAdd(a: number, b: number, c: number): number {
  const p = a * b;
  const split = (v: number): [number, number] => {
    const t = 134217729 * v;
    const hi = t - (t - v);
    return [hi, v - hi];
  };
  const [ah, al] = split(a);
  const [bh, bl] = split(b);
  const pErr = ah * bh - p + ah * bl + al * bh + al * bl;
  const s = p + c;
  const bb = s - p;
  const sErr = p - (s - bb) + (c - bb);
  return s + (pErr + sErr);
}
