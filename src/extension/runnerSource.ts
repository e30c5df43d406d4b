/**
 * A RunSource over the TypeScript step runner: it turns the panel's controls into runner calls and the
 * runner's chunks into events. It keeps nothing of its own beyond a state override for "stopped".
 */
import type { ControlAction, RunInfo, RunState } from '../protocol';
import { CONTROL_ACTIONS } from '../protocol';
import { summarize, type Diagnosis, type StepRecord, type StepSummary, type WhatIf } from '../experiment/records';
import { SourceEvents, type Disposable, type RunSource, type RunSourceEvent } from './runSource';

/** The part of `Runner` (src/experiment/runner.ts) this adapter uses. */
export interface RunnerLike {
  readonly info: RunInfo;
  readonly state: RunState;
  readonly stepCount: number;
  readonly totalSteps: number;
  readonly stepsPerEpoch: number;
  readonly summaries: StepSummary[];
  step(): StepRecord | undefined;
  run(opts: { untilStep?: number; signal?: AbortSignal; chunkMs?: number; onChunk?: (s: StepSummary[]) => void }): Promise<unknown>;
  pause(): void;
  /** Ends the run for good (until a reset); absent on older runners, where aborting the run does it. */
  stop?(): void;
  reset(): void;
  record(step: number): { record: StepRecord; complete: boolean } | undefined;
  diagnostics(): Diagnosis[];
  whatIf(code: Diagnosis['code']): Promise<WhatIf | undefined>;
}

/** Diagnoses as a comparable key: the panel is told only when the set really changed. */
export function diagnosesKey(ds: readonly Diagnosis[]): string {
  return ds.map((d) => `${d.code}@${d.step}:${d.severity}:${d.message}`).join('|');
}

export class RunnerSource implements RunSource {
  readonly controls: readonly ControlAction[] = CONTROL_ACTIONS;
  private readonly events = new SourceEvents();
  private abort: AbortController | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private failure: string | undefined;
  private lastDiagKey = '';
  private disposed = false;

  constructor(
    readonly runner: RunnerLike,
    private readonly chunkMs = 30,
  ) {}

  get info(): RunInfo {
    return this.runner.info;
  }
  get state(): RunState {
    if (this.failure !== undefined) return 'error';
    if (this.running) return 'running';
    const s = this.runner.state;
    if (this.stopped && s !== 'done' && s !== 'diverged') return 'stopped';
    // Steps taken one by one leave the runner 'idle': to the user it is a paused run.
    if (s === 'running' || (s === 'idle' && this.stepCount > 0)) return 'paused';
    return s;
  }
  get stateMessage(): string | undefined {
    return this.failure;
  }
  get stepCount(): number {
    return this.runner.stepCount;
  }
  get totalSteps(): number {
    return this.runner.totalSteps;
  }
  get stepsPerEpoch(): number {
    return this.runner.stepsPerEpoch;
  }
  get summaries(): readonly StepSummary[] {
    return this.runner.summaries;
  }
  record(step: number) {
    return this.runner.record(step);
  }
  diagnostics(): Diagnosis[] {
    return this.runner.diagnostics();
  }
  whatIf(code: string): Promise<WhatIf | undefined> {
    return this.runner.whatIf(code as Diagnosis['code']);
  }
  onDidChange(listener: (e: RunSourceEvent) => void): Disposable {
    return this.events.on(listener);
  }

  /** Whether the run can make more steps. */
  get finished(): boolean {
    const s = this.state;
    return s === 'done' || s === 'diverged' || s === 'stopped' || (this.totalSteps > 0 && this.stepCount >= this.totalSteps);
  }

