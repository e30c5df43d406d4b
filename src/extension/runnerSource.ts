/**
 * A RunSource over the TypeScript step runner: it turns the panel's controls into runner calls and drives
 * the runner in short slices (RunnerSource.loop), each slice's steps becoming one event. It keeps nothing
 * of the run of its own beyond a state override for "stopped".
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
  /** One step without making its record object (the background loop reads summaries instead). */
  advance(): boolean;
  pause(): void;
  /** Ends the run for good (until a reset); absent on older runners, where aborting the run does it. */
  stop?(): void;
  reset(): void;
  record(step: number): { record: StepRecord; complete: boolean } | undefined;
  diagnostics(): Diagnosis[];
  whatIf(code: Diagnosis['code']): Promise<WhatIf | undefined>;
}

/** How a background run shares the extension host's one thread with everything else (see RunnerSource.loop). */
export interface Pacing {
  /** Steps are taken for this long at a time… */
  sliceMs: number;
  /** …then the host has at least this long to itself. */
  breatheMs: number;
}

/**
 * 12 ms of steps, 2 ms for the host: about 85 % of a core for training, and a control reaches the run within
 * a slice or two of VS Code delivering it.
 */
export const DEFAULT_PACING: Pacing = { sliceMs: 12, breatheMs: 2 };

/** A timer, not setImmediate: the event loop turns as often as pending I/O needs until it fires. */
function breathe(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Diagnoses as a comparable key: the panel is told only when the set really changed. */
export function diagnosesKey(ds: readonly Diagnosis[]): string {
  return ds.map((d) => `${d.code}@${d.step}:${d.severity}:${d.message}`).join('|');
}

export class RunnerSource implements RunSource {
  readonly controls: readonly ControlAction[] = CONTROL_ACTIONS;
  private readonly events = new SourceEvents();
  /** The background run's ticket: halting it ends that run after its current slice. */
  private ticket: { halted: boolean } | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private failure: string | undefined;
  private lastDiagKey = '';
  private disposed = false;

  private readonly pacing: Pacing;

  /** `sliceMs`: how long the runner works between breaths (tests pass 1 to get many small slices). */
  constructor(
    readonly runner: RunnerLike,
    sliceMs: number = DEFAULT_PACING.sliceMs,
    breatheMs: number = DEFAULT_PACING.breatheMs,
  ) {
    this.pacing = { sliceMs: Math.max(0, sliceMs), breatheMs: Math.max(0, breatheMs) };
  }

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
          // The run ends after its current slice and says 'paused' itself. Nothing more is done after the
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
        if (this.ticket) this.ticket.halted = true;
        if (this.runner.stop) this.runner.stop();
        else this.runner.pause();
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
    // One token per background run: a halt asked of this run cannot reach a run resumed after it.
    const ticket = { halted: false };
    this.ticket = ticket;
    // Running (and saying so) before the first step, so a control pressed at once sees it.
    this.running = this.loop(Math.min(untilStep ?? this.totalSteps, this.totalSteps), ticket)
      .catch((e: unknown) => {
        this.failure = e instanceof Error ? e.message : String(e);
      })
      .finally(() => {
        if (this.ticket === ticket) this.ticket = undefined;
        this.running = undefined;
        this.checkDiagnostics();
        this.emitState();
      });
    this.emitState();
    return Promise.resolve();
  }

  /**
   * The background run: steps for `sliceMs`, then a timer of `breatheMs` before the next slice. Not
   * `runner.run()`, which yields with setImmediate: that gives the extension host exactly one event-loop turn
   * per chunk, while every message VS Code delivers to or from the host crosses several turns (socket read,
   * inflate and deflate on the thread pool, one at a time per message, then the write). A palette command
   * then waited a whole chunk per turn behind the queued panel and tree traffic: Stop took seconds. A timer
   * lets the loop turn as often as it needs for `breatheMs`, so that traffic never queues up.
   */
  private async loop(until: number, ticket: { halted: boolean }): Promise<void> {
    const r = this.runner;
    // The first slice comes after a breath too: the new run's panel and tree messages leave first.
    await breathe(this.pacing.breatheMs);
    while (!ticket.halted && !this.disposed && r.stepCount < until && !this.runnerFinished()) {
      const t0 = performance.now();
      const first = r.summaries.length;
      do r.advance();
      while (r.stepCount < until && !this.runnerFinished() && performance.now() - t0 < this.pacing.sliceMs);
      const steps = r.summaries.slice(first);
      if (steps.length) this.events.emit({ kind: 'steps', steps });
      this.checkDiagnostics();
      if (ticket.halted || r.stepCount >= until || this.runnerFinished()) break;
      await breathe(this.pacing.breatheMs);
    }
  }

  /** The runner ended the run itself (last step, divergence) or was stopped. */
  private runnerFinished(): boolean {
    const s = this.runner.state;
    return s === 'done' || s === 'diverged' || s === 'stopped' || (this.totalSteps > 0 && this.runner.stepCount >= this.totalSteps);
  }

  /** Resolves when the background run (if any) has ended. */
  whenSettled(): Promise<void> {
    return this.running ?? Promise.resolve();
  }

  /** Ends a background run after its current slice and waits for that. */
  private async halt(): Promise<void> {
    if (!this.running) return;
    if (this.ticket) this.ticket.halted = true;
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
    if (this.ticket) this.ticket.halted = true;
    if (this.runner.stop) this.runner.stop();
    else this.runner.pause();
    this.disposed = true;
    this.events.clear();
  }
}
