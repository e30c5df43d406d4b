import { Optimizer, type StateValue, zerosLike } from './optimizer';
import type { Storage, Tensor } from '../tensor';

export interface RmspropOptions {
  lr?: number;
  alpha?: number;
  eps?: number;
  weight_decay?: number;
  momentum?: number;
  centered?: boolean;
}

/**
 * torch.optim.RMSprop (torch 1.13 `_single_tensor_rmsprop`), defaults lr=0.01, alpha=0.99, eps=1e-8:
 *   g ← g + λ·w                                   (weight_decay λ ≠ 0)
 *   v ← α·v + (1 − α)·g²                          (square_avg)
 *   ḡ ← α·ḡ + (1 − α)·g;  a ← √(v − ḡ²) + ε      (centered)   else  a ← √v + ε
 *   b ← μ·b + g/a;  w ← w − lr·b                  (momentum μ > 0)
 *   w ← w − lr·g/a                                (otherwise)
 */
export class RMSprop extends Optimizer {
  readonly type = 'rmsprop';
  // (Field initialisers run after super(), so this.hyper is there.)
  readonly stateKeys = ['step', 'square_avg', ...(this.hyper.momentum !== 0 ? ['momentum_buffer'] : []), ...(this.hyper.centered ? ['grad_avg'] : [])];
  constructor(params: Tensor[], o: RmspropOptions = {}) {
    super(params, { lr: o.lr ?? 0.01, alpha: o.alpha ?? 0.99, eps: o.eps ?? 1e-8, weight_decay: o.weight_decay ?? 0, momentum: o.momentum ?? 0, centered: o.centered ?? false });
  }

  protected update(w: Storage, grad: Storage, st: Record<string, StateValue>, r: (x: number) => number): void {
    const h = this.hyper;
    const lr = r(h.lr as number);
    const alpha = r(h.alpha as number);
    const oneMinusAlpha = r(1 - (h.alpha as number));
    const eps = r(h.eps as number);
    const wd = r(h.weight_decay as number);
    const mu = r(h.momentum as number);
    const centered = h.centered as boolean;
    if (!st.square_avg) {
      st.step = 0;
      st.square_avg = zerosLike(w);
      if (mu > 0) st.momentum_buffer = zerosLike(w);
      if (centered) st.grad_avg = zerosLike(w);
    }
    st.step = (st.step as number) + 1;
    const v = st.square_avg as Storage;
    const buf = st.momentum_buffer as Storage | undefined;
    const gavg = st.grad_avg as Storage | undefined;
    for (let i = 0; i < w.length; i++) {
      let g = grad[i];
      if (wd !== 0) g = r(g + r(wd * w[i]));
      v[i] = r(r(alpha * v[i]) + r(r(oneMinusAlpha * g) * g));
      let a: number;
      if (centered) {
        gavg![i] = r(r(alpha * gavg![i]) + r(oneMinusAlpha * g));
        a = r(Math.sqrt(r(v[i] - r(gavg![i] * gavg![i]))));
      } else a = r(Math.sqrt(v[i]));
      a = r(a + eps);
      if (mu > 0) {
        buf![i] = r(r(mu * buf![i]) + r(g / a));
        w[i] = r(w[i] + r(-lr * buf![i]));
      } else w[i] = r(w[i] + r(r(-lr * g) / a));
    }
  }
}
