/**
 * Checks every message from the host before the panel reads it. The host is trusted code, but a bug there
 * (or a stale panel talking to a newer host) must give a clear console warning, never a broken panel.
 * Checks go as deep as the renderers read, so a message that passes cannot throw in a renderer.
 */
import type { HostMessage, RunInfo } from '../src/protocol';
import type { Diagnosis, ParamRecord, StepRecord, WhatIf } from '../src/experiment/records';
import type { OpRecord } from '../src/core/trace';

type Check = string | null; // null = fine, else the reason

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNum = (v: unknown): v is number => typeof v === 'number';
/**
 * A measured value: a number, or null where JSON carried NaN/Infinity (JSON.stringify writes null for them,
 * and a diverging run or a traced script can produce them). The panel draws null as a gap and shows "—".
 */
const isVal = (v: unknown): v is number | null => typeof v === 'number' || v === null;
const isValArr = (v: unknown): v is (number | null)[] => Array.isArray(v) && v.every(isVal);
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
const isStr = (v: unknown): v is string => typeof v === 'string';
const isNumArr = (v: unknown): v is number[] => Array.isArray(v) && v.every(isNum);
const isShape = (v: unknown): v is number[] => Array.isArray(v) && v.length <= 16 && v.every((d) => isInt(d) && d >= 0);

function checkRecordOf(v: unknown, what: string, each: (x: unknown, key: string) => Check): Check {
  if (!isObj(v)) return `${what} must be an object`;
  for (const [k, x] of Object.entries(v)) {
    const r = each(x, k);
    if (r) return `${what}.${k}: ${r}`;
  }
  return null;
}

function checkRunInfo(v: unknown): Check {
  if (!isObj(v)) return 'run must be an object';
  if (!isStr(v.id) || v.id.length === 0) return 'run.id must be a non-empty string';
  if (!isStr(v.name)) return 'run.name must be a string';
  if (v.source !== 'experiment' && v.source !== 'trace') return 'run.source must be "experiment" or "trace"';
  const p = checkRecordOf(v.params, 'run.params', (s) => (isShape(s) ? null : 'must be a shape'));
  if (p) return p;
  if (v.trueValues !== undefined) {
    const t = checkRecordOf(v.trueValues, 'run.trueValues', (s) => (isNumArr(s) ? null : 'must be a number array'));
    if (t) return t;
  }
  if (!isObj(v.optimizer) || !isStr(v.optimizer.type)) return 'run.optimizer.type must be a string';
  const a = checkRecordOf(v.optimizer.args, 'run.optimizer.args', (x) => (isNum(x) || typeof x === 'boolean' ? null : 'must be a number or boolean'));
  if (a) return a;
  if (!isNum(v.totalSteps) || v.totalSteps < 0) return 'run.totalSteps must be a non-negative number';
  if (v.targetVar !== undefined && !isNum(v.targetVar)) return 'run.targetVar must be a number';
  if (v.dtype !== undefined && !isStr(v.dtype)) return 'run.dtype must be a string';
  return null;
}

/**
 * A column of `count` measured values (numbers, or null for NaN/Infinity). One tight loop per column: a
 * 100 000-row snapshot is checked in about a millisecond, and nothing in a column can break the history.
 */
function checkValColumn(v: unknown, count: number, what: string): Check {
  if (!Array.isArray(v)) return `${what} must be an array`;
  if (v.length !== count) return `${what} has ${v.length} entries, not count = ${count}`;
  for (let i = 0; i < count; i++) {
    const x = v[i];
    if (typeof x !== 'number' && x !== null) return `${what}[${i}] must be a number or null`;
  }
  return null;
}

function checkIntColumn(v: unknown, count: number, what: string): Check {
  if (!Array.isArray(v)) return `${what} must be an array`;
  if (v.length !== count) return `${what} has ${v.length} entries, not count = ${count}`;
  for (let i = 0; i < count; i++) if (!Number.isInteger(v[i])) return `${what}[${i}] must be an integer`;
  return null;
}

