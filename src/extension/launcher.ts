/**
 * "Run Regression Experiment": choosing what to run (a preset, a *.gradexp.json of the workspace, or a
 * CSV file with its columns) and starting it in the panel.
 */
import * as vscode from 'vscode';
import * as path from 'node:path';
import { Runner } from '../experiment/runner';
import { listPresets } from '../experiment/presets';
import type { Dataset } from '../experiment/data';
import type { ExperimentSpec } from '../experiment/spec';
import { columnMaxAbs, countCsvRows, csvExperimentSpec, readCsvHeader } from './csvExperiment';
import type { PanelHost } from './panel';
import type { RunHub } from './runHub';
import { RunnerSource } from './runnerSource';
import { readSettings } from './settings';
import { absolutizeCsv, loadExperimentFile, specTextProblems } from './specFile';

export interface PresetEntry {
  name: string;
  title: string;
  description?: string;
  file: string;
}

export class Launcher {
  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly hub: RunHub,
    private readonly panel: PanelHost,
    private readonly collection: vscode.DiagnosticCollection,
    private readonly output: vscode.LogOutputChannel,
  ) {}

  /** The presets shipped in the extension's presets/ folder. */
  presets(): PresetEntry[] {
    const dir = vscode.Uri.joinPath(this.context.extensionUri, 'presets').fsPath;
    const list = listPresets(dir);
    if (list.length === 0) this.output.error(`no presets found in ${dir}`);
    return list;
  }

  presetByName(name: string): PresetEntry | undefined {
    return this.presets().find((p) => p.name === name);
  }

  /** The command: `{ preset }`, a Uri of an experiment file, or nothing (quick pick). Returns the run id. */
  async run(arg?: unknown): Promise<string | undefined> {
    if (arg instanceof vscode.Uri) return this.runFile(arg);
    if (arg && typeof arg === 'object' && typeof (arg as { preset?: unknown }).preset === 'string') return this.runPreset((arg as { preset: string }).preset);
    if (arg !== undefined && arg !== null) {
      void vscode.window.showErrorMessage('Run Regression Experiment takes { preset: "<name>" } or the Uri of a *.gradexp.json file.');
      return undefined;
    }
    return this.pickAndRun();
  }

  async runPreset(name: string): Promise<string | undefined> {
    const p = this.presetByName(name);
    if (!p) {
      const names = this.presets().map((x) => x.name).join(', ');
      void vscode.window.showErrorMessage(`No preset named "${name}". Presets: ${names || '(none found)'}.`);
      return undefined;
    }
    return this.runFile(vscode.Uri.file(p.file));
  }

  async runFile(uri: vscode.Uri): Promise<string | undefined> {
    if (!/\.json$/i.test(uri.path)) {
      void vscode.window.showErrorMessage(`${path.basename(uri.fsPath)} is not an experiment file (*.gradexp.json).`);
      return undefined;
    }
    const loaded = await loadExperimentFile(uri, this.collection, this.output);
    if (!loaded) return undefined;
    return this.start(loaded.spec, loaded.baseDir, loaded.data);
  }

  /** Starts a spec: a new run in the Runs tree, shown in the panel, running. */
  start(spec: ExperimentSpec, baseDir?: string, data?: Dataset): string | undefined {
    const settings = readSettings();
    let runner: Runner;
    try {
      runner = new Runner(baseDir ? absolutizeCsv(spec, baseDir) : spec, { maxRecordedSteps: settings.maxRecordedSteps, baseDir, data });
    } catch (e) {
      const msg = (e as Error).message;
      this.output.error(`cannot start "${spec.name}": ${msg}`);
      void vscode.window.showErrorMessage(`Cannot start "${spec.name}": ${msg}`);
      return undefined;
    }
    // A new run takes over the panel; the one it replaces is paused, not lost (it stays in Runs).
    const prev = this.hub.active;
    if (prev && prev.state === 'running' && prev.controls.includes('pause')) void prev.control('pause');
    const source = new RunnerSource(runner);
    this.hub.add(source);
    this.panel.show(true);
    this.output.info(`run ${runner.info.id} "${spec.name}": ${runner.totalSteps} steps`);
    void source.start();
    return runner.info.id;
  }

  /** Re-runs a spec that a reloaded panel kept in its state (validated again: the state came from the webview). */
  restart(specJson: unknown): string | undefined {
    const r = specTextProblems(JSON.stringify(specJson));
    if (!r.ok) {
      this.output.warn(`the restored panel's experiment is not valid any more: ${r.errors.map((e) => `${e.path} ${e.message}`).join('; ')}`);
      return undefined;
    }
    return this.start(r.spec, undefined, r.data);
  }

  private async pickAndRun(): Promise<string | undefined> {
    type Item = vscode.QuickPickItem & { run?: () => Promise<string | undefined> };
    const items: Item[] = [{ label: 'Presets', kind: vscode.QuickPickItemKind.Separator }];
    for (const p of this.presets()) items.push({ label: p.title || p.name, description: p.name, detail: p.description, run: () => this.runPreset(p.name) });
    const files = await vscode.workspace.findFiles('**/*.gradexp.json', '**/node_modules/**', 200);
    if (files.length) {
      items.push({ label: 'Workspace', kind: vscode.QuickPickItemKind.Separator });
      const multiRoot = (vscode.workspace.workspaceFolders?.length ?? 0) > 1;
      for (const f of files.sort((a, b) => a.fsPath.localeCompare(b.fsPath))) {
        // The label is the file name; the description only says where it is (nothing at the top of the folder).
        const folder = path.posix.dirname(vscode.workspace.asRelativePath(f, multiRoot));
        items.push({ label: path.basename(f.fsPath), description: folder === '.' ? undefined : folder, run: () => this.runFile(f) });
      }
    }
    items.push({ label: '', kind: vscode.QuickPickItemKind.Separator }, { label: '$(file) Open CSV…', description: 'linear regression on columns of a CSV file', run: () => this.runCsv() });
    const pick = await vscode.window.showQuickPick(items, { title: 'Run Regression Experiment', placeHolder: 'Pick a preset, an experiment file, or a CSV file', matchOnDescription: true });
    return pick?.run?.();
  }

  private async runCsv(): Promise<string | undefined> {
    const picked = await vscode.window.showOpenDialog({ canSelectMany: false, openLabel: 'Use CSV', filters: { 'CSV files': ['csv'] }, title: 'Open a CSV file for a regression' });
    const uri = picked?.[0];
    if (!uri) return undefined;
    let text: string;
    let header;
    try {
      text = new TextDecoder('utf-8').decode(await vscode.workspace.fs.readFile(uri));
      header = readCsvHeader(text);
    } catch (e) {
      void vscode.window.showErrorMessage(`${path.basename(uri.fsPath)} cannot be used: ${(e as Error).message}`);
      return undefined;
    }
    const numericCols = header.columns.filter((_, i) => header.numeric[i]);
    if (numericCols.length < 2) {
      void vscode.window.showErrorMessage(`${path.basename(uri.fsPath)} has ${numericCols.length} numeric column(s); a regression needs at least one feature and a target.`);
      return undefined;
    }
    // Enter takes the first row of a quick pick (`picked` means nothing to a single pick): the default, the
    // last column, comes first so that Enter does what the placeholder says.
    const last = numericCols[numericCols.length - 1];
    const target = await vscode.window.showQuickPick(
      [{ label: last, description: 'last column (default)' }, ...numericCols.slice(0, -1).map((c) => ({ label: c }))],
      { title: 'Target column (what to predict)', placeHolder: `Enter: the last column, ${last}; or pick another` },
    );
    if (!target) return undefined;
    const featureItems = numericCols.filter((c) => c !== target.label).map((c) => ({ label: c, picked: true }));
    const features = await vscode.window.showQuickPick(featureItems, { title: `Feature columns to predict ${target.label} from`, canPickMany: true });
    if (!features || features.length === 0) return undefined;
    let spec: ExperimentSpec;
    try {
      spec = csvExperimentSpec({
        name: `${path.basename(uri.fsPath)}: ${target.label}`,
        path: uri.fsPath,
        features: features.map((f) => f.label),
        target: target.label,
        optimizer: readSettings().defaultOptimizer,
        rows: countCsvRows(text),
        targetMaxAbs: columnMaxAbs(text, target.label),
      });
    } catch (e) {
      void vscode.window.showErrorMessage((e as Error).message);
      return undefined;
    }
    const checked = specTextProblems(JSON.stringify(spec), path.dirname(uri.fsPath));
    if (!checked.ok) {
      void vscode.window.showErrorMessage(`The experiment built from ${path.basename(uri.fsPath)} is not valid: ${checked.errors.map((e) => `${e.path} ${e.message}`).join('; ')}`);
      return undefined;
    }
    return this.start(checked.spec, path.dirname(uri.fsPath), checked.data);
  }
}
