/**
 * What the Tensor Shapes view shows, without vscode: the nodes of the shown step, when to refresh them, and
 * the view's header. The header is always that of the nodes last handed to the tree, never of a newer step:
 * a header updated on its own said "step 12996" over a tree still showing step 12687 while the tree's
 * fetch of the new nodes was under way.
 */
import type { RunHub } from './runHub';
import { shapeNodes, type ShapeNode } from './shapesModel';

/** Refresh at most this often while a run streams; a paused run refreshes at once. */
export const LIVE_REFRESH_MS = 1000;

export interface ShapesSnapshot {
  nodes: ShapeNode[];
  /** The step the nodes are of (0: none). */
  step: number;
  /** Why there are no nodes, or that they are only partial. */
  note?: string;
  /** `step N` for the view's header, undefined when no step is shown. */
  description?: string;
}

export class ShapesFeed {
  private cache: (ShapesSnapshot & { key: string }) | undefined;
  private shown: ShapesSnapshot | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private lastRefresh = -Infinity;
  private readonly sub: { dispose(): void };

  /** `onRefresh`: the nodes changed; the tree should fetch them again (through `deliver`). */
  constructor(
    private readonly hub: RunHub,
    private readonly onRefresh: () => void,
  ) {
    this.sub = hub.on((e) => {
      if (e.kind === 'active' || e.kind === 'selectStep') return this.refresh(true);
      if (e.kind === 'source' && e.source === hub.active) {
        // A step picked in the panel does not move while the run streams on.
        if (e.event.kind === 'steps') return this.refresh(hub.selectedStep !== undefined ? undefined : false);
        return this.refresh(true);
      }
    });
  }

  /** The shown step's nodes as of now, computed once per change. */
  current(): ShapesSnapshot {
    const s = this.hub.active;
    const step = this.hub.shownStep();
    const key = `${s?.info.id}:${step}:${s?.diagnostics().length}`;
    if (this.cache?.key === key) return this.cache;
    let nodes: ShapeNode[] = [];
    let note: string | undefined;
    if (!s) note = 'No run yet. Run a regression experiment to see its tensor shapes.';
    else if (step < 1) note = `${s.info.name}: no step has run yet.`;
    else {
      const r = s.record(step);
      if (!r) note = `Step ${step} is not available.`;
      else {
        nodes = shapeNodes(r.record, s.diagnostics());
        if (!r.complete && r.record.ops.length === 0) note = `Step ${step} is older than the kept history: only its scalars are left.`;
      }
    }
    this.cache = { key, nodes, step, note, description: s && step > 0 ? `step ${step}` : undefined };
    return this.cache;
  }

  /** The snapshot the tree is being given now; from here on the header is this one's. */
  deliver(): ShapesSnapshot {
    this.shown = this.current();
    return this.shown;
  }

  /** The nodes the tree was last given (undefined before its first fetch). */
  get delivered(): ShapesSnapshot | undefined {
    return this.shown;
  }

  /** `now`: refresh at once; false: rate-limited; undefined: nothing to do. */
  private refresh(now: boolean | undefined): void {
    if (now === undefined) return;
    // The same step can hold another record now (a reset, then steps again): recompute on every change.
    this.cache = undefined;
    if (this.timer) {
      if (!now) return;
      clearTimeout(this.timer);
    }
    const wait = now ? 0 : Math.max(0, this.lastRefresh + LIVE_REFRESH_MS - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.lastRefresh = Date.now();
      this.onRefresh();
    }, wait);
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.sub.dispose();
  }
}
