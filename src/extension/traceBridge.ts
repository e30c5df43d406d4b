/**
 * What the extension gives the tracer's features (src/extension/trace, engineer "tracer"), and the hook
 * that registers them: "Trace Python Script" and the diagnostics and quick fixes on traced scripts.
 */
import type * as vscode from 'vscode';
import type { RunSource } from './runSource';
import type { Settings } from './settings';
import { registerTraceFeatures } from './trace';

/** What the extension gives the tracer. */
export interface TraceDeps {
  output: vscode.LogOutputChannel;
  /** Shows a run in the panel, the Runs tree and the status bar, and makes it the active run. */
  showRun(source: RunSource): void;
  /** Same as showRun (the name the brief used). */
  showTrace(source: RunSource): void;
  settings(): Settings;
}

export function registerTrace(context: vscode.ExtensionContext, deps: TraceDeps): void {
  registerTraceFeatures(context, deps);
}
