/**
 * A RunSource fed from outside, step by step: for runs the extension does not compute itself (a traced
 * PyTorch script streams its records in). It keeps every step's summary and the full records of the
 * latest `maxRecordedSteps` steps only, like the runner, so memory stays bounded however long the script runs.
 */
import type { ControlAction, RunInfo, RunState } from '../protocol';
import { summarize, type Diagnosis, type StepRecord, type StepSummary } from '../experiment/records';
import { SourceEvents, type Disposable, type RunSource, type RunSourceEvent } from './runSource';
import { diagnosesKey } from './runnerSource';

export interface RecordedRunOptions {
  maxRecordedSteps?: number;
  /** Called for Stop (e.g. kill the traced process). Without it the run cannot be stopped from the panel. */
  onStop?: () => void | Promise<void>;
}

export class RecordedRunSource implements RunSource {
  readonly controls: readonly ControlAction[];
  readonly summaries: StepSummary[] = [];
  private readonly full = new Map<number, StepRecord>();
  private readonly events = new SourceEvents();
  private diags: Diagnosis[] = [];
  private diagKey = '';
  private currentState: RunState = 'running';
  private message: string | undefined;
  private readonly keep: number;

  constructor(
    readonly info: RunInfo,
    private readonly opts: RecordedRunOptions = {},
  ) {
    this.keep = Math.max(1, opts.maxRecordedSteps ?? 2000);
    this.controls = opts.onStop ? ['stop'] : [];
  }

  get state(): RunState {
    return this.currentState;
  }
  get stateMessage(): string | undefined {
    return this.message;
  }
  get stepCount(): number {
    return this.summaries.length;
  }
  get totalSteps(): number {
    return this.info.totalSteps;
  }
  get stepsPerEpoch(): number {
    return 0;
  }

  /** Adds the next step (its `step` must be stepCount + 1; others are refused so the history stays in order). */
  append(record: StepRecord): boolean {
    if (record.step !== this.summaries.length + 1) return false;
    this.summaries.push(summarize(record));
    this.full.set(record.step, record);
    this.full.delete(record.step - this.keep);
    this.events.emit({ kind: 'steps', steps: [this.summaries[this.summaries.length - 1]] });
    return true;
  }

  /** Replaces the diagnoses (newest first); listeners hear of it only when the set changed. */
  setDiagnostics(ds: Diagnosis[]): void {
    this.diags = ds.slice();
    const key = diagnosesKey(ds);
    if (key === this.diagKey) return;
    this.diagKey = key;
    this.events.emit({ kind: 'diagnostics' });
  }

  setState(state: RunState, message?: string): void {
    if (state === this.currentState && message === this.message) return;
    this.currentState = state;
    this.message = message;
    this.events.emit({ kind: 'state', state, message });
  }

  record(step: number): { record: StepRecord; complete: boolean } | undefined {
    const r = this.full.get(step);
    if (r) return { record: r, complete: true };
    const s = this.summaries[step - 1];
    if (!s) return undefined;
    const params: StepRecord['params'] = {};
    for (const [name, p] of Object.entries(s.params))
      params[name] = { shape: [], value: p.values, grad: null, state: {}, update: [], norm: p.norm, gradNorm: p.gradNorm, updateNorm: p.updateNorm, thinned: true };
    return { record: { step: s.step, epoch: s.epoch, batch: s.batch, loss: s.loss, params, ops: [] }, complete: false };
  }

  diagnostics(): Diagnosis[] {
    return this.diags.slice();
  }

  async control(action: ControlAction): Promise<void> {
    if (action === 'stop' && this.opts.onStop && this.currentState === 'running') {
      await this.opts.onStop();
      this.setState('stopped');
    }
  }

  onDidChange(listener: (e: RunSourceEvent) => void): Disposable {
    return this.events.on(listener);
  }

  dispose(): void {
    if (this.currentState === 'running') void this.opts.onStop?.();
    this.events.clear();
  }
}
