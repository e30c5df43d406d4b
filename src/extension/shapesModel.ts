/**
 * The Tensor Shapes tree as plain data: one node per op of a step's forward pass, each with its input and
 * output tensors, and a last node with the step's parameters. Built without vscode, so the tree view, the
 * test API (`shapesTree()`) and the unit tests all see the same nodes.
 */
import type { OpRecord } from '../core/trace';
import type { Diagnosis, ParamRecord, StepRecord } from '../experiment/records';

export interface ShapeLeaf {
  label: string;
  description?: string;
  tooltip?: string;
  /** Expanded along some dim by a broadcast. */
  expanded?: boolean;
}

export interface ShapeNode {
  label: string;
  description?: string;
  tooltip?: string;
  /** A loss that broadcast its inputs, or a result thrown away: drawn with a warning icon. */
  warning: boolean;
  /** Index of the op in the step's trace; undefined for the parameters node. */
  opIndex?: number;
  children: ShapeLeaf[];
}

export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

function fmtNum(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1e5 || a < 1e-3 ? v.toExponential(3) : Number(v.toPrecision(4)).toString();
}

function stats(values: readonly number[]): string {
  if (values.length === 0) return 'empty';
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  return `min ${fmtNum(min)} max ${fmtNum(max)} mean ${fmtNum(sum / values.length)}`;
}

/** "min … max … mean …" of a parameter's value, and of its grad. Thinned records say their stats are of a sample. */
export function paramStats(p: ParamRecord): { value: string; grad: string } {
  const sample = p.thinned ? ' (sample)' : '';
  return {
    value: stats(p.value) + sample,
    grad: p.grad ? stats(p.grad) + sample : 'no grad',
  };
}

function opLabel(op: OpRecord, index: number): string {
  return `${index}: ${op.label && op.label !== op.op ? `${op.label} · ` : ''}${op.op}`;
}

/** The parameter an op input is, e.g. input `weight` of op labelled `layer1` → `layer1.weight`. */
function paramOf(op: OpRecord, inputName: string | undefined, params: Record<string, ParamRecord>): string | undefined {
  if (!inputName) return undefined;
  const name = op.label ? `${op.label}.${inputName}` : inputName;
  return params[name] ? name : undefined;
}

function diagnosisFor(op: OpRecord, index: number, diagnoses: readonly Diagnosis[]): Diagnosis | undefined {
  const byIndex = diagnoses.find((d) => d.opIndex === index);
  if (byIndex) return byIndex;
  if (op.loss && op.broadcast) return diagnoses.find((d) => d.code === 'loss-broadcast');
  if (op.discarded) return diagnoses.find((d) => d.code === 'discarded-result');
  return undefined;
}

export function shapeNodes(record: StepRecord, diagnoses: readonly Diagnosis[]): ShapeNode[] {
  const nodes: ShapeNode[] = record.ops.map((op, index) => {
    const children: ShapeLeaf[] = op.inputs.map((shape, j) => {
      const name = op.inputNames?.[j];
      const param = paramOf(op, name, record.params);
      const expandedDims = op.broadcast?.expanded[j] ?? [];
      const parts = [fmtShape(shape)];
      if (op.dtype) parts.push(op.dtype);
      if (expandedDims.length) parts.push(`broadcast along dim ${expandedDims.join(', ')} to ${fmtShape(op.broadcast!.shape)}`);
      let tooltip: string | undefined;
      if (param) {
        const s = paramStats(record.params[param]);
        parts.push(`value ${s.value}`, `grad ${s.grad}`);
        tooltip = `${param}\nvalue: ${s.value}\ngrad: ${s.grad}`;
      }
      return { label: `in ${name ?? j}${param ? ` (${param})` : ''}`, description: parts.join(' · '), tooltip, expanded: expandedDims.length > 0 };
    });
    children.push({ label: 'out', description: [fmtShape(op.output), op.dtype].filter(Boolean).join(' · ') });
    const lossBroadcast = !!(op.loss && op.broadcast);
    const warning = lossBroadcast || !!op.discarded;
    const d = warning ? diagnosisFor(op, index, diagnoses) : undefined;
    const inShapes = op.inputs.map(fmtShape).join(', ');
    const notes: string[] = [];
    if (lossBroadcast) notes.push(`broadcast to ${fmtShape(op.broadcast!.shape)}`);
    if (op.discarded) notes.push('result discarded');
    const args = op.args ? Object.entries(op.args).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ') : '';
    const tooltipLines = [`${op.op}(${inShapes}) → ${fmtShape(op.output)}`];
    if (args) tooltipLines.push(args);
    if (op.source) tooltipLines.push(`${op.source.file}:${op.source.line}`);
    if (d) tooltipLines.unshift(d.message);
    else if (lossBroadcast) tooltipLines.unshift(`The loss broadcast its inputs to ${fmtShape(op.broadcast!.shape)}.`);
    else if (op.discarded) tooltipLines.unshift('This op ran but its result was thrown away.');
    return {
      label: opLabel(op, index),
      description: `${inShapes} → ${fmtShape(op.output)}${notes.length ? ` (${notes.join(', ')})` : ''}`,
      tooltip: tooltipLines.join('\n'),
      warning,
      opIndex: index,
      children,
    };
  });
  const names = Object.keys(record.params);
  if (names.length) {
    nodes.push({
      label: 'parameters',
      description: `step ${record.step}`,
      warning: false,
      children: names.map((n) => {
        const p = record.params[n];
        const s = paramStats(p);
        return { label: n, description: `${fmtShape(p.shape)} · value ${s.value} · grad ${s.grad}`, tooltip: `${n} ${fmtShape(p.shape)}\nvalue: ${s.value}\ngrad: ${s.grad}\n‖update‖ ${fmtNum(p.updateNorm)}` };
      }),
    });
  }
  return nodes;
}
