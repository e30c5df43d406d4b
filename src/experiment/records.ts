/**
 * What one optimizer step leaves behind, and what is wrong with a run. These records are produced by the
 * TypeScript runner and by the PyTorch tracer alike, and flow unchanged to the CLI's JSON, the panel and the tree.
 */
import type { OpRecord, SourceLocation } from '../core/trace';

/** One parameter at one step. Large tensors are thinned: `value`/`grad` then hold a sample and `thinned` is true. */
export interface ParamRecord {
  shape: number[];
  /** Value after the step (row-major, flattened). */
  value: number[];
  /** Gradient used by the step, taken at the weights before the update; null when the param had no grad. */
  grad: number[] | null;
  /** Optimizer state after the step, e.g. `{ step: 3, square_avg: [...] }`. */
  state: Record<string, number | number[]>;
  /** value_after − value_before. */
  update: number[];
  /** L2 norms, always exact even when the arrays are thinned. */
  norm: number;
  gradNorm: number;
  updateNorm: number;
  min?: number;
  max?: number;
  thinned?: boolean;
}

/** Everything recorded for one optimizer step. `loss` is taken at the weights before the update. */
export interface StepRecord {
  /** 1-based step number. */
  step: number;
  /** 0-based epoch and batch within the epoch. */
  epoch: number;
  batch: number;
  loss: number;
  params: Record<string, ParamRecord>;
  /** The ops of this step's forward pass, in order. Empty when thinned out of an old step. */
  ops: OpRecord[];
  /** Mean prediction and target of the batch, used to recognise "predicts the batch mean". */
  predMean?: number;
  predStd?: number;
  targetMean?: number;
  targetVar?: number;
  /** Learning rate in effect. */
  lr?: number;
}

/**
 * The scalars kept for every step however long the run: enough to draw every chart.
 * `values` holds each parameter's first few entries (the weights chart), the rest are norms.
 */
export interface StepSummary {
  step: number;
  epoch: number;
  batch: number;
  loss: number;
  params: Record<string, { values: number[]; gradNorm: number; updateNorm: number; norm: number }>;
}

export type Severity = 'error' | 'warning' | 'info';

export type DiagnosisCode =
  | 'loss-broadcast'
  | 'discarded-result'
  | 'loss-plateau-mean'
  | 'divergence'
  | 'exploding-gradient'
  | 'vanishing-gradient'
  | 'unscaled-features'
  | 'lr-too-high'
  | 'lr-too-low'
  | 'grad-accumulation';

/** A fix that can be applied to an experiment spec (what-if) or to source code (quick fix). */
export interface Fix {
  /** Plain-words instruction, e.g. "squeeze the prediction (`pred.squeeze(-1)`)". */
  description: string;
  /** Name of the spec transformation the runner knows how to apply for a what-if run. */
  specFix?: 'squeeze-prediction' | 'assign-discarded' | 'standardize-features' | 'enable-zero-grad' | 'lower-lr';
}

export interface Diagnosis {
  code: DiagnosisCode;
  severity: Severity;
  /** Step at which it was first seen (1-based). */
  step: number;
  /** Plain words with numbers. */
  message: string;
  /** The numbers behind the message. */
  evidence: Record<string, string | number | boolean | number[] | null>;
  fix?: Fix;
  /** Index of the op in that step's trace the diagnosis is about, if any. */
  opIndex?: number;
  /** For traced scripts: where in the user's code. */
  location?: SourceLocation;
}

/** The result of re-running a spec with a fix applied. */
export interface WhatIf {
  code: DiagnosisCode;
  fix: string;
  /** Final loss of the original run and of the fixed run. */
  originalFinalLoss: number;
  fixedFinalLoss: number;
  /** Loss per step of the fixed run, decimated to at most ~1000 points: [step, loss]. */
  losses: [number, number][];
  /** Final parameter values of the fixed run. */
  finalParams: Record<string, number[]>;
}

/** First `n` entries of a parameter, what the weights chart draws. */
export const SUMMARY_VALUES = 8;

export function summarize(r: StepRecord): StepSummary {
  const params: StepSummary['params'] = {};
  for (const [name, p] of Object.entries(r.params)) {
    params[name] = { values: p.value.slice(0, SUMMARY_VALUES), gradNorm: p.gradNorm, updateNorm: p.updateNorm, norm: p.norm };
  }
  return { step: r.step, epoch: r.epoch, batch: r.batch, loss: r.loss, params };
}
