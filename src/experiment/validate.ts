/**
 * Validates a parsed experiment against the JSON Schema (ajv) and then the cross-field rules a schema cannot
 * say (layer names, `in` against the data, weight nesting). Every error names the field path and what was
 * expected, e.g. `optimizer.lr: expected a number, got the string "0.01"`.
 */
import Ajv, { type ErrorObject } from 'ajv';
import schema from '../../schema/gradexp.schema.json';
import type { ExperimentSpec, LinearLayerSpec } from './spec';

export interface SpecError {
  /** Dotted path of the field, e.g. `model.layers.layer1.in`; `` for the whole file. */
  path: string;
  message: string;
}

// Limits that keep one experiment to minutes of CPU and well under a gigabyte: every step's scalars are kept,
// and the data lives in memory twice while it is generated.
export const MAX_SAMPLES = 10_000_000;
export const MAX_TOTAL_STEPS = 500_000;
export const MAX_DATA_VALUES = 20_000_000;
export const MAX_PARAMETERS = 1_000_000;
/** Multiply-adds of the whole run (steps × batch rows × weights): about a few minutes of CPU. */
export const MAX_WORK = 2e10;
/**
 * Steps × parameter tensors: every step keeps each tensor's first values and norms for the charts, and the panel
 * holds them as objects (~150 bytes each), so 5 000 000 is about 0.75 GB in the extension host.
 */
export const MAX_HISTORY = 5_000_000;

let compiled: ReturnType<Ajv['compile']> | undefined;
function validator() {
  if (!compiled) compiled = new Ajv({ allErrors: true, strict: false }).compile(schema);
  return compiled;
}

/** `/model/layers/layer1/in` → `model.layers.layer1.in`, `/model/forward/1` → `model.forward[1]`. */
export function dotted(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, part) => (/^\d+$/.test(part) ? `${acc}[${part}]` : acc ? `${acc}.${part}` : part), '');
}

