/** What every optimizer shares: its parameters, their per-parameter state, and zero_grad. */
import { roundFn, type Storage, type Tensor } from '../tensor';

export type StateValue = number | Storage;

export abstract class Optimizer {
  /** Per-parameter state, readable after each step for display (`square_avg`, `momentum_buffer`, ...). */
  readonly state = new Map<Tensor, Record<string, StateValue>>();

  constructor(readonly params: Tensor[], readonly hyper: Record<string, number | boolean>) {}

  abstract readonly type: string;

  /**
   * Every state key `update` may create with these hyperparameters, in the order it creates them (step records
   * lay state out by it, so a key left out here would be missing from them; one too many only costs space).
   */
  abstract readonly stateKeys: readonly string[];

  /** One update of every parameter that has a gradient. */
  step(): void {
    for (const p of this.params) {
      if (!p.grad) continue;
      let st = this.state.get(p);
      if (!st) {
        st = {};
        this.state.set(p, st);
      }
      // Params are leaves made by this engine: contiguous storage from offset 0.
      this.update(p.data, p.grad.values(), st, roundFn(p.dtype), p);
    }
  }

  protected abstract update(w: Storage, g: Storage, st: Record<string, StateValue>, r: (x: number) => number, p: Tensor): void;

  /** torch 1.13 default (set_to_none=False): gradients become zeros. */
  zeroGrad(): void {
    for (const p of this.params) if (p.grad) p.grad.data.fill(0);
  }

  get lr(): number {
    return this.hyper.lr as number;
  }
}

export function zerosLike(w: Storage): Storage {
  return w instanceof Float32Array ? new Float32Array(w.length) : new Float64Array(w.length);
}
