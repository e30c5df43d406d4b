/**
 * The "Tensor Shapes" view: the ops of the shown step with their tensors. It follows the panel's stepper
 * (or the latest step), and picking an op highlights it in the panel.
 */
import * as vscode from 'vscode';
import type { RunHub } from './runHub';
import { shapeNodes, type ShapeLeaf, type ShapeNode } from './shapesModel';

type Item = { node: ShapeNode } | { leaf: ShapeLeaf; opIndex?: number };

/** Refresh at most this often while a run streams; a paused run refreshes at once. */
const LIVE_REFRESH_MS = 1000;

export class ShapesTree implements vscode.TreeDataProvider<Item>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<Item | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private cache: { key: string; nodes: ShapeNode[]; step: number; note?: string } | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private lastRefresh = 0;
  private view: vscode.TreeView<Item> | undefined;
  private readonly subs: { dispose(): void }[] = [];

  constructor(
    private readonly hub: RunHub,
    private readonly onPickOp: (step: number, opIndex: number) => void,
  ) {
    this.subs.push(
      hub.on((e) => {
        if (e.kind === 'active' || e.kind === 'selectStep') return this.refresh(true);
        if (e.kind === 'source' && e.source === hub.active) {
          if (e.event.kind === 'steps') return this.refresh(hub.selectedStep !== undefined ? undefined : false);
          return this.refresh(true);
        }
      }),
    );
  }

  attach(view: vscode.TreeView<Item>): void {
    this.view = view;
    this.subs.push(
      view.onDidChangeSelection((e) => {
        const it = e.selection[0];
        // A tensor picked under an op highlights that op too.
        const op = !it ? undefined : 'node' in it ? it.node.opIndex : it.opIndex;
        if (op !== undefined) this.onPickOp(this.current().step, op);
      }),
    );
  }

  /** `now`: refresh at once; false: rate-limited; undefined: nothing to do (a fixed step does not change). */
  private refresh(now: boolean | undefined): void {
    if (now === undefined) return;
    this.cache = undefined;
    if (this.timer) return;
    const wait = now ? 0 : Math.max(0, this.lastRefresh + LIVE_REFRESH_MS - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.lastRefresh = Date.now();
      this.cache = undefined;
      this.changed.fire(undefined);
      this.updateViewText();
    }, wait);
  }

  /** The nodes of the shown step, computed once per change. */
  current(): { nodes: ShapeNode[]; step: number; note?: string } {
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
    this.cache = { key, nodes, step, note };
    return this.cache;
  }

  private updateViewText(): void {
    if (!this.view) return;
    const c = this.current();
    const s = this.hub.active;
    this.view.description = s && c.step > 0 ? `step ${c.step}` : undefined;
    this.view.message = c.note;
  }

  getTreeItem(it: Item): vscode.TreeItem {
    if ('node' in it) {
      const n = it.node;
      const item = new vscode.TreeItem(n.label, n.children.length ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
      item.description = n.description;
      item.tooltip = n.tooltip;
      item.iconPath = n.warning
        ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'))
        : new vscode.ThemeIcon(n.opIndex === undefined ? 'symbol-variable' : 'symbol-operator');
      item.contextValue = n.warning ? 'op.warning' : n.opIndex === undefined ? 'params' : 'op';
      return item;
    }
    const l = it.leaf;
    const item = new vscode.TreeItem(l.label, vscode.TreeItemCollapsibleState.None);
    item.description = l.description;
    item.tooltip = l.tooltip ?? `${l.label} ${l.description ?? ''}`;
    item.iconPath = new vscode.ThemeIcon(l.expanded ? 'arrow-both' : 'symbol-array');
    return item;
  }

  getChildren(it?: Item): Item[] {
    if (!it) {
      this.updateViewText();
      return this.current().nodes.map((node) => ({ node }));
    }
    return 'node' in it ? it.node.children.map((leaf) => ({ leaf, opIndex: it.node.opIndex })) : [];
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const d of this.subs) d.dispose();
    this.changed.dispose();
  }
}
