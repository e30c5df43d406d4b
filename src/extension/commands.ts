/**
 * The commands. Each handler is wrapped so an exception becomes a logged error message, never an
 * unhandled rejection in the extension host.
 */
import * as vscode from 'vscode';
import * as path from 'node:path';
import type { ControlAction } from '../protocol';
import type { Launcher } from './launcher';
import type { PanelHost } from './panel';
import type { RunHub } from './runHub';
import { withoutRelativeSchema } from './presetText';
import { runToCsv, runToJson } from './runExport';
import { SHOW_RUN_COMMAND } from './runsTree';
import { SHOW_PANEL_COMMAND } from './runIndicators';

export const COMMANDS = {
  runExperiment: 'gradientDebugger.runExperiment',
  pause: 'gradientDebugger.pause',
  resume: 'gradientDebugger.resume',
  step: 'gradientDebugger.step',
  stepEpoch: 'gradientDebugger.stepEpoch',
  reset: 'gradientDebugger.reset',
  stop: 'gradientDebugger.stop',
  exportRun: 'gradientDebugger.exportRun',
  openExperimentAsJson: 'gradientDebugger.openExperimentAsJson',
  traceScript: 'gradientDebugger.traceScript',
} as const;

export interface CommandDeps {
  hub: RunHub;
  panel: PanelHost;
  launcher: Launcher;
  output: vscode.LogOutputChannel;
}

export function guarded<A extends unknown[], R>(output: vscode.LogOutputChannel, name: string, fn: (...args: A) => R | Promise<R>): (...args: A) => Promise<R | undefined> {
  return async (...args: A) => {
    try {
      return await fn(...args);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      output.error(`${name} failed: ${e instanceof Error && e.stack ? e.stack : msg}`);
      void vscode.window.showErrorMessage(`Gradient Debugger: ${name} failed: ${msg}`);
      return undefined;
    }
  };
}

/** Targets the user confirmed in a save dialog this session: only these may be overwritten by a Uri argument. */
const confirmedTargets = new Set<string>();

export function registerCommands(context: vscode.ExtensionContext, deps: CommandDeps): void {
  const { hub, panel, launcher, output } = deps;
  const reg = (id: string, fn: (...args: any[]) => unknown) => context.subscriptions.push(vscode.commands.registerCommand(id, guarded(output, id.replace('gradientDebugger.', ''), fn)));

  reg(COMMANDS.runExperiment, (arg?: unknown) => launcher.run(arg));

  const control = (action: ControlAction) => async () => {
    const s = hub.active;
    if (!s) {
      void vscode.window.showInformationMessage('No run to control. Start one with "Gradient Debugger: Run Regression Experiment".');
      return;
    }
    if (!s.controls.includes(action)) {
      void vscode.window.showInformationMessage(`${s.info.name} is a ${s.info.source}: it cannot ${action}.`);
      return;
    }
    await s.control(action);
  };
  for (const a of ['pause', 'resume', 'step', 'stepEpoch', 'reset', 'stop'] as const) reg(COMMANDS[a], control(a));

  reg(COMMANDS.exportRun, (target?: unknown) => exportRun(hub, output, target instanceof vscode.Uri ? target : undefined));
  reg(COMMANDS.openExperimentAsJson, (arg?: unknown) => openAsJson(launcher, arg));
  reg(SHOW_PANEL_COMMAND, () => panel.show());
  reg(SHOW_RUN_COMMAND, (id?: unknown) => {
    const s = typeof id === 'string' ? hub.find(id) : undefined;
    if (!s) return;
    hub.setActive(s);
    panel.show();
  });
}

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}

/** Writes the active run as CSV or JSON (by the target's extension). Returns the written Uri. */
async function exportRun(hub: RunHub, output: vscode.LogOutputChannel, target: vscode.Uri | undefined): Promise<vscode.Uri | undefined> {
  const s = hub.active;
  if (!s) {
    void vscode.window.showInformationMessage('No run to export yet.');
    return undefined;
  }
  let uri = target;
  if (uri) {
    if ((await exists(uri)) && !confirmedTargets.has(uri.toString())) {
      void vscode.window.showErrorMessage(`Not exporting: ${uri.fsPath} already exists. Pick it in the save dialog to replace it.`);
      return undefined;
    }
  } else {
    const safeName = s.info.name.replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, '') || 'run';
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    uri = await vscode.window.showSaveDialog({
      title: 'Export Run',
      saveLabel: 'Export',
      defaultUri: folder ? vscode.Uri.joinPath(folder, `${safeName}.csv`) : undefined,
      filters: { 'CSV (per-step scalars)': ['csv'], 'JSON (full kept history)': ['json'] },
    });
    if (!uri) return undefined;
    // The save dialog asked before replacing an existing file: the user chose this target.
    confirmedTargets.add(uri.toString());
  }
  const ext = path.extname(uri.path).toLowerCase();
  if (ext !== '.csv' && ext !== '.json') {
    void vscode.window.showErrorMessage(`Export Run writes .csv or .json files, not "${path.basename(uri.path)}".`);
    return undefined;
  }
  const text = ext === '.csv' ? runToCsv(s.summaries, s.info.params) : runToJson(s);
  await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
  output.info(`exported ${s.info.name} (${s.stepCount} steps) to ${uri.fsPath}`);
  void vscode.window.showInformationMessage(`Exported ${s.stepCount} steps of ${s.info.name} to ${path.basename(uri.fsPath)}.`);
  return uri;
}

/** Opens a preset as a new untitled JSON document: the user edits and saves it under a new name; the preset is never touched. */
async function openAsJson(launcher: Launcher, arg: unknown): Promise<vscode.TextDocument | undefined> {
  let name = arg && typeof arg === 'object' && typeof (arg as { preset?: unknown }).preset === 'string' ? (arg as { preset: string }).preset : undefined;
  if (!name) {
    const pick = await vscode.window.showQuickPick(
      launcher.presets().map((p) => ({ label: p.title || p.name, description: p.name, name: p.name })),
      { title: 'Open Experiment as JSON', placeHolder: 'Pick a preset to start from' },
    );
    if (!pick) return undefined;
    name = pick.name;
  }
  const p = launcher.presetByName(name);
  if (!p) {
    void vscode.window.showErrorMessage(`No preset named "${name}".`);
    return undefined;
  }
  const text = new TextDecoder('utf-8').decode(await vscode.workspace.fs.readFile(vscode.Uri.file(p.file)));
  const doc = await vscode.workspace.openTextDocument({ language: 'json', content: withoutRelativeSchema(text) });
  await vscode.window.showTextDocument(doc, { preview: false });
  return doc;
}

