/** The "Runs" view: this window's runs, newest first, each with its diagnoses; clicking one shows it in the panel. */
import * as vscode from 'vscode';
import type { Diagnosis } from '../experiment/records';
import type { RunHub } from './runHub';
import type { RunSource } from './runSource';
import { runRow } from './runsModel';

type Item = { run: RunSource } | { run: RunSource; diagnosis: Diagnosis } | { run: RunSource; reason: string };

export const SHOW_RUN_COMMAND = 'gradientDebugger.showRun';

const STATE_ICON: Record<string, string> = {
  idle: 'circle-outline',
  running: 'sync~spin',
  paused: 'debug-pause',
  done: 'pass',
  stopped: 'debug-stop',
  diverged: 'flame',
  error: 'error',
};
const SEVERITY_ICON: Record<Diagnosis['severity'], [string, string]> = {
  error: ['error', 'problemsErrorIcon.foreground'],
  warning: ['warning', 'problemsWarningIcon.foreground'],
  info: ['info', 'problemsInfoIcon.foreground'],
};

export class RunsTree implements vscode.TreeDataProvider<Item>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<Item | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly sub: { dispose(): void };

  constructor(private readonly hub: RunHub) {
    this.sub = hub.on((e) => {
      // Steps only move the step count in a description: once a second is plenty.
      if (e.kind === 'source' && e.event.kind === 'steps') this.refresh(1000);
      else if (e.kind !== 'selectStep') this.refresh(0);
    });
  }

  private refresh(ms: number): void {
    if (this.timer && ms > 0) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.changed.fire(undefined);
    }, ms);
  }

  private row(r: RunSource) {
    const sameName = this.hub.runs.filter((x) => x.info.name === r.info.name).length;
    return runRow(r, this.hub.entry(r), sameName, r === this.hub.active);
  }

  getTreeItem(it: Item): vscode.TreeItem {
    if ('reason' in it) {
      const item = new vscode.TreeItem(it.reason, vscode.TreeItemCollapsibleState.None);
      item.tooltip = it.reason;
      item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('problemsErrorIcon.foreground'));
      item.command = { command: SHOW_RUN_COMMAND, title: 'Show Run', arguments: [it.run.info.id] };
      return item;
    }
    if ('diagnosis' in it) {
      const d = it.diagnosis;
      const item = new vscode.TreeItem(d.message, vscode.TreeItemCollapsibleState.None);
      item.description = `${d.code} · step ${d.step}`;
      item.tooltip = d.fix ? `${d.message}\n\nFix: ${d.fix.description}` : d.message;
      const [icon, color] = SEVERITY_ICON[d.severity] ?? SEVERITY_ICON.info;
      item.iconPath = new vscode.ThemeIcon(icon, new vscode.ThemeColor(color));
      item.command = { command: SHOW_RUN_COMMAND, title: 'Show Run', arguments: [it.run.info.id] };
      return item;
    }
    const r = it.run;
    const row = this.row(r);
    const hasChildren = row.reason !== undefined || r.diagnostics().length > 0;
    const item = new vscode.TreeItem(row.label, hasChildren ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
    // The id keeps a run's row (and its expansion) the same while its label and description change.
    item.id = r.info.id;
    item.description = row.description;
    item.tooltip = row.tooltip;
    item.iconPath = new vscode.ThemeIcon(STATE_ICON[r.state] ?? 'circle-outline');
    item.contextValue = `run.${r.info.source}`;
    item.command = { command: SHOW_RUN_COMMAND, title: 'Show Run', arguments: [r.info.id] };
    return item;
  }

  getChildren(it?: Item): Item[] {
    if (!it) return this.hub.runs.map((run) => ({ run }));
    if ('diagnosis' in it || 'reason' in it) return [];
    const reason = this.row(it.run).reason;
    const children: Item[] = reason !== undefined ? [{ run: it.run, reason }] : [];
    return children.concat(it.run.diagnostics().map((diagnosis) => ({ run: it.run, diagnosis })));
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.sub.dispose();
    this.changed.dispose();
  }
}
