/**
 * The tracer's channel: one JSON object per line, written by python/gdtrace. Nothing in it is trusted:
 * every line is checked here and turned into the same StepRecord / Diagnosis the TypeScript core produces.
 */
import type { OpRecord, SourceLocation } from '../core/trace';
import type { Diagnosis, DiagnosisCode, ParamRecord, Severity, StepRecord } from '../experiment/records';

export const TRACE_PROTOCOL = 1;

export interface HelloMessage {
  t: 'hello';
  protocol: number;
  torch: string;
  python: string;
  executable: string;
  script: string;
  argv: string[];
  cwd: string;
  every: number;
  pid: number;
}
/** A recorded step. `opsSameAs` names an earlier step whose forward pass was identical (ops not resent). */
export interface StepMessage {
  t: 'step';
  record: StepRecord;
  opsSameAs?: number;
}
export interface OptimizerMessage {
  t: 'optimizer';
  type: string;
  args: Record<string, number | boolean>;
}
export interface DiagnosisMessage {
  t: 'diagnosis';
  diagnosis: Diagnosis;
}
export interface ProgressMessage {
  t: 'progress';
  step: number;
}
export interface WarningMessage {
  t: 'warning';
  message: string;
}
export type FatalKind = 'no-torch' | 'no-script' | 'usage';
export interface FatalMessage {
  t: 'fatal';
  kind: FatalKind;
  message: string;
}
export interface TraceError {
  type: string;
  message: string;
  location?: SourceLocation;
  traceback?: string;
}
export interface EndMessage {
  t: 'end';
  status: 'ok' | 'error' | 'stopped';
  exitCode: number;
  steps: number;
  error?: TraceError;
}
export type TraceMessage =
  | HelloMessage
  | StepMessage
  | OptimizerMessage
  | DiagnosisMessage
  | ProgressMessage
  | WarningMessage
  | FatalMessage
  | EndMessage;

export const DIAGNOSIS_CODES: readonly DiagnosisCode[] = [
  'loss-broadcast', 'discarded-result', 'loss-plateau-mean', 'divergence', 'exploding-gradient',
  'vanishing-gradient', 'unscaled-features', 'lr-too-high', 'lr-too-low', 'grad-accumulation',
];
const SEVERITIES: readonly Severity[] = ['error', 'warning', 'info'];
const SPEC_FIXES = ['squeeze-prediction', 'assign-discarded', 'standardize-features', 'enable-zero-grad', 'lower-lr'];

class Invalid extends Error {}
const fail = (path: string, what: string): never => {
  throw new Invalid(`${path}: ${what}`);
};

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
function obj(v: unknown, path: string): Obj {
  return isObj(v) ? v : fail(path, 'expected an object');
}
function str(v: unknown, path: string, max = 100_000): string {
  return typeof v === 'string' && v.length <= max ? v : fail(path, 'expected a string');
}
/** A number; the tracer writes NaN and ±Infinity as strings because JSON has no such numbers. */
function num(v: unknown, path: string): number {
  if (typeof v === 'number') return v;
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  return fail(path, 'expected a number');
}
function int(v: unknown, path: string, min = 0): number {
  const n = num(v, path);
  return Number.isInteger(n) && n >= min ? n : fail(path, `expected an integer ≥ ${min}`);
}
function nums(v: unknown, path: string): number[] {
  if (!Array.isArray(v)) return fail(path, 'expected an array of numbers');
  return v.map((x, i) => num(x, `${path}[${i}]`));
}
function shape(v: unknown, path: string): number[] {
  if (!Array.isArray(v) || v.length > 64) return fail(path, 'expected a shape');
  return v.map((x, i) => int(x, `${path}[${i}]`));
}
function optNum(o: Obj, k: string, path: string): number | undefined {
  return o[k] === undefined || o[k] === null ? undefined : num(o[k], `${path}.${k}`);
}

function location(v: unknown, path: string): SourceLocation {
  const o = obj(v, path);
  return { file: str(o.file, `${path}.file`, 4096), line: int(o.line, `${path}.line`, 1) };
}

type ArgValue = string | number | boolean | number[] | null;
function argValue(v: unknown, path: string): ArgValue {
  if (v === null || typeof v === 'boolean' || typeof v === 'number') return v;
  if (typeof v === 'string') return v.slice(0, 10_000);
  if (Array.isArray(v)) return nums(v, path);
  return fail(path, 'expected a string, number, boolean, number list or null');
}
function argRecord(v: unknown, path: string): Record<string, ArgValue> {
  const o = obj(v, path);
  const out: Record<string, ArgValue> = {};
  for (const [k, x] of Object.entries(o)) out[k] = argValue(x, `${path}.${k}`);
  return out;
}

