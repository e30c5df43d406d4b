/**
 * "Gradient Debugger: Trace PyTorch Script": runs the user's script under the tracer (never in an untrusted
 * workspace), shows the traced run in the panel and trees like any run, and puts its diagnoses on the
 * script's own lines with quick fixes.
 */
import * as vscode from 'vscode';
import { dirname } from 'node:path';
import { TracedRun } from '../../tracer/tracedRun';
import type { TraceDeps } from '../traceBridge';
import { resolvePython } from './pythonInterpreter';
import { TraceDiagnostics } from './traceDiagnostics';

export type { TraceDeps } from '../traceBridge';

/** Script output kept in the output channel; past this the rest is counted, not shown (a script can print GBs). */
const OUTPUT_CAP = 2 * 1024 * 1024;

export const UNTRUSTED_MESSAGE =
  'Gradient Debugger does not run Python scripts in an untrusted workspace: tracing executes the script. '
  + 'Trust this workspace (Manage Workspace Trust) to trace it.';

export interface TraceFeatures {
  /** The traced run in progress or last finished. */
  current(): TracedRun | undefined;
  trace(uri?: vscode.Uri): Promise<TracedRun | undefined>;
}

export function registerTraceFeatures(context: vscode.ExtensionContext, deps: TraceDeps): TraceFeatures {
  const diagnostics = new TraceDiagnostics();
  const scriptOutput = vscode.window.createOutputChannel('Gradient Debugger: Script Output');
  let current: TracedRun | undefined;

  context.subscriptions.push(
    diagnostics,
    scriptOutput,
    vscode.languages.registerCodeActionsProvider({ language: 'python' }, diagnostics, { providedCodeActionKinds: TraceDiagnostics.kinds }),
    vscode.commands.registerCommand('gradientDebugger.traceScript', (arg?: unknown) => trace(arg instanceof vscode.Uri ? arg : undefined)),
    { dispose: () => current?.dispose() },
  );

  async function pickScript(uri?: vscode.Uri): Promise<vscode.Uri | undefined> {
    if (uri) return uri;
    const doc = vscode.window.activeTextEditor?.document;
    if (doc && (doc.languageId === 'python' || doc.fileName.endsWith('.py')) && doc.uri.scheme === 'file') return doc.uri;
    const picked = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'Python scripts': ['py'] }, openLabel: 'Trace' });
    return picked?.[0];
  }

  async function trace(arg?: vscode.Uri): Promise<TracedRun | undefined> {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showErrorMessage(UNTRUSTED_MESSAGE, 'Manage Workspace Trust').then((a) => {
        if (a) void vscode.commands.executeCommand('workbench.trust.manage');
      });
      deps.output.warn('trace refused: the workspace is not trusted');
      return undefined;
    }
    const uri = await pickScript(arg);
    if (!uri) return undefined;
    if (uri.scheme !== 'file') {
      void vscode.window.showErrorMessage(`Gradient Debugger can only trace a script on disk (got ${uri.scheme}:).`);
      return undefined;
    }
    // Run what the user sees: save the open, modified script first.
    const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    if (open?.isDirty) await open.save();

    const settings = deps.settings();
    const py = await resolvePython(settings.pythonPath, uri);
    const folder = vscode.workspace.getWorkspaceFolder(uri);
    const cwd = folder?.uri.fsPath ?? dirname(uri.fsPath);

    if (current && current.state === 'running') await current.control('stop');
    diagnostics.clear();
    const run = new TracedRun({ python: py.path, pythonFrom: py.from, script: uri.fsPath, cwd, maxRecordedSteps: settings.maxRecordedSteps });
    current = run;

    scriptOutput.clear();
    scriptOutput.appendLine(`$ ${py.path} ${uri.fsPath}    (cwd ${cwd}; python from ${py.from})`);
    let shown = 0;
    let dropped = 0;
    run.onOutput((_stream, text) => {
      if (shown >= OUTPUT_CAP) {
        dropped += Buffer.byteLength(text);
        return;
      }
      shown += Buffer.byteLength(text);
      scriptOutput.append(text);
    });
    deps.output.info(`tracing ${uri.fsPath} with ${py.path} (from ${py.from})`);

    let onPanel = false;
    const showOnce = () => {
      if (onPanel) return;
      onPanel = true;
      deps.showRun(run);
    };
    const sub = run.onDidChange((e) => {
      if (e.kind === 'steps') showOnce();
      if (e.kind === 'diagnostics') void diagnostics.show(run.diagnostics());
    });

    run.start();
    const outcome = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Tracing ${vscode.workspace.asRelativePath(uri)}`, cancellable: true },
      async (progress, token) => {
        token.onCancellationRequested(() => void run.control('stop'));
        const timer = setInterval(() => progress.report({ message: `${run.stepCount} steps` }), 250);
        try {
          return await run.done;
        } finally {
          clearInterval(timer);
        }
      },
    );
    sub.dispose();
    showOnce();
    await diagnostics.show(run.diagnostics());
    if (dropped) scriptOutput.appendLine(`\n[Gradient Debugger: ${(dropped / 1024 / 1024).toFixed(1)} MB more output not shown]`);
    for (const n of run.notes) deps.output.warn(`tracer: ${n}`);

    const n = run.diagnostics().length;
    const summary = `${run.stepCount} step${run.stepCount === 1 ? '' : 's'}, ${n} problem${n === 1 ? '' : 's'} found`;
    deps.output.info(`trace of ${uri.fsPath} ended: ${outcome.state}${outcome.message ? ` — ${outcome.message}` : ''} (${summary})`);
    if (outcome.state === 'error') {
      void vscode.window.showErrorMessage(`Trace failed: ${outcome.message}`, 'Show Script Output').then((a) => a && scriptOutput.show(true));
    } else if (outcome.state === 'stopped') {
      void vscode.window.showInformationMessage(`Trace stopped: ${summary}.`);
    } else {
      void vscode.window.showInformationMessage(`Traced ${vscode.workspace.asRelativePath(uri)}: ${summary}.`, ...(n ? ['Show Problems'] : [])).then(
        (a) => a && vscode.commands.executeCommand('workbench.actions.view.problems'),
      );
    }
    return run;
  }

  return { current: () => current, trace };
}