  async control(action: ControlAction): Promise<void> {
    if (this.disposed) return;
    if (action !== 'reset' && action !== 'stop' && this.failure !== undefined) return this.emitState();
    switch (action) {
      case 'resume':
        return this.start();
      case 'pause':
        if (this.running) {
          // The run yields at its next chunk and says 'paused' itself. Nothing more is done after the
          // wait: by then the user may have resumed, and that new run must not be paused.
          await this.halt();
          this.emitState(false);
          return;
        }
        if (!this.finished) this.runner.pause();
        this.emitState();
        return;
      case 'stop':
        // Stop is final until a reset; a run that ended on its own keeps its done/diverged state.
        if (this.finished && !this.running) return this.emitState();
        if (this.runner.stop) this.runner.stop();
        else this.abort?.abort();
        this.stopped = true;
        await this.settle();
        this.emitState();
        return;
      case 'step': {
        await this.halt();
        if (this.finished) return this.emitState();
        this.stopped = false;
        const rec = this.guard(() => this.runner.step());
        if (rec) this.events.emit({ kind: 'steps', steps: [summarize(rec)] });
        this.checkDiagnostics();
        this.emitState();
        return;
      }
      case 'stepEpoch': {
        await this.halt();
        if (this.finished) return this.emitState();
        const per = Math.max(1, this.stepsPerEpoch);
        // To the end of the current epoch; from an epoch boundary, one whole epoch.
        const until = (Math.floor(this.stepCount / per) + 1) * per;
        return this.start(Math.min(until, this.totalSteps || until));
      }
      case 'reset':
        await this.halt();
        this.stopped = false;
        this.failure = undefined;
        this.runner.reset();
        this.lastDiagKey = '';
        this.events.emit({ kind: 'reset' });
        this.checkDiagnostics(true);
        this.emitState();
        return;
    }
  }

  /** Starts (or resumes) the run in the background; resolves once it is running, not when it ends. */
  start(untilStep?: number): Promise<void> {
    if (this.disposed || this.running || this.finished) {
      this.emitState();
      return Promise.resolve();
    }
    this.stopped = false;
    this.failure = undefined;
    const abort = new AbortController();
    this.abort = abort;
    // The runner does its first chunk synchronously inside run(): the run must already count as running
    // (and say so) before that, or a control pressed during the first chunk would not see it.
    let settled!: () => void;
    this.running = new Promise<void>((r) => (settled = r));
    this.emitState();
    let run: Promise<unknown>;
    try {
      run = this.runner.run({
        untilStep,
        signal: abort.signal,
        chunkMs: this.chunkMs,
        onChunk: (steps) => {
          if (steps.length) this.events.emit({ kind: 'steps', steps: steps.slice() });
          this.checkDiagnostics();
        },
      });
    } catch (e) {
      run = Promise.reject(e);
    }
    run
      .catch((e: unknown) => {
        this.failure = e instanceof Error ? e.message : String(e);
      })
      .finally(() => {
        if (this.abort === abort) this.abort = undefined;
        this.running = undefined;
        this.checkDiagnostics();
        this.emitState();
        settled();
      });
    return Promise.resolve();
  }

  /** Resolves when the background run (if any) has ended. */
  whenSettled(): Promise<void> {
    return this.running ?? Promise.resolve();
  }

  /** Pauses a background run and waits for it to yield (the runner stops between chunks). */
  private async halt(): Promise<void> {
    if (!this.running) return;
    this.runner.pause();
    await this.settle();
  }

  private async settle(): Promise<void> {
    while (this.running) await this.running;
  }

  private guard<T>(fn: () => T): T | undefined {
    try {
      return fn();
    } catch (e) {
      this.failure = e instanceof Error ? e.message : String(e);
      return undefined;
    }
  }

  private checkDiagnostics(force = false): void {
    const key = diagnosesKey(this.runner.diagnostics());
    if (!force && key === this.lastDiagKey) return;
    this.lastDiagKey = key;
    this.events.emit({ kind: 'diagnostics' });
  }

  private lastState: RunState | undefined;

  /** `always` false: only when the state differs from the last one told (a step keeps 'paused' but moves). */
  private emitState(always = true): void {
    const state = this.state;
    if (!always && state === this.lastState) return;
    this.lastState = state;
    this.events.emit({ kind: 'state', state, message: this.stateMessage });
  }

  dispose(): void {
    if (this.disposed) return;
    if (this.runner.stop) this.runner.stop();
    else this.runner.pause();
    this.abort?.abort();
    this.disposed = true;
    this.events.clear();
  }
}
