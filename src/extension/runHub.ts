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

export class RunHub {
  private readonly list: { source: RunSource; sub: Disposable }[] = [];
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

  /** Adds a run (newest first) and shows it. Older runs beyond MAX_RUNS are disposed. */
  add(source: RunSource): void {
    const sub = source.onDidChange((event) => {
      if (event.kind === 'reset' && source === this.current) this.selectedStep = undefined;
      this.emit({ kind: 'source', source, event });
    });
    this.list.unshift({ source, sub });
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
