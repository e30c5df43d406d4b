/** `nn.Linear` with PyTorch's default init, drawn from a TorchGenerator seeded like `torch.manual_seed`. */
import { linear } from './ops';
import type { TorchGenerator } from './random/torchGenerator';
import type { DType } from './tensor';
import { Tensor } from './tensor';

/**
 * `kaiming_uniform_(w, a=√5)`: bound = √3 · gain / √fan_in with gain = √(2 / (1 + a²)), i.e. 1/√fan_in,
 * computed with the same float64 steps as torch/nn/init.py so the bound is bit-identical.
 */
export function kaimingUniformBound(fanIn: number): number {
  const a = Math.sqrt(5);
  const gain = Math.sqrt(2.0 / (1 + a ** 2));
  const std = gain / Math.sqrt(fanIn);
  return Math.sqrt(3.0) * std;
}

export class Linear {
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    opts: { bias?: boolean; dtype?: DType; generator?: TorchGenerator; name?: string; weight?: Tensor; biasValue?: Tensor } = {},
  ) {
    const dtype = opts.dtype ?? 'float32';
    const name = opts.name ?? 'linear';
    // nn.Linear's reset_parameters: weight first, then bias from U(−1/√fan_in, 1/√fan_in).
    this.weight = opts.weight ?? Tensor.zeros([outFeatures, inFeatures], dtype);
    if (!opts.weight) {
      if (!opts.generator) throw new Error('Linear needs a generator for its default init, or an explicit weight');
      const b = kaimingUniformBound(inFeatures);
      opts.generator.uniform_(this.weight, -b, b);
    }
    this.weight.requiresGrad = true;
    this.weight.name = `${name}.weight`;
    if (opts.bias ?? true) {
      this.bias = opts.biasValue ?? Tensor.zeros([outFeatures], dtype);
      if (!opts.biasValue) {
        if (!opts.generator) throw new Error('Linear needs a generator for its default bias init, or an explicit bias');
        const bound = inFeatures > 0 ? 1 / Math.sqrt(inFeatures) : 0;
        opts.generator.uniform_(this.bias, -bound, bound);
      }
      this.bias.requiresGrad = true;
      this.bias.name = `${name}.bias`;
    } else this.bias = null;
  }

  forward(x: Tensor, label?: string): Tensor {
    return linear(x, this.weight, this.bias, label);
  }

  parameters(): Tensor[] {
    return this.bias ? [this.weight, this.bias] : [this.weight];
  }
}
