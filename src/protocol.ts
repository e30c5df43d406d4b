/**
 * Every message between the extension host and the panel webview, one discriminated union per direction.
 * Both sides import these types; the host validates every incoming message with `parseWebviewMessage`
 * before it acts on it, and the webview checks `type` before it reads a host message.
 *
 * Flow: the host sends `run` once, then `steps` batches (at most `streamHz` posts a second), `diagnostics`
 * whenever the set changes, and `status` on every state change. The webview asks for the full record of the
 * step it shows with `requestStep`; the host answers `stepDetail`.
 *
 * Step history travels as columns (`StepsMessage`), not as one object per step: a panel opened on a
 * 100 000-step run receives a few arrays of numbers instead of half a million small objects, and checks and
 * stores them array by array. src/stepColumns.ts builds them from `StepSummary[]`.
 *
 * VS Code JSON-serializes every message, so a non-finite number (a diverged loss) arrives as `null`: every
 * measured value below is typed `number | null`, and the panel draws null as a gap.
 */
import type { Diagnosis, StepRecord, WhatIf } from './experiment/records';

export type RunState = 'idle' | 'running' | 'paused' | 'done' | 'stopped' | 'diverged' | 'error';

/** What the panel needs to know about a run before its first step arrives. */
export interface RunInfo {
  id: string;
  name: string;
  /** `experiment`: trained by the TypeScript core; `trace`: recorded from a real PyTorch script. */
  source: 'experiment' | 'trace';
  /** The experiment spec as JSON (experiments only), so a reloaded panel can re-run it. */
  spec?: unknown;
  /** Path of the traced script (traces only). */
  script?: string;
  dtype: string;
  /** Parameter names with their shapes, e.g. `{ "layer1.weight": [1, 2] }`. */
  params: Record<string, number[]>;
  /** Known true values to draw beside the weights, e.g. `{ "layer1.weight": [5, 3] }`. */
  trueValues?: Record<string, number[]>;
  optimizer: { type: string; args: Record<string, number | boolean> };
  loss?: { type: string; reduction: string };
  /** Planned number of steps (0 when unknown, e.g. a traced script). */
  totalSteps: number;
  /** Variance of the whole target, for the plateau line on the loss chart. */
  targetVar?: number;
}

// ---------------------------------------------------------------------------------------------------------
// Host → webview
// ---------------------------------------------------------------------------------------------------------

/** A new run is shown: clears the panel. */
export interface RunMessage {
  type: 'run';
  run: RunInfo;
}

/**
 * A batch of `count` steps (rows), in order, appended to the charts, as columns: every array below holds
 * exactly `count` entries, entry i belonging to row i. The same information as `count` StepSummary objects.
 */
export interface StepsMessage {
  type: 'steps';
  runId: string;
  /** The history restarts with these rows (a reset, or the first chunk of a snapshot of the whole run). */
  replace?: boolean;
  /**
   * More chunks of the same snapshot follow at once (a panel opened or reloaded on a long run gets the history
   * in several messages): the panel waits for the last chunk, the one without `more`, before drawing charts.
   */
  more?: boolean;
  /** Step number (1-based) of row 0. */
  first: number;
  /** Number of rows; 0 is a valid (empty) batch, e.g. the snapshot of a run that has not started. */
  count: number;
  /**
   * Step number of each row, present only when the rows are not the consecutive steps first, first + 1, …
   * (a traced script whose steps skip numbers). Strictly increasing.
   */
  step?: number[];
  /** 0-based epoch of each row. */
  epoch: number[];
  /** 0-based batch within its epoch, per row. */
  batch: number[];
  /** Loss per row, taken at the weights before that step's update. */
  loss: (number | null)[];
  /** Per parameter name; a row of a step that did not have the parameter holds null in all its columns. */
  params: Record<string, ParamColumns>;
}

/** One parameter's columns in a `steps` message, each of `count` entries. */
export interface ParamColumns {
  /**
   * `values[k][i]`: entry k (row-major, flattened) of the parameter's value after row i's step. Only the first
   * few entries (SUMMARY_VALUES in experiment/records.ts) are sent, what the weights chart draws; a row with
   * fewer entries than the widest one holds null.
   */
  values: (number | null)[][];
  /** L2 norm of the gradient used by row i's step. */
  gradNorm: (number | null)[];
  /** L2 norm of row i's update (value after − value before). */
  updateNorm: (number | null)[];
  /** L2 norm of the value after row i's step. */
  norm: (number | null)[];
}

/** The full record of one step, in answer to `requestStep` or pushed for the latest step when the user follows it. */
export interface StepDetailMessage {
  type: 'stepDetail';
  runId: string;
  record: StepRecord;
  /** False when the step is older than the kept full history and the record holds only scalars. */
  complete: boolean;
}

/** The full, current set of diagnoses of the run, newest first. */
export interface DiagnosticsMessage {
  type: 'diagnostics';
  runId: string;
  diagnostics: Diagnosis[];
}

/** The run's state changed. */
export interface StatusMessage {
  type: 'status';
  runId: string;
  state: RunState;
  step: number;
  totalSteps: number;
  message?: string;
}

