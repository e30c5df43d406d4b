/**
 * A traced PyTorch script as a run the panel, the trees and the CLI can show: it owns the Python process and
 * turns the trace channel into StepSummaries, StepRecords and Diagnoses, bounded like the runner's history.
 */
import { basename } from 'node:path';
import type { ControlAction, RunInfo, RunState } from '../protocol';
import { summarize, type Diagnosis, type StepRecord, type StepSummary } from '../experiment/records';
import type { OpRecord } from '../core/trace';
import { indexOfSorted } from '../sortedSearch';
import { SourceEvents, type Disposable, type RunSource, type RunSourceEvent } from '../extension/runSource';
import type { EndMessage, HelloMessage, TraceMessage } from './messages';
import { TraceProcess, type TraceExit, type TraceProcessOptions } from './traceProcess';
import { noPython } from './python';

export interface TracedRunOptions extends TraceProcessOptions {
  /** Full records kept for the most recent steps; older ones keep only their scalars. */
  maxRecordedSteps?: number;
  /** Where the python path came from, for the "not found" message. */
  pythonFrom?: string;
  id?: string;
}

export interface TraceOutcome {
  state: RunState;
  message?: string;
  exit: TraceExit;
  end?: EndMessage;
}

let counter = 0;

export class TracedRun implements RunSource {
  readonly info: RunInfo;
  readonly controls: readonly ControlAction[] = process.platform === 'win32' ? ['stop'] : ['pause', 'resume', 'stop'];
  readonly totalSteps = 0;
  readonly stepsPerEpoch = 0;
  readonly summaries: StepSummary[] = [];
  hello: HelloMessage | undefined;
  end: EndMessage | undefined;
  /** Messages about the trace itself (tracer warnings, invalid lines), for a log. */
  readonly notes: string[] = [];
  readonly done: Promise<TraceOutcome>;
  private readonly proc: TraceProcess;
  private readonly events = new SourceEvents();
  private readonly outputListeners = new Set<(stream: 'stdout' | 'stderr', text: string) => void>();
  private readonly full = new Map<number, StepRecord>();
  private readonly maxFull: number;
  private diags: Diagnosis[] = [];
  private lastOps: OpRecord[] = [];
  private _state: RunState = 'idle';
  private _message: string | undefined;
  private _stepCount = 0;
  private pending: StepSummary[] = [];
  private flushQueued = false;
  private fatal: string | undefined;
  private resolveDone!: (o: TraceOutcome) => void;

  constructor(private readonly options: TracedRunOptions) {
    this.maxFull = Math.max(1, options.maxRecordedSteps ?? 2000);
    this.info = {
      id: options.id ?? `trace-${Date.now().toString(36)}-${++counter}`,
      name: basename(options.script),
      source: 'trace',
      script: options.script,
      dtype: 'float32',
      params: {},
      optimizer: { type: 'unknown', args: {} },
      totalSteps: 0,
    };
    this.done = new Promise((r) => (this.resolveDone = r));
    this.proc = new TraceProcess(options, {
      message: (m) => this.onMessage(m),
      output: (s, t) => {
        for (const l of [...this.outputListeners]) l(s, t);
      },
      invalid: (reason) => this.note(`invalid trace line ignored: ${reason}`),
      exit: (e) => this.onExit(e),
    });
  }

  /** Starts the script. */
  start(): this {
    this.setState('running');
    this.proc.start();
    return this;
  }

  get state(): RunState {
    return this._state;
  }
  get stateMessage(): string | undefined {
    return this._message;
  }
  get stepCount(): number {
    return this._stepCount;
  }
  get pid(): number | undefined {
    return this.proc.pid;
  }

  /** The script's stdout/stderr as it arrives. */
  onOutput(listener: (stream: 'stdout' | 'stderr', text: string) => void): Disposable {
    this.outputListeners.add(listener);
    return { dispose: () => this.outputListeners.delete(listener) };
  }
  onDidChange(listener: (e: RunSourceEvent) => void): Disposable {
    return this.events.on(listener);
  }

  record(step: number): { record: StepRecord; complete: boolean } | undefined {
    const r = this.full.get(step);
    if (r) return { record: r, complete: true };
    const s = this.summaryOf(step);
    if (!s) return undefined;
    const params: StepRecord['params'] = {};
    for (const [name, p] of Object.entries(s.params)) {
      params[name] = { shape: this.info.params[name] ?? [p.values.length], value: p.values, grad: null, state: {}, update: [], norm: p.norm, gradNorm: p.gradNorm, updateNorm: p.updateNorm, thinned: true };
    }
    return { record: { step: s.step, epoch: s.epoch, batch: s.batch, loss: s.loss, params, ops: [] }, complete: false };
  }

  /** Every full record still kept, oldest first. */
  records(): StepRecord[] {
    return [...this.full.values()];
  }

  diagnostics(): Diagnosis[] {
    return this.diags.slice();
  }

