/**
 * Turns `spec.data` into tensors. `synthetic` reproduces the seed script's recipe exactly: randn(N, F+1)
 * from NumPy's legacy generator, features × featureScale, last column = X·w (+ b) + noiseStd·randn(N) in
 * float64, then cast to the experiment's dtype.
 */
import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { NumpyLegacyRandom } from '../core/random/numpyLegacy';
import { allocate, type DType, Tensor } from '../core/tensor';
import type { CsvData, DataSpec, ExperimentSpec } from './spec';
import type { SpecError } from './validate';

export interface Dataset {
  x: Tensor; // [N, F]
  y: Tensor; // [N] or [N, k]
  features: string[];
  /** Per-feature mean and standard deviation of the inputs as trained on. */
  featureMean: number[];
  featureStd: number[];
  /** Population variance of the whole target (the plateau level of a model that predicts the mean). */
  targetVar: number;
  targetMean: number;
  /** The weights that generated the data, when known (synthetic data). */
  trueWeights?: number[];
}

export const MAX_CSV_BYTES = 100 * 1024 * 1024;

export class DataError extends Error {
  constructor(readonly errors: SpecError[]) {
    super(errors.map((e) => `${e.path}: ${e.message}`).join('\n'));
    this.name = 'DataError';
  }
}

function columnStats(x: Float64Array, rows: number, cols: number): { mean: number[]; std: number[] } {
  const mean = new Array<number>(cols).fill(0);
  const std = new Array<number>(cols).fill(0);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) mean[j] += x[i * cols + j];
  for (let j = 0; j < cols; j++) mean[j] /= rows;
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < cols; j++) {
      const d = x[i * cols + j] - mean[j];
      std[j] += d * d;
    }
  for (let j = 0; j < cols; j++) std[j] = Math.sqrt(std[j] / rows);
  return { mean, std };
}

function standardizeInPlace(x: Float64Array, rows: number, cols: number): number[] {
  const { mean, std } = columnStats(x, rows, cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) x[i * cols + j] = (x[i * cols + j] - mean[j]) / (std[j] || 1);
  return std;
}

function finish(xs: Float64Array, ys: Float64Array, rows: number, cols: number, yCols: number, dtype: DType, features: string[], trueWeights?: number[]): Dataset {
  const xd = allocate(dtype, xs.length);
  xd.set(xs);
  const yd = allocate(dtype, ys.length);
  yd.set(ys);
  // Huge weights, bias or scales overflow (float32 stops at ±3.4e38): training on Infinity teaches nothing.
  const bad = (v: ArrayLike<number>) => { let c = 0; for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i])) c++; return c; };
  const bx = bad(xd);
  const by = bad(yd);
  if (bx || by)
    throw new DataError([{ path: 'data', message: `the data holds non-finite values after the cast to ${dtype} (${[bx ? `${bx} in x` : '', by ? `${by} in y` : ''].filter(Boolean).join(', ')}); keep featureScale, weights, bias and noiseStd so that values stay below ${dtype === 'float32' ? '3.4e38' : '1.8e308'}` }]);
  const stats = columnStats(new Float64Array(xd), rows, cols);
  let m = 0;
  for (let i = 0; i < yd.length; i++) m += yd[i];
  m /= yd.length;
  let v = 0;
  for (let i = 0; i < yd.length; i++) v += (yd[i] - m) ** 2;
  v /= yd.length;
  return {
    x: new Tensor(xd, [rows, cols]),
    y: new Tensor(yd, yCols === 0 ? [rows] : [rows, yCols]),
    features,
    featureMean: stats.mean,
    featureStd: stats.std,
    targetVar: v,
    targetMean: m,
    trueWeights,
  };
}

