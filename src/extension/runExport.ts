/**
 * What "Export Run" writes: a CSV of every step's scalars (one row per step, for a spreadsheet or pandas)
 * or a JSON of everything kept (run info, diagnoses, every summary and the full records still held).
 */
import type { RunSource } from './runSource';
import type { StepRecord, StepSummary } from '../experiment/records';

function csvField(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Full float64 precision; NaN and ±Infinity as Python's float() reads them. */
function num(v: number | undefined): string {
  if (v === undefined) return '';
  if (Number.isNaN(v)) return 'nan';
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  return String(v);
}

/** Columns: step, epoch, batch, loss, then per parameter its first values, norm, grad norm and update norm. */
export function runToCsv(summaries: readonly StepSummary[], params: Record<string, number[]>): string {
  const names = Object.keys(params);
  // How many leading values each parameter's summary holds (a summary keeps only the first few).
  const widths = names.map((n) => summaries.reduce((w, s) => Math.max(w, s.params[n]?.values.length ?? 0), 0));
  const header = ['step', 'epoch', 'batch', 'loss'];
  names.forEach((n, k) => {
    for (let j = 0; j < widths[k]; j++) header.push(`${n}[${j}]`);
    header.push(`${n}.norm`, `${n}.gradNorm`, `${n}.updateNorm`);
  });
  const lines = [header.map(csvField).join(',')];
  for (const s of summaries) {
    const row = [String(s.step), String(s.epoch), String(s.batch), num(s.loss)];
    names.forEach((n, k) => {
      const p = s.params[n];
      for (let j = 0; j < widths[k]; j++) row.push(num(p?.values[j]));
      row.push(num(p?.norm), num(p?.gradNorm), num(p?.updateNorm));
    });
    lines.push(row.join(','));
  }
  return lines.join('\n') + '\n';
}

export interface RunExport {
  format: 'gradient-debugger-run';
  version: 1;
  run: RunSource['info'];
  state: RunSource['state'];
  steps: number;
  diagnostics: ReturnType<RunSource['diagnostics']>;
  summaries: readonly StepSummary[];
  /** The full records still kept (the newest ones; older steps keep only their summary). */
  records: StepRecord[];
}

export function runToExport(source: RunSource): RunExport {
  const records: StepRecord[] = [];
  for (let step = 1; step <= source.stepCount; step++) {
    const r = source.record(step);
    if (r?.complete) records.push(r.record);
  }
  return {
    format: 'gradient-debugger-run',
    version: 1,
    run: source.info,
    state: source.state,
    steps: source.stepCount,
    diagnostics: source.diagnostics(),
    summaries: source.summaries,
    records,
  };
}

/** JSON has no NaN or Infinity: they are written as the strings "NaN", "Infinity", "-Infinity" so nothing is lost. */
export function runToJson(source: RunSource): string {
  return JSON.stringify(
    runToExport(source),
    (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v),
    1,
  );
}
