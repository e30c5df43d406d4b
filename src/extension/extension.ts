/**
 * Entry point of the extension (bundled to dist/extension.js). Activation is lazy: only the contributed
 * commands, the two views and a panel to restore wake it.
 */
import * as vscode from 'vscode';
import { createApi, type GradientDebuggerApi } from './api';
import { registerCommands } from './commands';
import { Launcher } from './launcher';
import { PANEL_VIEW_TYPE, PanelHost } from './panel';
import { RunHub } from './runHub';
import { RunIndicators } from './runIndicators';
import { RunsTree } from './runsTree';
import { runInfoFromState, SavedRunSource } from './savedRunSource';
import { readSettings } from './settings';
import { ShapesTree } from './shapesTree';
import { recheckOnSave } from './specFile';
import { registerTrace } from './traceBridge';

export function activate(context: vscode.ExtensionContext): GradientDebuggerApi {
  const output = vscode.window.createOutputChannel('Gradient Debugger', { log: true });
  const hub = new RunHub();
  const panel = new PanelHost(context, hub, output, () => readSettings().streamHz);
  const collection = vscode.languages.createDiagnosticCollection('gradientDebugger');
  const launcher = new Launcher(context, hub, panel, collection, output);
  const shapes = new ShapesTree(hub, (step, opIndex) => panel.channel.highlight(step, opIndex));
  const shapesView = vscode.window.createTreeView('gradientDebugger.shapes', { treeDataProvider: shapes, showCollapseAll: true });
  shapes.attach(shapesView);
  const runs = new RunsTree(hub);
  const runsView = vscode.window.createTreeView('gradientDebugger.runs', { treeDataProvider: runs });
  const indicators = new RunIndicators(hub);

  context.subscriptions.push(output, panel, collection, shapes, shapesView, runs, runsView, indicators, recheckOnSave(collection), { dispose: () => hub.dispose() });

  registerCommands(context, { hub, panel, launcher, output });

  const showRun = (source: Parameters<RunHub['add']>[0]) => {
    if (!hub.find(source.info.id)) hub.add(source);
    else hub.setActive(source);
    panel.show(true);
  };
  registerTrace(context, { output, showRun, showTrace: showRun, settings: readSettings });

  context.subscriptions.push(
    vscode.window.registerWebviewPanelSerializer(PANEL_VIEW_TYPE, {
      async deserializeWebviewPanel(webviewPanel: vscode.WebviewPanel, state: unknown) {
        try {
          panel.adopt(webviewPanel);
          restore(state);
        } catch (e) {
          output.error(`restoring the panel failed: ${(e as Error).message}`);
        }
      },
    }),
  );

  /** A reloaded panel: re-run its experiment, or show a trace's saved info. */
  function restore(state: unknown): void {
    if (!state || typeof state !== 'object') return;
    const info = runInfoFromState((state as { run?: unknown }).run);
    if (!info) return;
    if (info.source === 'experiment' && info.spec !== undefined) {
      output.info(`panel restored: re-running "${info.name}"`);
      launcher.restart(info.spec);
    } else if (info.source === 'trace') {
      output.info(`panel restored: showing the saved trace "${info.name}"`);
      hub.add(new SavedRunSource(info));
    }
  }

  output.info('Gradient Debugger activated');
  return createApi(hub, panel.channel, () => shapes.current().nodes);
}

export function deactivate(): void {
  // Everything is in context.subscriptions; VS Code disposes it.
}
