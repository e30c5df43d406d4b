/**
 * A run known only from a reloaded panel's saved state (a trace: its steps came from a script that is not
 * running any more). It shows the run's info and explains; it has no controls and keeps no steps.
 */
import type { ControlAction, RunInfo, RunState } from '../protocol';
import type { Diagnosis, StepSummary } from '../experiment/records';
import { SourceEvents, type Disposable, type RunSource, type RunSourceEvent } from './runSource';

export class SavedRunSource implements RunSource {
  readonly controls: readonly ControlAction[] = [];
  readonly state: RunState = 'stopped';
  readonly stepCount = 0;
  readonly stepsPerEpoch = 0;
  readonly summaries: readonly StepSummary[] = [];
  private readonly events = new SourceEvents();

  constructor(
    readonly info: RunInfo,
    readonly stateMessage = 'Restored after a reload: trace the script again to see its steps.',
  ) {}

  get totalSteps(): number {
    return this.info.totalSteps;
  }
  record(): undefined {
    return undefined;
  }
  diagnostics(): Diagnosis[] {
    return [];
  }
  async control(): Promise<void> {}
  onDidChange(listener: (e: RunSourceEvent) => void): Disposable {
    return this.events.on(listener);
  }
  dispose(): void {
    this.events.clear();
  }
}

/** A RunInfo from a webview's saved state, checked field by field: the state is not trusted. */
export function runInfoFromState(v: unknown): RunInfo | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const o = v as Record<string, unknown>;
  const str = (x: unknown) => typeof x === 'string' && x.length > 0 && x.length <= 4096;
  if (!str(o.id) || !str(o.name) || (o.source !== 'experiment' && o.source !== 'trace')) return undefined;
  if (!o.params || typeof o.params !== 'object' || Array.isArray(o.params)) return undefined;
  const params: Record<string, number[]> = {};
  for (const [k, s] of Object.entries(o.params as Record<string, unknown>)) {
    if (!Array.isArray(s) || !s.every((d) => Number.isInteger(d) && d >= 0)) return undefined;
    params[k] = s as number[];
  }
  const opt = o.optimizer as { type?: unknown; args?: unknown } | undefined;
  return {
    id: o.id as string,
    name: o.name as string,
    source: o.source,
    spec: o.spec,
    script: str(o.script) ? (o.script as string) : undefined,
    dtype: str(o.dtype) ? (o.dtype as string) : 'float32',
    params,
    optimizer: { type: str(opt?.type) ? (opt!.type as string) : 'unknown', args: {} },
    totalSteps: Number.isInteger(o.totalSteps) && (o.totalSteps as number) >= 0 ? (o.totalSteps as number) : 0,
  };
}
