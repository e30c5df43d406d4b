/** Specs for the extension's tests: the PyTorch golden's SGD broadcast case as an inline experiment. */
import type { ExperimentSpec } from '../../src/experiment/spec';
import { loadGolden, type GoldenCase } from './goldenFixture';

export function goldenCase(name: string): GoldenCase {
  const c = loadGolden().cases.find((x) => x.name === name);
  if (!c) throw new Error(`no golden case ${name}`);
  return c;
}

/** X (8×2) and y (8) of the golden, nn.Linear(2,1,bias=False) with w0, SGD(lr=1e-3, momentum=0.9), full batch. */
export function goldenSpec(c: GoldenCase, epochs = c.steps.length): ExperimentSpec {
  return {
    name: c.name,
    dtype: c.dtype,
    data: { kind: 'inline', x: c.X, y: c.y },
    model: { layers: { layer1: { type: 'linear', in: 2, out: 1, bias: false, weight: c.w0 as number[][] } }, forward: ['layer1'] },
    loss: { type: 'mse', reduction: 'mean' },
    optimizer: { type: 'sgd', lr: 0.001, momentum: 0.9 },
    training: { epochs, batchSize: c.X.length },
  };
}

/** The seed bug at a size where every diagnosis has room to appear: y = 5·x1 + 3·x2 + noise, inputs ×100. */
export const seedSpec: ExperimentSpec = {
  name: 'seed bug (test)',
  dtype: 'float32',
  data: { kind: 'synthetic', generator: 'numpy-legacy', seed: 0, samples: 100, features: 2, featureScale: 100, weights: [5, 3], noiseStd: 1 },
  model: { torchSeed: 0, layers: { layer1: { type: 'linear', in: 2, out: 1, bias: false } }, forward: ['layer1', { op: 'squeeze', assign: false }] },
  loss: { type: 'mse' },
  optimizer: { type: 'rmsprop', lr: 0.01 },
  training: { epochs: 300, batchSize: 100 },
};