/** The columns of a `steps` message: types and lengths of whole arrays, no object per step. */
function checkStepColumns(m: Record<string, unknown>): Check {
  const count = m.count;
  if (!isInt(count) || count < 0) return 'steps.count must be a non-negative integer';
  if (!isInt(m.first) || m.first < 0) return 'steps.first must be a non-negative integer';
  if (m.replace !== undefined && typeof m.replace !== 'boolean') return 'steps.replace must be a boolean';
  if (m.more !== undefined && typeof m.more !== 'boolean') return 'steps.more must be a boolean';
  if (m.step !== undefined) {
    const r = checkIntColumn(m.step, count, 'steps.step');
    if (r) return r;
    const st = m.step as number[];
    if (count && st[0] !== m.first) return 'steps.step[0] must equal steps.first';
    for (let i = 1; i < count; i++) if (st[i] <= st[i - 1]) return `steps.step must increase (step[${i}] = ${st[i]} after ${st[i - 1]})`;
  }
  const r = checkIntColumn(m.epoch, count, 'steps.epoch') ?? checkIntColumn(m.batch, count, 'steps.batch') ?? checkValColumn(m.loss, count, 'steps.loss');
  if (r) return r;
  const params = m.params;
  if (!isObj(params)) return 'steps.params must be an object';
  for (const name in params) {
    const p = params[name];
    const what = `steps.params.${name}`;
    if (!isObj(p)) return `${what} must be an object`;
    if (!Array.isArray(p.values)) return `${what}.values must be an array of columns`;
    for (let k = 0; k < p.values.length; k++) {
      const c = checkValColumn(p.values[k], count, `${what}.values[${k}]`);
      if (c) return c;
    }
    const c = checkValColumn(p.gradNorm, count, `${what}.gradNorm`) ?? checkValColumn(p.updateNorm, count, `${what}.updateNorm`) ?? checkValColumn(p.norm, count, `${what}.norm`);
    if (c) return c;
  }
  return null;
}

function checkParamRecord(v: unknown): Check {
  if (!isObj(v)) return 'must be an object';
  if (!isShape(v.shape)) return 'shape must be a shape';
  if (!isValArr(v.value)) return 'value must be a number array';
  if (v.grad !== null && !isValArr(v.grad)) return 'grad must be a number array or null';
  if (!isValArr(v.update)) return 'update must be a number array';
  const s = checkRecordOf(v.state, 'state', (x) => (isVal(x) || isValArr(x) ? null : 'must be a number or number array'));
  if (s) return s;
  if (!isVal(v.norm) || !isVal(v.gradNorm) || !isVal(v.updateNorm)) return 'norm, gradNorm and updateNorm must be numbers';
  return null;
}

function checkOp(v: unknown): Check {
  if (!isObj(v)) return 'must be an object';
  if (!isStr(v.op)) return 'op must be a string';
  if (v.label !== undefined && !isStr(v.label)) return 'label must be a string';
  if (!Array.isArray(v.inputs) || !v.inputs.every(isShape)) return 'inputs must be a list of shapes';
  if (v.inputNames !== undefined && (!Array.isArray(v.inputNames) || !v.inputNames.every(isStr))) return 'inputNames must be strings';
  if (!isShape(v.output)) return 'output must be a shape';
  if (v.broadcast !== undefined) {
    if (!isObj(v.broadcast) || !isShape(v.broadcast.shape)) return 'broadcast.shape must be a shape';
    if (!Array.isArray(v.broadcast.expanded) || !v.broadcast.expanded.every(isNumArr)) return 'broadcast.expanded must be lists of dims';
  }
  if (v.args !== undefined && !isObj(v.args)) return 'args must be an object';
  if (v.source !== undefined && (!isObj(v.source) || !isStr(v.source.file) || !isInt(v.source.line))) return 'source must be { file, line }';
  return null;
}

function checkStepRecord(v: unknown): Check {
  if (!isObj(v)) return 'record must be an object';
  if (!isInt(v.step) || v.step < 0) return 'record.step must be a non-negative integer';
  if (!isVal(v.loss) || !isNum(v.epoch) || !isNum(v.batch)) return 'record.loss, epoch and batch must be numbers';
  const p = checkRecordOf(v.params, 'record.params', checkParamRecord);
  if (p) return p;
  if (!Array.isArray(v.ops)) return 'record.ops must be an array';
  for (let i = 0; i < v.ops.length; i++) {
    const r = checkOp(v.ops[i]);
    if (r) return `record.ops[${i}]: ${r}`;
  }
  return null;
}