function describe(v: unknown): string {
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)}`;
  if (v === null) return 'null';
  if (Array.isArray(v)) return `a list of ${v.length}`;
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}

function at(data: unknown, pointer: string): unknown {
  let cur = data;
  for (const part of pointer.split('/').slice(1)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return cur;
}

function formatAjv(e: ErrorObject, data: unknown): SpecError | undefined {
  const path = dotted(e.instancePath);
  const got = describe(at(data, e.instancePath));
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'if':
    case 'anyOf':
      return undefined; // the branch errors say what was wrong
    case 'type':
      return { path, message: `expected ${p.type === 'integer' ? 'a whole number' : `${/^[aeiou]/.test(String(p.type)) ? 'an' : 'a'} ${p.type}`}, got ${got}` };
    case 'required':
      return { path: path ? `${path}.${p.missingProperty}` : String(p.missingProperty), message: 'is required but missing' };
    case 'additionalProperties':
      return { path: path ? `${path}.${p.additionalProperty}` : String(p.additionalProperty), message: `unknown field (not allowed here${path ? ` in ${path}` : ''})` };
    case 'enum':
      return { path, message: `expected one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}, got ${got}` };
    case 'const':
      return { path, message: `expected ${JSON.stringify(p.allowedValue)}, got ${got}` };
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return { path, message: `expected a number ${p.comparison} ${p.limit}, got ${got}` };
    case 'minItems':
      return { path, message: `expected at least ${p.limit} entries, got ${got}` };
    case 'maxItems':
      return { path, message: `expected at most ${p.limit} entries, got ${got}` };
    case 'minLength':
      return { path, message: `expected a non-empty string, got ${got}` };
    case 'maxLength':
      return { path, message: `expected at most ${p.limit} characters` };
    case 'minProperties':
      return { path, message: `expected at least ${p.limit} entries` };
    case 'maxProperties':
      return { path, message: `expected at most ${p.limit} entries` };
    case 'pattern':
      return { path, message: `expected a name matching ${p.pattern}, got ${got}` };
    case 'propertyNames':
      return { path: path ? `${path}.${p.propertyName}` : String(p.propertyName), message: 'is not a valid name (letters, digits and _ only, not starting with a digit)' };
    default:
      return { path, message: e.message ?? 'is invalid' };
  }
}

function schemaErrors(data: unknown): SpecError[] {
  const validate = validator();
  if (validate(data)) return [];
  const errors = (validate.errors ?? []).map((e) => formatAjv(e, data)).filter((e): e is SpecError => !!e);
  // anyOf branches report one `type` error each at the same path: merge them into one line.
  const out: SpecError[] = [];
  const seen = new Map<string, SpecError>();
  for (const e of errors) {
    const key = e.path;
    const prev = seen.get(key);
    if (prev && prev.message.startsWith('expected a') && e.message.startsWith('expected a') && e.message.includes(', got ')) {
      const [what] = e.message.split(', got ');
      const [pwhat, pgot] = prev.message.split(', got ');
      if (!pwhat.includes(what.replace('expected ', ''))) prev.message = `${pwhat} or ${what.replace('expected ', '')}, got ${pgot}`;
      continue;
    }
    if (prev && prev.message === e.message) continue;
    seen.set(key, e);
    out.push(e);
  }
  return out;
}

/** The number of input features the data gives, when it can be known without reading files. */
function dataFeatures(spec: ExperimentSpec): number | undefined {
  const d = spec.data;
  if (d.kind === 'synthetic') return d.features;
  if (d.kind === 'inline') return d.x[0]?.length;
  return d.features.length;
}

function semanticErrors(spec: ExperimentSpec): SpecError[] {
  const errs: SpecError[] = [];
  const d = spec.data;
  let rows = 0;
  if (d.kind === 'synthetic') {
    rows = d.samples;
    if (d.weights.length !== d.features) errs.push({ path: 'data.weights', message: `expected ${d.features} weights (one per feature, data.features = ${d.features}), got ${d.weights.length}` });
    if (d.samples * (d.features + 1) > MAX_DATA_VALUES) errs.push({ path: 'data.samples', message: `${d.samples} samples × ${d.features + 1} columns is too much data; at most ${MAX_DATA_VALUES.toLocaleString('en-US')} values` });
  } else if (d.kind === 'inline') {
    rows = d.x.length;
    const width = d.x[0].length;
    d.x.forEach((r, i) => {
      if (r.length !== width) errs.push({ path: `data.x[${i}]`, message: `expected ${width} values like data.x[0], got ${r.length}` });
    });
    if (d.y.length !== d.x.length) errs.push({ path: 'data.y', message: `expected ${d.x.length} targets (one per row of data.x), got ${d.y.length}` });
    const yRows = d.y.filter((v) => Array.isArray(v)).length;
    if (yRows !== 0 && yRows !== d.y.length) errs.push({ path: 'data.y', message: 'expected all numbers or all lists, not a mix' });
  }
  const names = Object.keys(spec.model.layers);
  const features = dataFeatures(spec);
  let prevOut: number | undefined = features;
  let reshaped = false;
  let firstLayer = true;
  spec.model.forward.forEach((f, i) => {
    if (typeof f === 'string') {
      // Own properties only: a name like "toString" must not find Object.prototype's.
      const layer = Object.hasOwn(spec.model.layers, f) ? spec.model.layers[f] : undefined;
      if (!layer) {
        errs.push({ path: `model.forward[${i}]`, message: `unknown layer "${f}"; the layers are ${names.map((n) => `"${n}"`).join(', ')}` });
        return;
      }
      if (prevOut !== undefined && !reshaped && layer.in !== prevOut)
        errs.push({
          path: `model.layers.${f}.in`,
          message: firstLayer ? `expected ${prevOut} (the data has ${prevOut} feature${prevOut === 1 ? '' : 's'}), got ${layer.in}` : `expected ${prevOut} (the previous layer's out), got ${layer.in}`,
        });
      firstLayer = false;
      prevOut = layer.out;
    } else if (f.op === 'reshape') {
      if (!f.shape) errs.push({ path: `model.forward[${i}].shape`, message: 'is required for reshape' });
      if (f.assign !== false) reshaped = true;
    } else if (f.op === 'unsqueeze' && f.dim === undefined) errs.push({ path: `model.forward[${i}].dim`, message: 'is required for unsqueeze' });
  });
  for (const [name, layer] of Object.entries(spec.model.layers)) errs.push(...layerErrors(name, layer));
  const bs = spec.training.batchSize;
  const weights = Object.values(spec.model.layers).reduce((t, l) => t + l.in * l.out, 0);
  const params = Object.values(spec.model.layers).reduce((t, l) => t + l.in * l.out + (l.bias === false ? 0 : l.out), 0);
  if (params > MAX_PARAMETERS) errs.push({ path: 'model.layers', message: `${params.toLocaleString('en-US')} parameters in all; at most ${MAX_PARAMETERS.toLocaleString('en-US')}` });
  if (rows > 0) {
    const steps = spec.training.epochs * Math.ceil(rows / bs);
    if (steps > MAX_TOTAL_STEPS) errs.push({ path: 'training.epochs', message: `${spec.training.epochs} epochs × ${Math.ceil(rows / bs)} batches = ${steps.toLocaleString('en-US')} steps; at most ${MAX_TOTAL_STEPS.toLocaleString('en-US')}` });
    else {
      const work = spec.training.epochs * rows * weights;
      const tensors = Object.values(spec.model.layers).reduce((t, l) => t + (l.bias === false ? 1 : 2), 0);
      if (work > MAX_WORK)
        errs.push({ path: 'training.epochs', message: `${spec.training.epochs} epochs over ${rows.toLocaleString('en-US')} rows with ${weights.toLocaleString('en-US')} weights is ~${work.toExponential(1)} multiply-adds; at most ${MAX_WORK.toExponential(0)} (a few minutes of CPU): use fewer epochs, rows or units` });
      else if (steps * tensors > MAX_HISTORY)
        errs.push({ path: 'training.epochs', message: `${steps.toLocaleString('en-US')} steps × ${tensors} parameter tensors = ${(steps * tensors).toLocaleString('en-US')} entries of history (every step keeps each tensor's first values and norms for the charts); at most ${MAX_HISTORY.toLocaleString('en-US')}: use fewer epochs, a larger batch or fewer layers` });
    }
  }
  if (spec.loss.type === 'huber' && spec.loss.beta !== undefined) errs.push({ path: 'loss.beta', message: 'belongs to smooth_l1; huber takes delta' });
  if (spec.loss.type === 'smooth_l1' && spec.loss.delta !== undefined) errs.push({ path: 'loss.delta', message: 'belongs to huber; smooth_l1 takes beta' });
  return errs;
}

