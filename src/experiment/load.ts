/** Reading an experiment: JSON text → validated spec → dataset, with every failure as field-level errors. */
import { readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { buildDataset, DataError, type Dataset } from './data';
import type { ExperimentSpec } from './spec';
import { StepError } from './model';
import { Runner } from './runner';
import { MAX_WORK, type SpecError, validateSpec } from './validate';

export type LoadResult = { ok: true; spec: ExperimentSpec; data: Dataset } | { ok: false; errors: SpecError[] };

/** 1-based line and column of a character offset. */
export function lineCol(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

export function parseJson(text: string): { ok: true; value: unknown } | { ok: false; errors: SpecError[] } {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // a UTF-8 byte-order mark is not JSON but is harmless
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (e) {
    const msg = (e as Error).message;
    const m = /position (\d+)/.exec(msg);
    const pos = m ? Number(m[1]) : tokenPosition(text, msg);
    const where = pos !== undefined ? (() => { const lc = lineCol(text, pos); return ` at line ${lc.line}, column ${lc.column}`; })() : '';
    // V8 quotes up to 20 characters of the source for an unexpected token, newlines and all: name the token only.
    const what = msg.replace(/ in JSON at position \d+.*$/s, '').replace(/^(Unexpected token '.+?'), .*$/s, '$1');
    return { ok: false, errors: [{ path: '', message: `not valid JSON${where}: ${what}${text.trim() === '' ? ' (the file is empty)' : ''}` }] };
  }
}

/**
 * Where V8's "Unexpected token 'X', …"context"… is not valid JSON" happened: its context is the source from 10
 * characters before the token (marked by a leading `...`) to 10 after, or the source's start when the token is
 * nearer than that. Undefined when the whole (short) source is quoted.
 */
function tokenPosition(text: string, msg: string): number | undefined {
  const m = /^Unexpected token '.+?', (\.\.\.)?"(.*)"(\.\.\.)? is not valid JSON$/s.exec(msg);
  if (!m || (!m[1] && !m[3])) return undefined;
  const at = m[1] ? text.indexOf(m[2]) : 0;
  if (at < 0) return undefined;
  return m[1] ? at + 10 : m[2].length - 10;
}

/**
 * Validates, builds the data (which may read a CSV relative to `baseDir`) and runs the model and loss once on
 * the first batch, so that a shape that cannot work is reported against its field before any training.
 */
export function prepareSpec(value: unknown, baseDir?: string): LoadResult {
  const v = validateSpec(value);
  if (!v.ok) return v;
  let data: Dataset;
  try {
    data = buildDataset(v.spec, baseDir);
  } catch (e) {
    if (e instanceof DataError) return { ok: false, errors: e.errors };
    return { ok: false, errors: [{ path: 'data', message: (e as Error).message }] };
  }
  try {
    const runner = new Runner(v.spec, { data, maxRecordedSteps: 1 });
    const elements = runner.check();
    const l = v.spec.loss;
    // The MSE of an [N,1]×[N] grid is summed in closed form; every other loss visits each grid element.
    const perElement = !(l.type === 'mse' && (l.reduction ?? 'mean') !== 'none');
    if (perElement && elements * runner.totalSteps > MAX_WORK)
      return { ok: false, errors: [{ path: 'training.batchSize', message: `the loss computes ${elements.toLocaleString('en-US')} elements a step for ${runner.totalSteps.toLocaleString('en-US')} steps (~${(elements * runner.totalSteps).toExponential(1)}); at most ${MAX_WORK.toExponential(0)}: use a smaller batch or fewer epochs` }] };
  } catch (e) {
    if (e instanceof StepError) return { ok: false, errors: [{ path: e.path, message: e.message }] };
    return { ok: false, errors: [{ path: '', message: `the experiment cannot run: ${(e as Error).message}` }] };
  }
  return { ok: true, spec: v.spec, data };
}

export function parseSpecText(text: string, baseDir?: string): LoadResult {
  const j = parseJson(text);
  return j.ok ? prepareSpec(j.value, baseDir) : j;
}

/** Experiment files are small; anything bigger is a mistake (and /dev/zero would never end). */
export const MAX_SPEC_BYTES = 64 * 1024 * 1024;

export function loadSpecFile(file: string): LoadResult {
  let text: string;
  try {
    const st = statSync(file);
    if (st.isDirectory()) return { ok: false, errors: [{ path: '', message: `cannot read ${file}: it is a folder` }] };
    if (!st.isFile()) return { ok: false, errors: [{ path: '', message: `cannot read ${file}: not a regular file` }] };
    if (st.size > MAX_SPEC_BYTES) return { ok: false, errors: [{ path: '', message: `${file} is ${(st.size / 1048576).toFixed(0)} MB; an experiment file is at most ${MAX_SPEC_BYTES / 1048576} MB` }] };
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { ok: false, errors: [{ path: '', message: `cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : code ?? (e as Error).message}` }] };
  }
  return parseSpecText(text, dirname(file));
}