const SEVERITIES = ['error', 'warning', 'info'];

function checkDiagnosis(v: unknown): Check {
  if (!isObj(v)) return 'must be an object';
  if (!isStr(v.code)) return 'code must be a string';
  if (!SEVERITIES.includes(v.severity as string)) return 'severity must be error, warning or info';
  if (!isInt(v.step)) return 'step must be an integer';
  if (!isStr(v.message)) return 'message must be a string';
  if (v.fix !== undefined && (!isObj(v.fix) || !isStr(v.fix.description) || (v.fix.specFix !== undefined && !isStr(v.fix.specFix))))
    return 'fix must be { description, specFix? }';
  if (v.opIndex !== undefined && !isInt(v.opIndex)) return 'opIndex must be an integer';
  if (v.location !== undefined && (!isObj(v.location) || !isStr(v.location.file) || !isInt(v.location.line))) return 'location must be { file, line }';
  return null;
}

function checkWhatIf(v: unknown): Check {
  if (!isObj(v)) return 'whatIf must be an object';
  if (!isStr(v.code) || !isStr(v.fix)) return 'whatIf.code and whatIf.fix must be strings';
  if (!isVal(v.originalFinalLoss) || !isVal(v.fixedFinalLoss)) return 'whatIf final losses must be numbers';
  if (!Array.isArray(v.losses) || !v.losses.every((p) => Array.isArray(p) && p.length === 2 && isNum(p[0]) && isVal(p[1])))
    return 'whatIf.losses must be [step, loss] pairs';
  return null;
}

function checkRunId(o: Record<string, unknown>): Check {
  return isStr(o.runId) && o.runId.length > 0 ? null : `${String(o.type)}.runId must be a non-empty string`;
}

export type ParsedHostMessage = { ok: true; msg: HostMessage } | { ok: false; reason: string };

export function parseHostMessage(m: unknown): ParsedHostMessage {
  if (!isObj(m)) return { ok: false, reason: 'message is not an object' };
  let reason: Check;
  switch (m.type) {
    case 'run':
      reason = checkRunInfo(m.run);
      break;
    case 'steps':
      reason = checkRunId(m) ?? checkStepColumns(m);
      break;
    case 'stepDetail':
      reason = checkRunId(m) ?? checkStepRecord(m.record);
      if (!reason && typeof m.complete !== 'boolean') reason = 'stepDetail.complete must be a boolean';
      break;
    case 'diagnostics':
      reason = checkRunId(m);
      if (!reason && !Array.isArray(m.diagnostics)) reason = 'diagnostics.diagnostics must be an array';
      if (!reason) {
        const ds = m.diagnostics as unknown[];
        for (let i = 0; i < ds.length && !reason; i++) {
          const r = checkDiagnosis(ds[i]);
          if (r) reason = `diagnostics[${i}]: ${r}`;
        }
      }
      break;
    case 'status':
      reason = checkRunId(m);
      if (!reason && !isStr(m.state)) reason = 'status.state must be a string';
      if (!reason && (!isNum(m.step) || !isNum(m.totalSteps))) reason = 'status.step and totalSteps must be numbers';
      if (!reason && m.message !== undefined && !isStr(m.message)) reason = 'status.message must be a string';
      break;
    case 'whatIf':
      reason = checkRunId(m) ?? checkWhatIf(m.whatIf);
      break;
    case 'highlight':
      reason = checkRunId(m);
      if (!reason && (!isInt(m.step) || !isInt(m.opIndex))) reason = 'highlight.step and opIndex must be integers';
      break;
    case 'error':
      reason = isStr(m.message) ? null : 'error.message must be a string';
      break;
    default:
      reason = `unknown message type ${JSON.stringify(String(m.type)).slice(0, 40)}`;
  }
  return reason ? { ok: false, reason } : { ok: true, msg: m as unknown as HostMessage };
}

