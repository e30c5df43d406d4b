/**
 * What the panel, the trees and the status bar show: a run, whoever produces it. The TypeScript runner is
 * one producer (runnerSource.ts); a traced PyTorch script is another (src/extension/trace). No vscode
 * import here, so both implementations and the unit tests can use it as is.
 */
import type { ControlAction, RunInfo, RunState } from '../protocol';
import type { Diagnosis, StepRecord, StepSummary, WhatIf } from '../experiment/records';

/** What a run source tells its listeners. */
export type RunSourceEvent =
  /** New steps, in order, following the ones already in `summaries`. */
  | { kind: 'steps'; steps: StepSummary[] }
  /** The history restarted (a reset): `summaries` is now whatever the source holds, usually empty. */
  | { kind: 'reset' }
  /** `state` (or its message) changed. */
  | { kind: 'state'; state: RunState; message?: string }
  /** `diagnostics()` may have changed. */
  | { kind: 'diagnostics' };

export interface Disposable {
  dispose(): void;
}

export interface RunSource {
  readonly info: RunInfo;
  readonly state: RunState;
  /** A short reason for the state, e.g. the error of an `error` run. */
  readonly stateMessage?: string;
  /** Steps done so far. */
  readonly stepCount: number;
  /** Planned steps, 0 when unknown (a traced script). */
  readonly totalSteps: number;
  /** Steps per epoch, 0 when unknown. */
  readonly stepsPerEpoch: number;
  /** Every step's scalars, oldest first. The source bounds everything else it keeps. */
  readonly summaries: readonly StepSummary[];
  /** The record of step `step` (1-based); `complete` is false when only its scalars are still kept. */
  record(step: number): { record: StepRecord; complete: boolean } | undefined;
  /** The current diagnoses, newest first. */
  diagnostics(): Diagnosis[];
  /** The controls this source can obey; the others are refused with a message. */
  readonly controls: readonly ControlAction[];
  /** Obeys a control; resolves when the action has been taken (for resume: when the run has started). */
  control(action: ControlAction): Promise<void>;
  /** Re-runs with the fix of diagnosis `code`; undefined when the source cannot (a trace) or knows no fix. */
  whatIf?(code: string): Promise<WhatIf | undefined>;
  onDidChange(listener: (e: RunSourceEvent) => void): Disposable;
  /** Stops whatever the source is doing and drops its listeners. */
  dispose(): void;
}

/** A tiny event emitter for sources, so implementations need no vscode import. */
export class SourceEvents {
  private listeners = new Set<(e: RunSourceEvent) => void>();

  on(listener: (e: RunSourceEvent) => void): Disposable {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  emit(e: RunSourceEvent): void {
    // A failing listener must not stop the run or the other listeners.
    for (const l of [...this.listeners]) {
      try {
        l(e);
      } catch (err) {
        console.error('gradient-debugger: run source listener failed', err);
      }
    }
  }

  clear(): void {
    this.listeners.clear();
  }
}
