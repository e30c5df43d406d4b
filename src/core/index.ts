/** The training core: pure TypeScript, no vscode. */
export * from './shape';
export * from './tensor';
export * from './trace';
export { backward, noGrad, isGradEnabled } from './autograd';
export * as ops from './ops';
export * as losses from './losses';
export { Linear, kaimingUniformBound } from './nn';
export { Optimizer } from './optim/optimizer';
export { SGD } from './optim/sgd';
export { RMSprop } from './optim/rmsprop';
export { Adam, AdamW } from './optim/adam';
export { MT19937 } from './random/mt19937';
export { NumpyLegacyRandom } from './random/numpyLegacy';
export { TorchGenerator } from './random/torchGenerator';
export { crLog } from './random/crlog';
export { fma, glibcLog } from './random/glibcLog';