function layerErrors(name: string, l: LinearLayerSpec): SpecError[] {
  const errs: SpecError[] = [];
  const base = `model.layers.${name}`;
  if (l.weight !== undefined) {
    const w = l.weight;
    const nested = w.map((r) => Array.isArray(r));
    if (nested.some((n) => n) && !nested.every((n) => n)) errs.push({ path: `${base}.weight`, message: 'expected a flat list [in] or a list of rows [[..]] ([out,in]), not a mix' });
    else if (nested[0]) {
      const rows = w as number[][];
      if (rows.length !== l.out) errs.push({ path: `${base}.weight`, message: `expected ${l.out} rows ([out,in] = [${l.out},${l.in}]), got ${rows.length}` });
      rows.forEach((r, i) => {
        if (r.length !== l.in) errs.push({ path: `${base}.weight[${i}]`, message: `expected ${l.in} values (in = ${l.in}), got ${r.length}` });
      });
    } else {
      if (w.length !== l.in) errs.push({ path: `${base}.weight`, message: `a flat weight is 1-D [in]: expected ${l.in} values, got ${w.length}` });
      if (l.out !== 1) errs.push({ path: `${base}.weight`, message: `a flat (1-D) weight gives one output, but out = ${l.out}; use rows [[..]] for [out,in]` });
      if (l.bias !== false) errs.push({ path: `${base}.bias`, message: 'expected false: F.linear rejects a 1-D weight with a bias ("mat2 must be a matrix"); set "bias": false or give the weight as rows [[..]]' });
    }
  }
  if (l.biasValue !== undefined) {
    if (l.bias === false) errs.push({ path: `${base}.biasValue`, message: 'is given but bias is false' });
    const n = Array.isArray(l.biasValue) ? l.biasValue.length : 1;
    if (Array.isArray(l.biasValue) && n !== l.out) errs.push({ path: `${base}.biasValue`, message: `expected ${l.out} values (out = ${l.out}), got ${n}` });
  }
  return errs;
}

/** Schema first; the cross-field rules only run on a spec whose types are right. */
export function validateSpec(data: unknown): { ok: true; spec: ExperimentSpec } | { ok: false; errors: SpecError[] } {
  const errors = schemaErrors(data);
  if (errors.length) return { ok: false, errors };
  const spec = data as ExperimentSpec;
  const sem = semanticErrors(spec);
  return sem.length ? { ok: false, errors: sem } : { ok: true, spec };
}

export function formatErrors(errors: SpecError[]): string {
  return errors.map((e) => `${e.path || '(file)'}: ${e.message}`).join('\n');
}
