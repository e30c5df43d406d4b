/** The model of an experiment: named Linear layers and the forward steps that connect them. */
import * as ops from '../core/ops';
import { Linear } from '../core/nn';
import { TorchGenerator } from '../core/random/torchGenerator';
import { type DType, Tensor } from '../core/tensor';
import { shapeStr } from '../core/shape';
import { tracer } from '../core/trace';
import type { ForwardOp, ModelSpec } from './spec';

export class Model {
  readonly layers = new Map<string, Linear>();

  constructor(readonly spec: ModelSpec, dtype: DType) {
    const gen = new TorchGenerator();
    gen.manualSeed(spec.torchSeed ?? 0);
    for (const [name, l] of Object.entries(spec.layers)) {
      // Like PyTorch: the layer is built (drawing its default init) and then overwritten by hand, so an explicit
      // weight on one layer does not shift the init of the layers after it.
      const drawn = new Linear(l.in, l.out, { bias: l.bias ?? true, dtype, generator: gen, name });
      const weight = l.weight !== undefined ? Tensor.from(l.weight, dtype) : drawn.weight;
      let biasValue = drawn.bias ?? undefined;
      if (l.biasValue !== undefined) biasValue = Array.isArray(l.biasValue) ? Tensor.from(l.biasValue, dtype) : Tensor.full([l.out], l.biasValue, dtype);
      this.layers.set(name, new Linear(l.in, l.out, { bias: l.bias ?? true, dtype, name, weight, biasValue }));
    }
  }

  private params?: Tensor[];
  parameters(): Tensor[] {
    return (this.params ??= [...this.layers.values()].flatMap((l) => l.parameters()));
  }

  /**
   * Runs the forward steps; an op with `assign: false` runs and its result is dropped (and marked so in the
   * trace). A shape error names the step that raised it (`model.forward[2]`).
   */
  forward(x: Tensor): Tensor {
    let h = x;
    this.spec.forward.forEach((step, i) => {
      try {
        if (typeof step === 'string') {
          h = this.layers.get(step)!.forward(h, step);
          return;
        }
        const out = applyOp(h, step);
        if (step.assign === false) tracer.markLastDiscarded();
        else h = out;
      } catch (e) {
        throw new StepError(`model.forward[${i}]`, `${typeof step === 'string' ? `layer "${step}"` : step.op} on a ${shapeStr(h.shape)} input: ${(e as Error).message}`);
      }
    });
    return h;
  }
}

function applyOp(h: Tensor, f: ForwardOp): Tensor {
  switch (f.op) {
    case 'squeeze':
      return ops.squeeze(h, f.dim);
    case 'unsqueeze':
      return ops.unsqueeze(h, f.dim ?? -1);
    case 'reshape':
      return ops.reshape(h, f.shape!);
    case 'relu':
      return ops.relu(h);
    case 'tanh':
      return ops.tanh(h);
    case 'sigmoid':
      return ops.sigmoid(h);
  }
}

/** An error raised while running the spec, with the field of the spec that caused it. */
export class StepError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
    this.name = 'StepError';
  }
}