  async control(action: ControlAction): Promise<void> {
    switch (action) {
      case 'stop':
        if (this.proc.running) {
          this._message = 'stopped by the user';
          await this.proc.stop();
        }
        return;
      case 'pause':
        if (this.proc.pause()) this.setState('paused');
        return;
      case 'resume':
        if (this.proc.resume()) this.setState('running');
        return;
      default:
        this.note(`"${action}" is not possible on a traced script: it runs at its own pace.`);
        this.events.emit({ kind: 'state', state: this._state, message: `${action} is not available for a traced script` });
    }
  }

  dispose(): void {
    void this.proc.stop();
    this.events.clear();
    this.outputListeners.clear();
  }

  // ---------------------------------------------------------------------------------------------------------

  private summaryOf(step: number): StepSummary | undefined {
    const a = this.summaries;
    const i = indexOfSorted(a.length, step, (k) => a[k].step);
    return i < 0 ? undefined : a[i];
  }

  private note(s: string): void {
    if (this.notes.length < 200) this.notes.push(s);
  }

  private onMessage(m: TraceMessage): void {
    switch (m.t) {
      case 'hello':
        this.hello = m;
        return;
      case 'optimizer':
        if (this.info.optimizer.type === 'unknown') this.info.optimizer = { type: m.type, args: m.args };
        return;
      case 'step': {
        const rec = m.record;
        if (m.opsSameAs !== undefined && rec.ops.length === 0) rec.ops = this.lastOps;
        else if (rec.ops.length) this.lastOps = rec.ops;
        if (this.summaries.length && rec.step <= this.summaries[this.summaries.length - 1].step) {
          this.note(`step ${rec.step} arrived out of order; ignored`);
          return;
        }
        if (this.summaries.length === 0) {
          for (const [name, p] of Object.entries(rec.params)) this.info.params[name] = p.shape;
          const dt = rec.ops.find((o) => o.dtype)?.dtype;
          if (dt) this.info.dtype = dt;
        }
        this.full.set(rec.step, rec);
        if (this.full.size > this.maxFull) this.full.delete(this.full.keys().next().value as number);
        const s = summarize(rec);
        this.summaries.push(s);
        this._stepCount = Math.max(this._stepCount, rec.step);
        this.pending.push(s);
        this.queueFlush();
        return;
      }
      case 'progress':
        this._stepCount = Math.max(this._stepCount, m.step);
        return;
      case 'diagnosis':
        this.diags.unshift(m.diagnosis);
        this.flush();
        this.events.emit({ kind: 'diagnostics' });
        return;
      case 'warning':
        this.note(m.message);
        return;
      case 'fatal':
        this.fatal = m.message;
        return;
      case 'end':
        this.end = m;
        this._stepCount = Math.max(this._stepCount, m.steps);
        return;
    }
  }

  private queueFlush(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.flushQueued = false;
    if (!this.pending.length) return;
    const steps = this.pending;
    this.pending = [];
    this.events.emit({ kind: 'steps', steps });
  }

  private onExit(e: TraceExit): void {
    this.flush();
    const end = this.end;
    let state: RunState;
    let message: string | undefined;
    if (e.spawnError) {
      state = 'error';
      message = e.spawnError.code === 'ENOENT'
        ? noPython(this.options.python, this.options.pythonFrom ?? 'the default', 'not found')
        : `could not start ${this.options.python}: ${e.spawnError.message}`;
    } else if (this.fatal) {
      state = 'error';
      message = this.fatal;
    } else if (e.stopped) {
      state = 'stopped';
      message = `stopped by the user after ${this._stepCount} step${this._stepCount === 1 ? '' : 's'}`;
    } else if (end?.status === 'error' && end.error) {
      state = 'error';
      const at = end.error.location ? ` at ${basename(end.error.location.file)}:${end.error.location.line}` : '';
      message = `the script raised ${end.error.type}${at}: ${end.error.message.split('\n')[0].slice(0, 300)}`;
    } else if (!end) {
      state = 'error';
      message = e.signal
        ? `python was killed by ${e.signal} before the trace ended (after ${this._stepCount} steps)`
        : `python exited with code ${e.code} before the trace ended (after ${this._stepCount} steps)`;
    } else if (end.exitCode !== 0) {
      state = 'error';
      message = `the script exited with code ${end.exitCode} after ${end.steps} steps`;
    } else if (this.diags.some((d) => d.code === 'divergence')) {
      state = 'diverged';
      message = this.diags.find((d) => d.code === 'divergence')?.message;
    } else {
      state = 'done';
      if (end.steps === 0) message = 'the script finished without calling optimizer.step(): nothing to show';
    }
    this._message = message;
    this.setState(state);
    this.resolveDone({ state, message, exit: e, end });
  }

  private setState(s: RunState): void {
    this._state = s;
    this.events.emit({ kind: 'state', state: s, message: this._message });
  }
}
