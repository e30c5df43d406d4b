import { Optimizer, type StateValue, zerosLike } from './optimizer';
import type { Storage, Tensor } from '../tensor';

export interface AdamOptions {
  lr?: number;
  betas?: [number, number];
  eps?: number;
  weight_decay?: number;
  amsgrad?: boolean;
}

/**
 * torch.optim.Adam and AdamW (torch 1.13 single-tensor path). Adam defaults lr=1e-3, betas=(0.9, 0.999),
 * eps=1e-8, weight_decay=0; AdamW the same with weight_decay=1e-2. With t = step:
 *   AdamW:  w ← w·(1 − lr·λ)                      Adam:  g ← g + λ·w   (λ ≠ 0)
 *   m ← β1·m + (1 − β1)·g                        (exp_avg)
 *   v ← β2·v + (1 − β2)·g²                       (exp_avg_sq)
 *   v̂max ← max(v̂max, v)                          (amsgrad; then v̂max replaces v below)
 *   denom ← √v / √(1 − β2^t) + ε
 *   w ← w − (lr / (1 − β1^t)) · m / denom
 * The bias corrections are float64 scalars, rounded to the parameter's dtype when used.
 */
export class Adam extends Optimizer {
  readonly type: string;
  // (Field initialisers run after super(), so this.hyper is there.)
  readonly stateKeys = ['step', 'exp_avg', 'exp_avg_sq', ...(this.hyper.amsgrad ? ['max_exp_avg_sq'] : [])];
  constructor(params: Tensor[], o: AdamOptions = {}, readonly decoupled = false) {
    const betas = o.betas ?? [0.9, 0.999];
    super(params, { lr: o.lr ?? 1e-3, beta1: betas[0], beta2: betas[1], eps: o.eps ?? 1e-8, weight_decay: o.weight_decay ?? (decoupled ? 1e-2 : 0), amsgrad: o.amsgrad ?? false });
    this.type = decoupled ? 'adamw' : 'adam';
  }

  protected update(w: Storage, grad: Storage, st: Record<string, StateValue>, r: (x: number) => number): void {
    const h = this.hyper;
    const lr = h.lr as number;
    const b1 = h.beta1 as number;
    const b2 = h.beta2 as number;
    const wd = h.weight_decay as number;
    const amsgrad = h.amsgrad as boolean;
    if (!st.exp_avg) {
      st.step = 0;
      st.exp_avg = zerosLike(w);
      st.exp_avg_sq = zerosLike(w);
      if (amsgrad) st.max_exp_avg_sq = zerosLike(w);
    }
    const t = (st.step as number) + 1;
    st.step = t;
    const m = st.exp_avg as Storage;
    const v = st.exp_avg_sq as Storage;
    const vmax = st.max_exp_avg_sq as Storage | undefined;
    const stepSize = r(lr / (1 - b1 ** t));
    const bc2Sqrt = r(Math.sqrt(1 - b2 ** t));
    const [rb1, rb2, c1, c2, eps] = [r(b1), r(b2), r(1 - b1), r(1 - b2), r(h.eps as number)];
    const decay = r(1 - lr * wd);
    const rwd = r(wd);
    for (let i = 0; i < w.length; i++) {
      let g = grad[i];
      if (wd !== 0) {
        if (this.decoupled) w[i] = r(w[i] * decay);
        else g = r(g + r(rwd * w[i]));
      }
      m[i] = r(r(rb1 * m[i]) + r(c1 * g));
      v[i] = r(r(rb2 * v[i]) + r(r(c2 * g) * g));
      let vv = v[i];
      if (vmax) {
        vmax[i] = Math.max(vmax[i], v[i]);
        vv = vmax[i];
      }
      const denom = r(r(r(Math.sqrt(vv)) / bc2Sqrt) + eps);
      w[i] = r(w[i] + r(r(-stepSize * m[i]) / denom));
    }
  }
}

export class AdamW extends Adam {
  constructor(params: Tensor[], o: AdamOptions = {}) {
    super(params, o, true);
  }
}
