/**
 * Step summaries as the columns of a `steps` message (see StepsMessage in protocol.ts), and back. Pure: used
 * by the extension's panel channel, the recording and benchmark scripts, and the tests. No vscode import.
 */
import type { StepSummary } from './experiment/records';
import type { ParamColumns, StepsMessage } from './protocol';

/**
 * Rows per message when the host sends a whole history (a panel opened or reloaded on a long run): columns of
 * 10 000 rows are about 1.5 MB of JSON, so no single message is huge.
 */
export const SNAPSHOT_CHUNK = 10_000;

export interface StepsMessageOptions {
  replace?: boolean;
  more?: boolean;
}

/** A `steps` message for `steps[from, to)`. Non-finite numbers are kept as they are (JSON makes them null). */
export function stepsMessage(runId: string, steps: readonly StepSummary[], opts: StepsMessageOptions = {}, from = 0, to = steps.length): StepsMessage {
  const count = Math.max(0, to - from);
  const epoch = new Array<number>(count);
  const batch = new Array<number>(count);
  const loss = new Array<number | null>(count);
  let consecutive = true;
  const first = count ? steps[from].step : 0;
  // Columns per param, created when a param is first seen; rows before that (and rows without it) stay null.
  const params: Record<string, ParamColumns> = {};
  const nulls = () => new Array<number | null>(count).fill(null);
  for (let i = 0; i < count; i++) {
    const s = steps[from + i];
    if (s.step !== first + i) consecutive = false;
    epoch[i] = s.epoch;
    batch[i] = s.batch;
    loss[i] = s.loss;
    for (const name in s.params) {
      const p = s.params[name];
      let c = params[name];
      if (!c) c = params[name] = { values: [], gradNorm: nulls(), updateNorm: nulls(), norm: nulls() };
      const vals = p.values;
      for (let k = 0; k < vals.length; k++) {
        if (!c.values[k]) c.values[k] = nulls();
        c.values[k][i] = vals[k];
      }
      c.gradNorm[i] = p.gradNorm;
      c.updateNorm[i] = p.updateNorm;
      c.norm[i] = p.norm;
    }
  }
  const m: StepsMessage = { type: 'steps', runId, first, count, epoch, batch, loss, params };
  if (!consecutive) m.step = Array.from({ length: count }, (_, i) => steps[from + i].step);
  if (opts.replace) m.replace = true;
  if (opts.more) m.more = true;
  return m;
}

/**
 * The whole history as `replace` + chunks of SNAPSHOT_CHUNK rows; every chunk but the last says `more`.
 * An empty history is one empty `replace` message (the panel then clears its charts).
 */
export function snapshotMessages(runId: string, steps: readonly StepSummary[], chunk = SNAPSHOT_CHUNK): StepsMessage[] {
  const out: StepsMessage[] = [];
  for (let i = 0; i === 0 || i < steps.length; i += chunk) {
    const end = Math.min(steps.length, i + chunk);
    out.push(stepsMessage(runId, steps, { replace: i === 0, more: end < steps.length }, i, end));
  }
  return out;
}

/** Step number of row `i` of a steps message. */
export function stepOfRow(m: Pick<StepsMessage, 'first' | 'step'>, i: number): number {
  return m.step ? m.step[i] : m.first + i;
}

/**
 * The rows of a steps message as StepSummary objects, for readers of posted messages (tests, scripts). null
 * stays null; a param whose columns are all null in a row is left out of that row (the row did not have it).
 */
export function summariesOf(m: StepsMessage): StepSummary[] {
  const out: StepSummary[] = [];
  for (let i = 0; i < m.count; i++) {
    const params: StepSummary['params'] = {};
    for (const [name, c] of Object.entries(m.params)) {
      const values = c.values.map((col) => col[i]);
      if (values.every((v) => v === null) && c.gradNorm[i] === null && c.updateNorm[i] === null && c.norm[i] === null) continue;
      params[name] = { values: values as number[], gradNorm: c.gradNorm[i] as number, updateNorm: c.updateNorm[i] as number, norm: c.norm[i] as number };
    }
    out.push({ step: stepOfRow(m, i), epoch: m.epoch[i], batch: m.batch[i], loss: m.loss[i] as number, params });
  }
  return out;
}
