/**
 * The PyTorch golden trajectories. The project ships a copy (test/fixtures/torch-golden.json) so tests run where
 * ../shared is absent; when ../shared/reference is present, tests also check the copy still equals it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const REPO = join(__dirname, '..', '..', '..');
export const FIXTURES = join(REPO, 'test', 'fixtures');
export const SHARED_GOLDEN = join(REPO, '..', 'shared', 'reference', 'torch-golden.json');

export interface GoldenStep {
  step: number;
  loss: number;
  grad: number[] | number[][];
  weight: number[] | number[][];
  state: Record<string, number | number[] | number[][]>;
}
export interface GoldenCase {
  name: string;
  optimizer: 'SGD' | 'RMSprop' | 'Adam';
  optimizer_args: Record<string, number | boolean | number[]>;
  shape_case: 'broadcast' | 'matched';
  dtype: 'float32' | 'float64';
  X: number[][];
  y: number[];
  w0: number[] | number[][];
  w0_shape: number[];
  pred_shape: number[];
  loss_elements_shape: number[];
  steps: GoldenStep[];
}
export interface Golden {
  cases: GoldenCase[];
  numpy_randn_seed0: string[];
  linear_default_init: { observed_weight_after_torch_manual_seed_0: number[][]; bound_as_computed_by_torch: number } & Record<string, unknown>;
}

export function loadGolden(): Golden {
  return JSON.parse(readFileSync(join(FIXTURES, 'torch-golden.json'), 'utf8')) as Golden;
}

export function sharedGoldenText(): string | undefined {
  return existsSync(SHARED_GOLDEN) ? readFileSync(SHARED_GOLDEN, 'utf8') : undefined;
}