export function parseOp(v: unknown, path: string): OpRecord {
  const o = obj(v, path);
  const op: OpRecord = {
    op: str(o.op, `${path}.op`, 200),
    inputs: Array.isArray(o.inputs) ? o.inputs.map((s, i) => shape(s, `${path}.inputs[${i}]`)) : fail(path, 'inputs must be an array'),
    output: shape(o.output, `${path}.output`),
  };
  if (o.label !== undefined) op.label = str(o.label, `${path}.label`, 500);
  if (o.inputNames !== undefined) {
    op.inputNames = Array.isArray(o.inputNames) ? o.inputNames.map((s, i) => str(s, `${path}.inputNames[${i}]`, 100)) : fail(path, 'inputNames must be an array');
  }
  if (o.dtype !== undefined) op.dtype = str(o.dtype, `${path}.dtype`, 50);
  if (o.broadcast !== undefined) {
    const b = obj(o.broadcast, `${path}.broadcast`);
    const exp = b.expanded;
    op.broadcast = {
      shape: shape(b.shape, `${path}.broadcast.shape`),
      expanded: Array.isArray(exp) ? exp.map((d, i) => shape(d, `${path}.broadcast.expanded[${i}]`)) : fail(path, 'broadcast.expanded must be an array'),
    };
  }
  if (o.loss !== undefined) op.loss = o.loss === true;
  if (o.discarded !== undefined) op.discarded = o.discarded === true;
  if (o.args !== undefined) op.args = argRecord(o.args, `${path}.args`);
  if (o.source !== undefined) op.source = location(o.source, `${path}.source`);
  return op;
}

function parseParam(v: unknown, path: string): ParamRecord {
  const o = obj(v, path);
  const state: Record<string, number | number[]> = {};
  for (const [k, x] of Object.entries(obj(o.state ?? {}, `${path}.state`))) state[k] = Array.isArray(x) ? nums(x, `${path}.state.${k}`) : num(x, `${path}.state.${k}`);
  const p: ParamRecord = {
    shape: shape(o.shape, `${path}.shape`),
    value: nums(o.value, `${path}.value`),
    grad: o.grad === null ? null : nums(o.grad, `${path}.grad`),
    state,
    update: nums(o.update, `${path}.update`),
    norm: num(o.norm, `${path}.norm`),
    gradNorm: num(o.gradNorm, `${path}.gradNorm`),
    updateNorm: num(o.updateNorm, `${path}.updateNorm`),
  };
  const min = optNum(o, 'min', path);
  const max = optNum(o, 'max', path);
  if (min !== undefined) p.min = min;
  if (max !== undefined) p.max = max;
  if (o.thinned === true) p.thinned = true;
  return p;
}

export function parseStepRecord(v: unknown, path = 'record'): { record: StepRecord; opsSameAs?: number } {
  const o = obj(v, path);
  const params: Record<string, ParamRecord> = {};
  for (const [k, x] of Object.entries(obj(o.params, `${path}.params`))) params[k] = parseParam(x, `${path}.params.${k}`);
  const ops = Array.isArray(o.ops) ? o.ops.map((x, i) => parseOp(x, `${path}.ops[${i}]`)) : fail(`${path}.ops`, 'expected an array');
  const record: StepRecord = {
    step: int(o.step, `${path}.step`, 1),
    epoch: int(o.epoch, `${path}.epoch`),
    batch: int(o.batch, `${path}.batch`),
    loss: num(o.loss, `${path}.loss`),
    params,
    ops,
  };
  for (const k of ['predMean', 'predStd', 'targetMean', 'targetVar', 'lr'] as const) {
    const x = optNum(o, k, path);
    if (x !== undefined) record[k] = x;
  }
  const same = o.opsSameAs === undefined ? undefined : int(o.opsSameAs, `${path}.opsSameAs`, 1);
  return same === undefined ? { record } : { record, opsSameAs: same };
}

