/**
 * The runs of this window and which one is shown. Everything that displays a run (panel, trees, status bar,
 * progress) listens here rather than to the sources, so switching the shown run is one call.
 * No vscode import: the unit tests drive it directly.
 */
import type { Disposable, RunSource, RunSourceEvent } from './runSource';

/** Runs older than this are disposed: each runner holds up to maxRecordedSteps full records. */
export const MAX_RUNS = 12;

export type HubEvent =
  | { kind: 'active'; source: RunSource | undefined }
  | { kind: 'runs' }
  | { kind: 'source'; source: RunSource; event: RunSourceEvent }
  /** The step the panel's stepper shows changed (the Tensor Shapes tree follows it). */
  | { kind: 'selectStep'; source: RunSource; step: number };

/** What the hub knows of a run beyond the run itself: enough to tell runs of the same name apart. */
export interface RunEntryInfo {
  /** When the run was added (ms since the epoch). */
  startedAt: number;
  /** 1 for the first run of its name in this window, 2 for the next, … (never reused, unlike a position). */
  nth: number;
}

export class RunHub {
  private readonly list: { source: RunSource; sub: Disposable; entry: RunEntryInfo }[] = [];
  private readonly namesSeen = new Map<string, number>();
  private current: RunSource | undefined;
  private readonly listeners = new Set<(e: HubEvent) => void>();
  /** Step selected in the panel for the active run; undefined follows the latest step. */
  selectedStep: number | undefined;

  get runs(): readonly RunSource[] {
    return this.list.map((r) => r.source);
  }
  get active(): RunSource | undefined {
    return this.current;
  }

  on(listener: (e: HubEvent) => void): Disposable {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  private emit(e: HubEvent): void {
    for (const l of [...this.listeners]) {
      try {
        l(e);
      } catch (err) {
        console.error('gradient-debugger: hub listener failed', err);
      }
    }
  }

  find(id: string): RunSource | undefined {
    return this.list.find((r) => r.source.info.id === id)?.source;
  }

  /** When `source` was added and which run of its name it is; undefined for a run the hub does not hold. */
  entry(source: RunSource): RunEntryInfo | undefined {
    return this.list.find((r) => r.source === source)?.entry;
  }

  /** Adds a run (newest first) and shows it. Older runs beyond MAX_RUNS are disposed. */
  add(source: RunSource, startedAt = Date.now()): void {
    const sub = source.onDidChange((event) => {
      if (event.kind === 'reset' && source === this.current) this.selectedStep = undefined;
      this.emit({ kind: 'source', source, event });
    });
    const nth = (this.namesSeen.get(source.info.name) ?? 0) + 1;
    this.namesSeen.set(source.info.name, nth);
    this.list.unshift({ source, sub, entry: { startedAt, nth } });
    while (this.list.length > MAX_RUNS) {
      const old = this.list.pop()!;
      old.sub.dispose();
      old.source.dispose();
    }
    this.emit({ kind: 'runs' });
    this.setActive(source);
  }

  setActive(source: RunSource | undefined): void {
    if (source === this.current) return;
    this.current = source;
    this.selectedStep = undefined;
    this.emit({ kind: 'active', source });
  }

  selectStep(source: RunSource, step: number): void {
    if (source !== this.current) return;
    this.selectedStep = step;
    this.emit({ kind: 'selectStep', source, step });
  }

  /** The step the Tensor Shapes tree shows: the selected one, else the latest. */
  shownStep(): number {
    const s = this.current;
    if (!s) return 0;
    const sel = this.selectedStep;
    return sel !== undefined && sel >= 1 && sel <= s.stepCount ? sel : s.stepCount;
  }

  dispose(): void {
    for (const r of this.list) {
      r.sub.dispose();
      r.source.dispose();
    }
    this.list.length = 0;
    this.current = undefined;
    this.listeners.clear();
  }
}