export function buildDataset(spec: ExperimentSpec, baseDir?: string): Dataset {
  const dtype = spec.dtype ?? 'float32';
  const d: DataSpec = spec.data;
  if (d.kind === 'synthetic') {
    const rng = new NumpyLegacyRandom(d.seed);
    const n = d.samples;
    const f = d.features;
    const raw = rng.randn(n * (f + 1));
    const scale = d.featureScale ?? 1;
    const xs = new Float64Array(n * f);
    const ys = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let dot = 0;
      for (let j = 0; j < f; j++) {
        const v = raw[i * (f + 1) + j] * scale;
        xs[i * f + j] = v;
        dot += v * d.weights[j];
      }
      ys[i] = dot + (d.bias ?? 0);
    }
    const noise = rng.randn(n);
    const std = d.noiseStd ?? 1;
    for (let i = 0; i < n; i++) ys[i] += std * noise[i];
    let trueWeights = d.weights.slice();
    if (d.standardize) {
      const colStd = standardizeInPlace(xs, n, f);
      trueWeights = trueWeights.map((w, j) => w * colStd[j]);
    }
    return finish(xs, ys, n, f, 0, dtype, d.weights.map((_, j) => `x${j + 1}`), trueWeights);
  }
  if (d.kind === 'inline') {
    const n = d.x.length;
    const f = d.x[0].length;
    const xs = Float64Array.from(d.x.flat());
    const yCols = Array.isArray(d.y[0]) ? (d.y[0] as number[]).length : 0;
    const ys = Float64Array.from((d.y as (number | number[])[]).flat());
    return finish(xs, ys, n, f, yCols, dtype, Array.from({ length: f }, (_, j) => `x${j + 1}`));
  }
  return csvDataset(d, dtype, baseDir);
}

/** Splits one CSV line, honouring double-quoted fields with "" escapes. */
export function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(cur.trim());
      cur = '';
    } else cur += c;
  }
  out.push(cur.trim());
  return out;
}

function csvDataset(d: CsvData, dtype: DType, baseDir?: string): Dataset {
  const file = isAbsolute(d.path) ? d.path : resolve(baseDir ?? process.cwd(), d.path);
  let text: string;
  try {
    const st = statSync(file);
    if (st.isFile() && st.size > MAX_CSV_BYTES) throw new DataError([{ path: 'data.path', message: `"${d.path}" is ${(st.size / 1048576).toFixed(0)} MB; a CSV is at most ${MAX_CSV_BYTES / 1048576} MB here` }]);
    if (!st.isFile() && !st.isDirectory()) throw new DataError([{ path: 'data.path', message: `"${d.path}" is not a regular file` }]);
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if (e instanceof DataError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new DataError([{ path: 'data.path', message: `cannot read "${d.path}" (${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : code ?? String(e)}) — resolved to ${file}` }]);
  }
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length < 2) throw new DataError([{ path: 'data.path', message: `"${d.path}" needs a header line and at least one data row, got ${lines.length} line(s)` }]);
  const header = splitCsvLine(lines[0]);
  const errs: SpecError[] = [];
  const colOf = (name: string, path: string): number => {
    const i = header.indexOf(name);
    if (i < 0) errs.push({ path, message: `column "${name}" is not in the CSV header (columns: ${header.join(', ')})` });
    return i;
  };
  const fIdx = d.features.map((f, i) => colOf(f, `data.features[${i}]`));
  const tIdx = colOf(d.target, 'data.target');
  if (errs.length) throw new DataError(errs);
  const n = lines.length - 1;
  const f = d.features.length;
  const xs = new Float64Array(n * f);
  const ys = new Float64Array(n);
  for (let r = 0; r < n && errs.length < 5; r++) {
    const cells = splitCsvLine(lines[r + 1]);
    const num = (col: number, path: string, name: string): number => {
      const s = cells[col];
      const v = s === undefined || s === '' ? NaN : Number(s);
      if (!Number.isFinite(v)) errs.push({ path, message: `row ${r + 2} of ${d.path} has ${s === undefined ? 'no value' : JSON.stringify(s)} in column "${name}"; expected a finite number` });
      return v;
    };
    fIdx.forEach((c, j) => (xs[r * f + j] = num(c, `data.features[${j}]`, d.features[j])));
    ys[r] = num(tIdx, 'data.target', d.target);
  }
  if (errs.length) throw new DataError(errs);
  if (d.standardize) standardizeInPlace(xs, n, f);
  return finish(xs, ys, n, f, 0, dtype, d.features.slice());
}
