/** The "Runs" view: this window's runs, newest first, each with its diagnoses; clicking one shows it in the panel. */
import * as vscode from 'vscode';
import type { Diagnosis } from '../experiment/records';
import type { RunHub } from './runHub';
import type { RunSource } from './runSource';

type Item = { run: RunSource } | { run: RunSource; diagnosis: Diagnosis };

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

  getTreeItem(it: Item): vscode.TreeItem {
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
    const diags = r.diagnostics().length;
    const item = new vscode.TreeItem(r.info.name, diags ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
    const total = r.totalSteps > 0 ? `/${r.totalSteps}` : '';
    item.description = `${r.state} · step ${r.stepCount}${total}${r === this.hub.active ? ' · shown' : ''}`;
    item.tooltip = `${r.info.name} (${r.info.source})\n${r.state}${r.stateMessage ? `: ${r.stateMessage}` : ''}\nstep ${r.stepCount}${total}`;
    item.iconPath = new vscode.ThemeIcon(STATE_ICON[r.state] ?? 'circle-outline');
    item.contextValue = `run.${r.info.source}`;
    item.command = { command: SHOW_RUN_COMMAND, title: 'Show Run', arguments: [r.info.id] };
    return item;
  }

  getChildren(it?: Item): Item[] {
    if (!it) return this.hub.runs.map((run) => ({ run }));
    if ('diagnosis' in it) return [];
    return it.run.diagnostics().map((diagnosis) => ({ run: it.run, diagnosis }));
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.sub.dispose();
    this.changed.dispose();
  }
}
