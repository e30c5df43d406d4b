/**
 * "Open CSV…": the header of a CSV file, and the linear-regression experiment built in memory from the
 * columns the user picked. No vscode import, so it is unit-tested as is.
 */
import { splitCsvLine } from '../experiment/data';
import type { ExperimentSpec, OptimizerSpec } from '../experiment/spec';

/** The same CSV line splitter the experiment's CSV loader uses, so both read a file the same way. */
export { splitCsvLine };

export interface CsvHeader {
  columns: string[];
  /** Columns whose first data row parses as a number: the ones worth offering. */
  numeric: boolean[];
}

/** Reads the header (first non-empty line) and checks the first data row; throws a specific error when unusable. */
export function readCsvHeader(text: string): CsvHeader {
  const lines = text.replace(/^\ufeff/, '').split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length === 0) throw new Error('the file is empty');
  const columns = splitCsvLine(lines[0]);
  if (columns.some((c) => c === '')) throw new Error('the header row has an empty column name');
  const dup = columns.find((c, i) => columns.indexOf(c) !== i);
  if (dup !== undefined) throw new Error(`the header names column "${dup}" twice`);
  if (columns.length < 2) throw new Error(`the header has ${columns.length} column; a regression needs at least one feature and a target`);
  if (lines.length < 2) throw new Error('the file has a header but no data rows');
  const first = splitCsvLine(lines[1]);
  const numeric = columns.map((_, i) => first[i] !== undefined && first[i] !== '' && Number.isFinite(Number(first[i])));
  return { columns, numeric };
}

/**
 * SGD on standardized features converges at a rate that does not depend on the target's scale, so 0.05 fits
 * any file. RMSprop and Adam move each weight by about `lr` per step whatever the gradient, so their lr follows
 * the target's magnitude: about 500 steps to cover it, rounded to one significant digit.
 */
export function defaultLr(optimizer: OptimizerSpec['type'], targetMaxAbs?: number): number {
  if (optimizer === 'sgd') return 0.05;
  const m = targetMaxAbs !== undefined && Number.isFinite(targetMaxAbs) && targetMaxAbs > 0 ? targetMaxAbs : 1;
  const raw = Math.min(10, Math.max(0.01, m / 500));
  return Number(raw.toPrecision(1));
}

/** Largest |value| of a column (non-numbers skipped); undefined when the column has no numbers. */
export function columnMaxAbs(text: string, column: string): number | undefined {
  const lines = text.replace(/^\ufeff/, '').split(/\r?\n/).filter((l) => l.trim() !== '');
  const idx = splitCsvLine(lines[0] ?? '').indexOf(column);
  if (idx < 0) return undefined;
  let max: number | undefined;
  for (const l of lines.slice(1)) {
    const v = Number(splitCsvLine(l)[idx]);
    if (Number.isFinite(v)) max = Math.max(max ?? 0, Math.abs(v));
  }
  return max;
}

/**
 * A linear model `target ≈ features · w + b` trained with MSE on standardized features. The prediction is
 * squeezed to match the 1-D target, so this experiment does not have the broadcast bug.
 */
export function csvExperimentSpec(opts: {
  name: string;
  /** Absolute path, so the spec still runs when a reloaded panel re-runs it. */
  path: string;
  features: string[];
  target: string;
  optimizer: OptimizerSpec['type'];
  rows?: number;
  /** Largest |target|, to size the learning rate of RMSprop and Adam. */
  targetMaxAbs?: number;
}): ExperimentSpec {
  if (opts.features.length === 0) throw new Error('pick at least one feature column');
  if (opts.features.includes(opts.target)) throw new Error(`"${opts.target}" cannot be both a feature and the target`);
  const rows = opts.rows ?? 0;
  // At least 20 epochs of mini-batches of 32, and about 600 steps so a small file still converges.
  const batchSize = rows > 0 ? Math.min(32, rows) : 32;
  const stepsPerEpoch = rows > 0 ? Math.ceil(rows / batchSize) : 1;
  const epochs = Math.min(10_000, Math.max(20, Math.ceil(600 / stepsPerEpoch)));
  return {
    name: opts.name,
    description: `Linear regression of ${opts.target} on ${opts.features.join(', ')} (built from a CSV file).`,
    dtype: 'float32',
    data: { kind: 'csv', path: opts.path, features: opts.features.slice(), target: opts.target, standardize: true },
    model: {
      torchSeed: 0,
      layers: { linear: { type: 'linear', in: opts.features.length, out: 1, bias: true } },
      forward: ['linear', { op: 'squeeze', dim: -1 }],
    },
    loss: { type: 'mse', reduction: 'mean' },
    optimizer: { type: opts.optimizer, lr: defaultLr(opts.optimizer, opts.targetMaxAbs) } as OptimizerSpec,
    training: { epochs, batchSize, shuffle: true, shuffleSeed: 0 },
  };
}

/** Counts data rows (non-empty lines after the header). */
export function countCsvRows(text: string): number {
  return Math.max(0, text.split(/\r?\n/).filter((l) => l.trim() !== '').length - 1);
}
