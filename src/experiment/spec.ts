/**
 * The experiment spec: what to train. Its JSON Schema is `schema/gradexp.schema.json`; `validateSpec`
 * (validate.ts) checks a parsed file against it and the cross-field rules the schema cannot say.
 */

export type DType = 'float32' | 'float64';

export interface SyntheticData {
  kind: 'synthetic';
  generator: 'numpy-legacy';
  seed: number;
  samples: number;
  features: number;
  featureScale?: number;
  weights: number[];
  bias?: number;
  noiseStd?: number;
  /** Standardize each feature column to mean 0, std 1 after generation (the "scaled inputs" variant). */
  standardize?: boolean;
}

export interface InlineData {
  kind: 'inline';
  x: number[][];
  y: number[] | number[][];
}

export interface CsvData {
  kind: 'csv';
  /** Relative to the experiment file's folder (or the workspace). */
  path: string;
  features: string[];
  target: string;
  standardize?: boolean;
}

export type DataSpec = SyntheticData | InlineData | CsvData;

export interface LinearLayerSpec {
  type: 'linear';
  in: number;
  out: number;
  bias?: boolean;
  /** Explicit weight: `[[..]]` is `[out,in]`, a flat list is a 1-D weight `[in]`. */
  weight?: number[] | number[][];
  biasValue?: number | number[];
}

export type LayerSpec = LinearLayerSpec;

export type ForwardOpName = 'squeeze' | 'unsqueeze' | 'reshape' | 'relu' | 'tanh' | 'sigmoid';

export interface ForwardOp {
  op: ForwardOpName;
  dim?: number;
  shape?: number[];
  /** false: the op runs and its result is thrown away (the seed's `x.squeeze()` line). Default true. */
  assign?: boolean;
}

export type ForwardStep = string | ForwardOp;

export interface ModelSpec {
  torchSeed?: number;
  layers: Record<string, LayerSpec>;
  forward: ForwardStep[];
}

export type LossType = 'mse' | 'l1' | 'huber' | 'smooth_l1' | 'gaussian_nll' | 'handwritten_mse';
export type Reduction = 'mean' | 'sum' | 'none';

export interface LossSpec {
  type: LossType;
  reduction?: Reduction;
  delta?: number;
  beta?: number;
  /** Reshape the target before the loss, e.g. `[-1, 1]` to give it a column. */
  targetShape?: number[];
}

export interface SgdSpec {
  type: 'sgd';
  lr: number;
  momentum?: number;
  dampening?: number;
  nesterov?: boolean;
  weight_decay?: number;
}
export interface RmspropSpec {
  type: 'rmsprop';
  lr?: number;
  alpha?: number;
  eps?: number;
  momentum?: number;
  centered?: boolean;
  weight_decay?: number;
}
export interface AdamSpec {
  type: 'adam' | 'adamw';
  lr?: number;
  betas?: [number, number];
  eps?: number;
  weight_decay?: number;
  amsgrad?: boolean;
}
export type OptimizerSpec = SgdSpec | RmspropSpec | AdamSpec;

export interface TrainingSpec {
  epochs: number;
  batchSize: number;
  shuffle?: boolean;
  shuffleSeed?: number;
  zeroGrad?: boolean;
}

export interface ExperimentSpec {
  $schema?: string;
  name: string;
  description?: string;
  dtype?: DType;
  data: DataSpec;
  model: ModelSpec;
  loss: LossSpec;
  optimizer: OptimizerSpec;
  training: TrainingSpec;
}
