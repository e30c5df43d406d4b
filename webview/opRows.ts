/**
 * What the shapes view says about each op: one line of text (`layer1: [100,2] → [100,1]`), whether it is
 * flagged, and the diagnosis that explains it. Pure, so node tests check the wording without a browser.
 */
import type { OpRecord } from '../src/core/trace';
import type { Diagnosis } from '../src/experiment/records';
import { shapeText } from './numberFormat';

export interface OpRow {
  index: number;
  text: string;
  /** The op name when `text` starts with a layer label instead. */
  opName?: string;
  flagged: boolean;
  severity?: Diagnosis['severity'];
  /** Why the row is flagged, from the matching diagnosis (or a plain default when none matches). */
  explanation?: string;
  fix?: string;
  diagnosis?: Diagnosis;
  source?: { file: string; line: number };
  args?: string;
  /** Messages of further diagnoses that point at this op. */
  also: string[];
}

export function opText(op: OpRecord): string {
  const named = (i: number) => {
    const name = op.inputNames?.[i];
    return name ? `${name} ${shapeText(op.inputs[i])}` : shapeText(op.inputs[i]);
  };
  let text: string;
  if (op.loss) {
    // A loss reduces to a scalar; the shape that matters is the one its elements were computed in: the
    // broadcast shape, or (no broadcast) the inputs' own shape.
    const elementShape = op.broadcast?.shape ?? op.inputs[0] ?? op.output;
    text = `${op.op} ${op.inputs.map((_, i) => named(i)).join(', ')} → ${shapeText(elementShape)}`;
  } else if (op.label && op.label !== op.op) {
    text = `${op.label}: ${op.inputs.length ? shapeText(op.inputs[0]) : '()'} → ${shapeText(op.output)}`;
  } else {
    text = `${op.op} ${op.inputs.map((_, i) => (op.inputs.length > 1 ? named(i) : shapeText(op.inputs[i]))).join(', ')} → ${shapeText(op.output)}`;
  }
  if (op.discarded) text += ' (result discarded)';
  return text;
}

function argsText(args: OpRecord['args']): string | undefined {
  if (!args) return undefined;
  const parts = Object.entries(args).map(([k, v]) => `${k}=${Array.isArray(v) ? shapeText(v) : String(v)}`);
  return parts.length ? parts.join(', ') : undefined;
}

const RANK: Record<Diagnosis['severity'], number> = { error: 0, warning: 1, info: 2 };

/** A diagnosis message without its trailing "Fix: …" sentence: the fix is shown on its own line. */
export function messageWithoutFix(d: Diagnosis): string {
  return d.fix ? d.message.replace(/\s*Fix: [^]*$/, '') : d.message;
}

/**
 * Rows for `ops`; a row is flagged when it is a broadcasting loss or a diagnosis points at it. The row's
 * explanation comes from the diagnosis that names what the row shows (the broadcast for a broadcasting loss,
 * the discarded result for a discarded op), then from the most severe other one pointing at it.
 */
export function opRows(ops: readonly OpRecord[], diagnoses: readonly Diagnosis[]): OpRow[] {
  return ops.map((op, index) => {
    const broadcastLoss = !!(op.loss && op.broadcast);
    const own = broadcastLoss ? 'loss-broadcast' : op.discarded ? 'discarded-result' : undefined;
    const pointing = diagnoses
      .filter((d) => d.opIndex === index || (d.opIndex === undefined && d.code === own))
      .sort((a, b) => Number(b.code === own) - Number(a.code === own) || RANK[a.severity] - RANK[b.severity]);
    const diagnosis: Diagnosis | undefined = pointing[0];
    const flagged = broadcastLoss || pointing.length > 0;
    const row: OpRow = {
      index,
      text: opText(op),
      opName: op.label && op.label !== op.op && !op.loss ? op.op : undefined,
      flagged,
      source: op.source,
      args: argsText(op.args),
      also: pointing.slice(1).map(messageWithoutFix),
    };
    if (flagged) {
      row.severity = pointing.reduce<Diagnosis['severity']>((s, d) => (RANK[d.severity] < RANK[s] ? d.severity : s), diagnosis?.severity ?? 'error');
      row.diagnosis = diagnosis;
      if (diagnosis) {
        row.explanation = messageWithoutFix(diagnosis);
        row.fix = diagnosis.fix?.description;
      } else {
        const [a, b] = op.inputs;
        row.explanation = `The loss compares ${shapeText(a ?? [])} with ${shapeText(b ?? [])}; they broadcast to ${shapeText(op.broadcast!.shape)}, so every prediction is compared with every target.`;
        row.fix = 'give prediction and target the same shape (e.g. squeeze the prediction to [N])';
      }
    }
    return row;
  });
}