export function parseDiagnosis(v: unknown, path = 'diagnosis'): Diagnosis {
  const o = obj(v, path);
  const code = o.code as DiagnosisCode;
  if (!DIAGNOSIS_CODES.includes(code)) fail(`${path}.code`, `unknown diagnosis code ${JSON.stringify(String(o.code)).slice(0, 60)}`);
  const severity = o.severity as Severity;
  if (!SEVERITIES.includes(severity)) fail(`${path}.severity`, 'expected error, warning or info');
  const d: Diagnosis = {
    code,
    severity,
    step: int(o.step, `${path}.step`),
    message: str(o.message, `${path}.message`, 10_000),
    evidence: argRecord(o.evidence ?? {}, `${path}.evidence`),
  };
  if (o.fix !== undefined) {
    const f = obj(o.fix, `${path}.fix`);
    d.fix = { description: str(f.description, `${path}.fix.description`, 2000) };
    if (f.specFix !== undefined) {
      if (!SPEC_FIXES.includes(f.specFix as string)) fail(`${path}.fix.specFix`, 'unknown fix');
      d.fix.specFix = f.specFix as NonNullable<Diagnosis['fix']>['specFix'];
    }
  }
  if (o.opIndex !== undefined) d.opIndex = int(o.opIndex, `${path}.opIndex`);
  if (o.location !== undefined) d.location = location(o.location, `${path}.location`);
  return d;
}

/** Parses one line of the channel. Unknown message types are reported, never acted on. */
export function parseTraceLine(line: string): { ok: true; msg: TraceMessage } | { ok: false; reason: string } {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch (e) {
    return { ok: false, reason: `not JSON: ${(e as Error).message}` };
  }
  try {
    const o = obj(v, 'message');
    switch (o.t) {
      case 'hello':
        return {
          ok: true,
          msg: {
            t: 'hello', protocol: int(o.protocol, 'hello.protocol'), torch: str(o.torch, 'hello.torch', 200),
            python: str(o.python, 'hello.python', 200), executable: str(o.executable, 'hello.executable', 4096),
            script: str(o.script, 'hello.script', 4096),
            argv: Array.isArray(o.argv) ? o.argv.map((a, i) => str(a, `hello.argv[${i}]`)) : [],
            cwd: str(o.cwd, 'hello.cwd', 4096), every: int(o.every, 'hello.every', 1), pid: int(o.pid, 'hello.pid'),
          },
        };
      case 'step': {
        const r = parseStepRecord(o.record, 'step.record');
        return { ok: true, msg: { t: 'step', ...r } };
      }
      case 'optimizer': {
        const args: Record<string, number | boolean> = {};
        for (const [k, x] of Object.entries(obj(o.args ?? {}, 'optimizer.args'))) if (typeof x === 'number' || typeof x === 'boolean') args[k] = x;
        return { ok: true, msg: { t: 'optimizer', type: str(o.type, 'optimizer.type', 200), args } };
      }
      case 'diagnosis':
        return { ok: true, msg: { t: 'diagnosis', diagnosis: parseDiagnosis(o.diagnosis) } };
      case 'progress':
        return { ok: true, msg: { t: 'progress', step: int(o.step, 'progress.step') } };
      case 'warning':
        return { ok: true, msg: { t: 'warning', message: str(o.message, 'warning.message') } };
      case 'fatal': {
        const kind = o.kind as FatalKind;
        if (!['no-torch', 'no-script', 'usage'].includes(kind)) fail('fatal.kind', 'unknown');
        return { ok: true, msg: { t: 'fatal', kind, message: str(o.message, 'fatal.message') } };
      }
      case 'end': {
        const status = o.status as EndMessage['status'];
        if (!['ok', 'error', 'stopped'].includes(status)) fail('end.status', 'expected ok, error or stopped');
        const m: EndMessage = { t: 'end', status, exitCode: num(o.exitCode, 'end.exitCode'), steps: int(o.steps, 'end.steps') };
        if (o.error !== undefined) {
          const e = obj(o.error, 'end.error');
          m.error = { type: str(e.type, 'end.error.type', 500), message: str(e.message, 'end.error.message') };
          if (e.location) m.error.location = location(e.location, 'end.error.location');
          if (typeof e.traceback === 'string') m.error.traceback = e.traceback;
        }
        return { ok: true, msg: m };
      }
      default:
        return { ok: false, reason: `unknown message type ${JSON.stringify(String(o.t)).slice(0, 40)}` };
    }
  } catch (e) {
    if (e instanceof Invalid) return { ok: false, reason: e.message };
    throw e;
  }
}