/** A what-if run finished: overlay its loss curve. */
export interface WhatIfMessage {
  type: 'whatIf';
  runId: string;
  whatIf: WhatIf;
}

/** Highlight op `opIndex` of the shown step (the user selected it in the Tensor Shapes tree). */
export interface HighlightMessage {
  type: 'highlight';
  runId: string;
  step: number;
  opIndex: number;
}

/** Something failed in the host; shown as a banner. */
export interface ErrorMessage {
  type: 'error';
  message: string;
}

export type HostMessage =
  | RunMessage
  | StepsMessage
  | StepDetailMessage
  | DiagnosticsMessage
  | StatusMessage
  | WhatIfMessage
  | HighlightMessage
  | ErrorMessage;

// ---------------------------------------------------------------------------------------------------------
// Webview → host
// ---------------------------------------------------------------------------------------------------------

/** The webview has loaded and wants the current run (also sent after a reload). */
export interface ReadyMessage {
  type: 'ready';
  /** The run the webview still shows from its saved state, if any. */
  restoredRunId?: string;
}

/** Send the full record of step `step` (1-based). */
export interface RequestStepMessage {
  type: 'requestStep';
  runId: string;
  step: number;
}

/** A run control pressed in the panel. */
export interface ControlMessage {
  type: 'control';
  runId: string;
  action: ControlAction;
}
export type ControlAction = 'pause' | 'resume' | 'step' | 'stepEpoch' | 'reset' | 'stop';
export const CONTROL_ACTIONS: readonly ControlAction[] = ['pause', 'resume', 'step', 'stepEpoch', 'reset', 'stop'];

/** Run the spec again with the fix of diagnosis `code` applied, and overlay the result. */
export interface RunWhatIfMessage {
  type: 'runWhatIf';
  runId: string;
  code: string;
}

/** The user moved the stepper to `step`: the tree follows. */
export interface SelectStepMessage {
  type: 'selectStep';
  runId: string;
  step: number;
}

/** The user clicked a source location of a traced op: reveal it in an editor. */
export interface RevealSourceMessage {
  type: 'revealSource';
  file: string;
  line: number;
}

export type WebviewMessage =
  | ReadyMessage
  | RequestStepMessage
  | ControlMessage
  | RunWhatIfMessage
  | SelectStepMessage
  | RevealSourceMessage;

/** State the webview keeps with `setState`, so a reloaded panel can restore or re-run. */
export interface PanelState {
  runId?: string;
  run?: RunInfo;
  /** The step the stepper showed. */
  step?: number;
}

// ---------------------------------------------------------------------------------------------------------
// Validation of what the webview sends: nothing from it is trusted.
// ---------------------------------------------------------------------------------------------------------

const isStr = (v: unknown, max = 200): v is string => typeof v === 'string' && v.length > 0 && v.length <= max;
const isStep = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 1e9;

/** Returns the message when it is well-formed, else a reason. */
export function parseWebviewMessage(m: unknown): { ok: true; msg: WebviewMessage } | { ok: false; reason: string } {
  if (typeof m !== 'object' || m === null || Array.isArray(m)) return { ok: false, reason: 'message is not an object' };
  const o = m as Record<string, unknown>;
  switch (o.type) {
    case 'ready':
      if (o.restoredRunId !== undefined && !isStr(o.restoredRunId)) return { ok: false, reason: 'ready.restoredRunId must be a string' };
      return { ok: true, msg: { type: 'ready', restoredRunId: o.restoredRunId as string | undefined } };
    case 'requestStep':
    case 'selectStep':
      if (!isStr(o.runId)) return { ok: false, reason: `${o.type}.runId must be a non-empty string` };
      if (!isStep(o.step)) return { ok: false, reason: `${o.type}.step must be a non-negative integer` };
      return { ok: true, msg: { type: o.type, runId: o.runId, step: o.step } };
    case 'control':
      if (!isStr(o.runId)) return { ok: false, reason: 'control.runId must be a non-empty string' };
      if (!CONTROL_ACTIONS.includes(o.action as ControlAction)) return { ok: false, reason: `control.action must be one of ${CONTROL_ACTIONS.join(', ')}` };
      return { ok: true, msg: { type: 'control', runId: o.runId, action: o.action as ControlAction } };
    case 'runWhatIf':
      if (!isStr(o.runId)) return { ok: false, reason: 'runWhatIf.runId must be a non-empty string' };
      if (!isStr(o.code, 64)) return { ok: false, reason: 'runWhatIf.code must be a diagnosis code' };
      return { ok: true, msg: { type: 'runWhatIf', runId: o.runId, code: o.code } };
    case 'revealSource':
      if (!isStr(o.file, 4096)) return { ok: false, reason: 'revealSource.file must be a path' };
      if (!isStep(o.line) || (o.line as number) < 1) return { ok: false, reason: 'revealSource.line must be a positive integer' };
      return { ok: true, msg: { type: 'revealSource', file: o.file, line: o.line as number } };
    default:
      return { ok: false, reason: `unknown message type ${JSON.stringify(String(o.type)).slice(0, 40)}` };
  }
}
