import { Optimizer, type StateValue, zerosLike } from './optimizer';
import type { Storage } from '../tensor';

export interface SgdOptions {
  lr: number;
  momentum?: number;
  dampening?: number;
  weight_decay?: number;
  nesterov?: boolean;
}

/**
 * torch.optim.SGD (torch 1.13 `_single_tensor_sgd`), defaults momentum=0, dampening=0, weight_decay=0:
 *   g ← g + λ·w                                  (weight_decay λ ≠ 0)
 *   b ← g                                        (first step)
 *   b ← μ·b + (1 − τ)·g                          (later steps; momentum μ, dampening τ)
 *   g ← g + μ·b  if nesterov  else  g ← b        (when μ ≠ 0)
 *   w ← w − lr·g
 */
export class SGD extends Optimizer {
  readonly type = 'sgd';
  // (Field initialisers run after super(), so this.hyper is there.)
  readonly stateKeys = this.hyper.momentum !== 0 ? ['momentum_buffer'] : [];
  constructor(params: import('../tensor').Tensor[], o: SgdOptions) {
    const h = { lr: o.lr, momentum: o.momentum ?? 0, dampening: o.dampening ?? 0, weight_decay: o.weight_decay ?? 0, nesterov: o.nesterov ?? false };
    if (h.nesterov && (h.momentum <= 0 || h.dampening !== 0)) throw new Error('Nesterov momentum requires a momentum and zero dampening');
    super(params, h);
  }

  protected update(w: Storage, grad: Storage, st: Record<string, StateValue>, r: (x: number) => number): void {
    const lr = r(this.hyper.lr as number);
    const mu = r(this.hyper.momentum as number);
    const damp = r(1 - (this.hyper.dampening as number));
    const wd = r(this.hyper.weight_decay as number);
    const nesterov = this.hyper.nesterov as boolean;
    let buf = st.momentum_buffer as Storage | undefined;
    const first = mu !== 0 && !buf;
    if (first) buf = st.momentum_buffer = zerosLike(w);
    for (let i = 0; i < w.length; i++) {
      let g = grad[i];
      if (wd !== 0) g = r(g + r(wd * w[i]));
      if (mu !== 0) {
        const b = first ? g : r(r(mu * buf![i]) + r(damp * g));
        buf![i] = b;
        g = nesterov ? r(g + r(mu * b)) : b;
      }
      w[i] = r(w[i] + r(-lr * g));
    }
  }
}
