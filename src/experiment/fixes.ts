/** The spec transformations behind "what if": each returns a fixed copy and never touches the original. */
import type { Dataset } from './data';
import type { Fix } from './records';
import type { ExperimentSpec, ForwardStep } from './spec';

type SpecFix = NonNullable<Fix['specFix']>;

export function applyFix(spec: ExperimentSpec, fix: SpecFix, data?: Dataset): ExperimentSpec {
  const s = structuredClone(spec) as ExperimentSpec;
  switch (fix) {
    case 'assign-discarded':
      // `x.squeeze()` → `x = x.squeeze()`
      s.model.forward = s.model.forward.map((f): ForwardStep => (typeof f === 'string' || f.assign !== false ? f : { ...f, assign: true }));
      break;
    case 'squeeze-prediction': {
      // Keep the user's discarded op as it is and squeeze the last dim of the prediction, as `pred.squeeze(-1)`.
      s.model.forward = [...s.model.forward, { op: 'squeeze', dim: -1 }];
      break;
    }
    case 'standardize-features': {
      s.data = { ...s.data, standardize: true } as ExperimentSpec['data'];
      if (s.data.kind === 'inline') throw new Error('inline data cannot be standardized by a what-if');
      // Keep the step the same relative to the problem: plain SGD's stable step scales with the inputs'
      // variance; adaptive optimizers step ~lr per weight, and standardizing multiplies the weights by the std.
      if (data) {
        const maxStd = Math.max(...data.featureStd);
        const o = s.optimizer;
        if (maxStd > 1) {
          const base = o.lr ?? (o.type === 'rmsprop' ? 0.01 : o.type === 'sgd' ? 0.01 : 0.001);
          // SGD is capped at 0.1, a stable step for unit-scale inputs, so an already-unstable lr is not carried over.
          const lr = o.type === 'sgd' ? Math.min(base * maxStd * maxStd, 0.1) : base * maxStd;
          s.optimizer = { ...o, lr } as ExperimentSpec['optimizer'];
        }
      }
      break;
    }
    case 'enable-zero-grad':
      s.training = { ...s.training, zeroGrad: true };
      break;
    case 'lower-lr':
      s.optimizer = { ...s.optimizer, lr: (s.optimizer.lr ?? (s.optimizer.type === 'rmsprop' ? 0.01 : 0.001)) / 100 } as ExperimentSpec['optimizer'];
      break;
  }
  s.name = `${spec.name} (what if: ${fix})`;
  return s;
}
