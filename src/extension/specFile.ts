/**
 * Reading an experiment file for a run: parse and schema errors become diagnostics on that file (at the
 * line of the field when it can be found) and one error message; a good file clears them. Nothing here
 * writes to the user's file.
 */
import * as vscode from 'vscode';
import * as path from 'node:path';
import { parseSpecText } from '../experiment/load';
import type { ExperimentSpec } from '../experiment/spec';
import type { Dataset } from '../experiment/data';
import { locatePath, parseJsonTree, positionAt } from './jsonLocator';

export interface SpecProblem {
  path: string;
  message: string;
}

/** Problems of a spec text as ranges: a syntax error at its offset, schema errors at their field. */
export function problemsToDiagnostics(text: string, problems: readonly SpecProblem[]): vscode.Diagnostic[] {
  const tree = parseJsonTree(text);
  if (tree.error) {
    const at = positionAt(text, tree.error.offset);
    const d = new vscode.Diagnostic(new vscode.Range(at.line, at.character, at.line, at.character + 1), `Not valid JSON: ${tree.error.message}`, vscode.DiagnosticSeverity.Error);
    d.source = 'Gradient Debugger';
    return [d];
  }
  return problems.map((p) => {
    const r = locatePath(text, p.path);
    const where = p.path && p.path !== '/' ? `${p.path}: ` : '';
    const d = new vscode.Diagnostic(new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character), `${where}${p.message}`, vscode.DiagnosticSeverity.Error);
    d.source = 'Gradient Debugger';
    return d;
  });
}

/** The text of a file as the user sees it: an open editor's (maybe unsaved) text, else the file on disk. */
async function readText(uri: vscode.Uri): Promise<string> {
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  if (open) return open.getText();
  return new TextDecoder('utf-8').decode(await vscode.workspace.fs.readFile(uri));
}

/**
 * Loads a *.gradexp.json for a run. On problems: diagnostics on the file, an error message, undefined.
 * CSV paths in the spec are made absolute, so the spec in the run info still works after a panel reload.
 */
export async function loadExperimentFile(uri: vscode.Uri, collection: vscode.DiagnosticCollection, output: vscode.LogOutputChannel): Promise<{ spec: ExperimentSpec; baseDir: string; data: Dataset } | undefined> {
  let text: string;
  try {
    text = await readText(uri);
  } catch (e) {
    void vscode.window.showErrorMessage(`Cannot read ${uri.fsPath}: ${(e as Error).message}`);
    return undefined;
  }
  const baseDir = path.dirname(uri.fsPath);
  const problems = specTextProblems(text, baseDir);
  if (problems.ok) {
    collection.delete(uri);
    return { spec: absolutizeCsv(problems.spec, baseDir), baseDir, data: problems.data };
  }
  const diags = problemsToDiagnostics(text, problems.errors);
  collection.set(uri, diags);
  const name = path.basename(uri.fsPath);
  output.warn(`${name}: ${diags.length} problem(s): ${diags.map((d) => d.message).join('; ')}`);
  const first = diags[0];
  const more = diags.length > 1 ? ` (and ${diags.length - 1} more, see Problems)` : '';
  void vscode.window.showErrorMessage(`${name} is not a valid experiment: line ${first.range.start.line + 1}: ${first.message}${more}`, 'Show Problems').then((pick) => {
    if (pick) void vscode.commands.executeCommand('workbench.actions.view.problems');
  });
  return undefined;
}

/** parseSpecText, but never throws: a loader exception is a problem at the root. */
export function specTextProblems(text: string, baseDir?: string): { ok: true; spec: ExperimentSpec; data: Dataset } | { ok: false; errors: SpecProblem[] } {
  try {
    const r = parseSpecText(text, baseDir);
    if (r.ok) return r;
    return { ok: false, errors: r.errors.length ? r.errors : [{ path: '', message: 'the experiment is not valid' }] };
  } catch (e) {
    return { ok: false, errors: [{ path: '', message: (e as Error).message }] };
  }
}

export function absolutizeCsv(spec: ExperimentSpec, baseDir: string): ExperimentSpec {
  if (spec.data.kind !== 'csv' || path.isAbsolute(spec.data.path)) return spec;
  return { ...spec, data: { ...spec.data, path: path.resolve(baseDir, spec.data.path) } };
}

/** Re-checks an experiment file the user saved, if it had problems, so fixed ones disappear. */
export function recheckOnSave(collection: vscode.DiagnosticCollection): vscode.Disposable {
  return vscode.workspace.onDidSaveTextDocument((doc) => {
    if (!/\.gradexp\.json$/i.test(doc.uri.path) || !collection.has(doc.uri)) return;
    const text = doc.getText();
    const r = specTextProblems(text, path.dirname(doc.uri.fsPath));
    if (r.ok) collection.delete(doc.uri);
    else collection.set(doc.uri, problemsToDiagnostics(text, r.errors));
  });
}
