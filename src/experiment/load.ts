/** Reading an experiment: JSON text → validated spec → dataset, with every failure as field-level errors. */
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { buildDataset, DataError, type Dataset } from './data';
import type { ExperimentSpec } from './spec';
import { type SpecError, validateSpec } from './validate';

export type LoadResult = { ok: true; spec: ExperimentSpec; data: Dataset } | { ok: false; errors: SpecError[] };

/** 1-based line and column of a character offset. */
export function lineCol(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

export function parseJson(text: string): { ok: true; value: unknown } | { ok: false; errors: SpecError[] } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (e) {
    const msg = (e as Error).message;
    const m = /position (\d+)/.exec(msg);
    const where = m ? (() => { const lc = lineCol(text, Number(m[1])); return ` at line ${lc.line}, column ${lc.column}`; })() : '';
    return { ok: false, errors: [{ path: '', message: `not valid JSON${where}: ${msg.replace(/ in JSON at position \d+.*$/, '')}` }] };
  }
}

/** Validates and builds the data (which may read a CSV relative to `baseDir`). */
export function prepareSpec(value: unknown, baseDir?: string): LoadResult {
  const v = validateSpec(value);
  if (!v.ok) return v;
  try {
    return { ok: true, spec: v.spec, data: buildDataset(v.spec, baseDir) };
  } catch (e) {
    if (e instanceof DataError) return { ok: false, errors: e.errors };
    return { ok: false, errors: [{ path: 'data', message: (e as Error).message }] };
  }
}

export function parseSpecText(text: string, baseDir?: string): LoadResult {
  const j = parseJson(text);
  return j.ok ? prepareSpec(j.value, baseDir) : j;
}

export function loadSpecFile(file: string): LoadResult {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    return { ok: false, errors: [{ path: '', message: `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` }] };
  }
  return parseSpecText(text, dirname(file));
}
