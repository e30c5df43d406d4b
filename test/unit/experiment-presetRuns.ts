/**
 * Shared by the experiment tests: presets as specs, variants of them, and the PyTorch golden of the seed
 * recipe (test/fixtures/seed-recipe-golden.json, written by scripts/make-seed-golden.py with torch 1.13).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Dataset } from '../../src/experiment/data';
import { prepareSpec } from '../../src/experiment/load';
import { PRESETS_DIR, presetFile } from '../../src/experiment/presets';
import { Runner, type RunnerOptions } from '../../src/experiment/runner';
import type { ExperimentSpec } from '../../src/experiment/spec';
import { formatErrors } from '../../src/experiment/validate';

export const REPO = join(__dirname, '..', '..', '..');
export const FIXTURES = join(REPO, 'test', 'fixtures');

export interface SeedGoldenRun {
  w0: number[][];
  first_losses: number[];
  steps: Record<string, { loss: number; grad: number[][]; weight: number[][]; square_avg: number[][] }>;
  final_weight: number[][];
  mean_loss_last_1000: number;
  y_var: number;
  x_first_rows: number[][];
  y_first: number[];
  x_sum: number;
  y_sum: number;
}
export interface SeedGolden {
  torch_version: string;
  broadcast: SeedGoldenRun;
  fixed: SeedGoldenRun;
}

export const seedGolden = (): SeedGolden => JSON.parse(readFileSync(join(FIXTURES, 'seed-recipe-golden.json'), 'utf8')) as SeedGolden;

/** The preset's file as a plain object, a fresh copy each call so tests can mutate it. */
export function presetSpec(name: string): ExperimentSpec {
  const f = presetFile(name);
  if (!f) throw new Error(`preset ${name} is missing from ${PRESETS_DIR}`);
  return JSON.parse(readFileSync(f, 'utf8')) as ExperimentSpec;
}

/** A preset with `mutate` applied, validated like a file would be; throws with the field errors if invalid. */
export function variant(name: string, mutate?: (s: ExperimentSpec) => void): { spec: ExperimentSpec; data: Dataset } {
  const spec = presetSpec(name);
  mutate?.(spec);
  const r = prepareSpec(spec, PRESETS_DIR);
  if (!r.ok) throw new Error(`variant of ${name} is invalid:\n${formatErrors(r.errors)}`);
  return { spec: r.spec, data: r.data };
}

export function runner(name: string, mutate?: (s: ExperimentSpec) => void, opts: RunnerOptions = {}): Runner {
  const v = variant(name, mutate);
  return new Runner(v.spec, { data: v.data, ...opts });
}

/** Runs to the end synchronously and returns the runner. */
export function ran(name: string, mutate?: (s: ExperimentSpec) => void, opts: RunnerOptions = {}): Runner {
  const r = runner(name, mutate, opts);
  r.runSync();
  return r;
}

export const flat = (v: unknown): number[] => (Array.isArray(v) ? (v as unknown[]).flatMap(flat) : [v as number]);

/** |a−b| ≤ tol·scale for every entry, with a message that shows both. */
export function assertClose(actual: ArrayLike<number>, expected: number[], tol: number, scale: number, what: string): void {
  if (actual.length !== expected.length) throw new Error(`${what}: ${actual.length} values, expected ${expected.length}`);
  for (let i = 0; i < expected.length; i++) {
    const err = Math.abs(actual[i] - expected[i]);
    if (!(err <= tol * scale)) throw new Error(`${what}[${i}]: got ${actual[i]}, expected ${expected[i]} (|err| ${err} > ${tol * scale})`);
  }
}
