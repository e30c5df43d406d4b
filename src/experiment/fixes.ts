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
      // Plain SGD's stable step scales with the inputs' variance: keep the same step relative to the curvature.
      if (s.optimizer.type === 'sgd' && data) {
        const maxVar = Math.max(...data.featureStd.map((v) => v * v));
        if (maxVar > 1) s.optimizer = { ...s.optimizer, lr: s.optimizer.lr * maxVar };
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
