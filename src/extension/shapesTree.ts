/**
 * The "Tensor Shapes" view: the ops of the shown step with their tensors. It follows the panel's stepper
 * (or the latest step), and picking an op highlights it in the panel. What to show and when is ShapesFeed's.
 */
import * as vscode from 'vscode';
import type { RunHub } from './runHub';
import { ShapesFeed, type ShapesSnapshot } from './shapesFeed';
import type { ShapeLeaf, ShapeNode } from './shapesModel';

type Item = { node: ShapeNode } | { leaf: ShapeLeaf; opIndex?: number };

export class ShapesTree implements vscode.TreeDataProvider<Item>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<Item | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly feed: ShapesFeed;
  private view: vscode.TreeView<Item> | undefined;
  private readonly subs: { dispose(): void }[] = [];

  constructor(
    hub: RunHub,
    private readonly onPickOp: (step: number, opIndex: number) => void,
  ) {
    this.feed = new ShapesFeed(hub, () => {
      this.changed.fire(undefined);
      // A hidden view fetches nothing, so its header follows the run here; a visible one gets its header
      // with the nodes, in getChildren.
      if (this.view && !this.view.visible) this.showHeader(this.feed.current());
    });
  }

  attach(view: vscode.TreeView<Item>): void {
    this.view = view;
    this.subs.push(
      view.onDidChangeSelection((e) => {
        const it = e.selection[0];
        // A tensor picked under an op highlights that op too, of the step the tree shows.
        const op = !it ? undefined : 'node' in it ? it.node.opIndex : it.opIndex;
        if (op !== undefined) this.onPickOp((this.feed.delivered ?? this.feed.current()).step, op);
      }),
    );
  }

  /** The shown step's nodes as of now (the test API reads this). */
  current(): ShapesSnapshot {
    return this.feed.current();
  }

  private showHeader(snap: ShapesSnapshot): void {
    if (!this.view) return;
    this.view.description = snap.description;
    this.view.message = snap.note;
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
      // Nodes and header from one snapshot: they go to the workbench together.
      const snap = this.feed.deliver();
      this.showHeader(snap);
      return snap.nodes.map((node) => ({ node }));
    }
    return 'node' in it ? it.node.children.map((leaf) => ({ leaf, opIndex: it.node.opIndex })) : [];
  }

  dispose(): void {
    this.feed.dispose();
    for (const d of this.subs) d.dispose();
    this.changed.dispose();
  }
}
