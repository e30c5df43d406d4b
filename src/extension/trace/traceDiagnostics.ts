/**
 * A traced run's diagnoses in the Problems view and as squiggles on the exact lines, and the quick fixes the
 * tracer could place exactly (it computes each edit from the script's syntax tree; here it is only applied,
 * and only while the text it was computed for is still there).
 */
import * as vscode from 'vscode';
import type { Diagnosis } from '../../experiment/records';

export const DIAGNOSTIC_SOURCE = 'Gradient Debugger';

interface Entry {
  diagnosis: Diagnosis;
  range: vscode.Range;
}

const SEVERITY: Record<Diagnosis['severity'], vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
};

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : undefined;
}

/** The edit the tracer proposed, as a range (0-based) and text, when it is complete. */
export function proposedEdit(d: Diagnosis): { range: vscode.Range; text: string } | undefined {
  const e = d.evidence;
  const line = num(e.editLine);
  const col = num(e.editCol);
  const endLine = num(e.editEndLine);
  const endCol = num(e.editEndCol);
  if (line === undefined || col === undefined || endLine === undefined || endCol === undefined || typeof e.editText !== 'string' || line < 1) return undefined;
  return { range: new vscode.Range(line - 1, col, endLine - 1, endCol), text: e.editText };
}

/** What the text under the edit must still be for the fix to be safe. */
function expectedOriginal(d: Diagnosis): string | undefined {
  const t = d.evidence.editText;
  if (typeof t !== 'string') return undefined;
  switch (d.code) {
    case 'discarded-result':
      return typeof d.evidence.statement === 'string' ? d.evidence.statement : undefined;
    case 'loss-broadcast': {
      const m = /^\((.*)\)\.squeeze\(-1\)$/.exec(t) ?? /^(.*)\.squeeze\(-1\)$/.exec(t);
      return m ? m[1] : undefined;
    }
    case 'grad-accumulation':
      return ''; // an insertion
    default:
      return undefined;
  }
}

function title(d: Diagnosis, text: string): string {
  switch (d.code) {
    case 'discarded-result':
      return `Assign the result: ${text.trim()}`;
    case 'loss-broadcast':
      return `Squeeze the prediction: ${text.trim()}`;
    case 'grad-accumulation':
      return `Insert ${text.trim()} before backward()`;
    default:
      return d.fix?.description ?? 'Apply the fix';
  }
}

export class TraceDiagnostics implements vscode.CodeActionProvider, vscode.Disposable {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];
  private readonly collection = vscode.languages.createDiagnosticCollection('gradientDebugger.trace');
  private entries = new Map<string, Entry[]>();

  /** Replaces everything shown with `diagnoses` (the current set of one traced run). */
  async show(diagnoses: readonly Diagnosis[]): Promise<void> {
    const byFile = new Map<string, Diagnosis[]>();
    for (const d of diagnoses) {
      if (!d.location) continue;
      const list = byFile.get(d.location.file) ?? [];
      list.push(d);
      byFile.set(d.location.file, list);
    }
    const entries = new Map<string, Entry[]>();
    this.collection.clear();
    for (const [file, ds] of byFile) {
      const uri = vscode.Uri.file(file);
      let doc: vscode.TextDocument | undefined;
      try {
        doc = await vscode.workspace.openTextDocument(uri);
      } catch {
        doc = undefined;
      }
      const list: Entry[] = [];
      const diags: vscode.Diagnostic[] = [];
      for (const d of ds) {
        const range = this.rangeOf(d, doc);
        const vd = new vscode.Diagnostic(range, d.fix ? `${d.message}\nFix: ${d.fix.description}` : d.message, SEVERITY[d.severity]);
        vd.source = DIAGNOSTIC_SOURCE;
        vd.code = d.code;
        diags.push(vd);
        list.push({ diagnosis: d, range });
      }
      this.collection.set(uri, diags);
      entries.set(uri.toString(), list);
    }
    this.entries = entries;
  }

  clear(): void {
    this.collection.clear();
    this.entries.clear();
  }

  private rangeOf(d: Diagnosis, doc: vscode.TextDocument | undefined): vscode.Range {
    const line = Math.max(0, d.location!.line - 1);
    const edit = proposedEdit(d);
    // Underline what the fix changes (the statement, the prediction) when the tracer located it exactly.
    if (edit && d.code !== 'grad-accumulation' && edit.range.start.line === line && !edit.range.isEmpty) return edit.range;
    if (doc && line < doc.lineCount) {
      const t = doc.lineAt(line);
      return new vscode.Range(line, t.firstNonWhitespaceCharacterIndex, line, t.range.end.character);
    }
    return new vscode.Range(line, 0, line, Number.MAX_SAFE_INTEGER);
  }

  provideCodeActions(doc: vscode.TextDocument, _range: vscode.Range, ctx: vscode.CodeActionContext): vscode.CodeAction[] {
    const list = this.entries.get(doc.uri.toString());
    if (!list) return [];
    const actions: vscode.CodeAction[] = [];
    for (const vd of ctx.diagnostics) {
      if (vd.source !== DIAGNOSTIC_SOURCE) continue;
      const entry = list.find((e) => e.diagnosis.code === vd.code && e.range.start.line === vd.range.start.line);
      if (!entry) continue;
      const action = this.fixFor(doc, entry.diagnosis, vd);
      if (action) actions.push(action);
    }
    return actions;
  }

  /** The quick fix for `d`, or undefined when the text changed since the trace or no exact edit is known. */
  fixFor(doc: vscode.TextDocument, d: Diagnosis, vd?: vscode.Diagnostic): vscode.CodeAction | undefined {
    const edit = proposedEdit(d);
    const original = expectedOriginal(d);
    if (!edit || original === undefined) return undefined;
    if (edit.range.end.line >= doc.lineCount) return undefined;
    if (doc.getText(edit.range) !== original) return undefined;
    if (d.code === 'grad-accumulation' && !/backward\s*\(/.test(doc.lineAt(edit.range.start.line).text)) return undefined;
    const action = new vscode.CodeAction(title(d, edit.text), vscode.CodeActionKind.QuickFix);
    action.edit = new vscode.WorkspaceEdit();
    action.edit.replace(doc.uri, edit.range, edit.text);
    if (vd) action.diagnostics = [vd];
    action.isPreferred = true;
    return action;
  }

  dispose(): void {
    this.collection.dispose();
  }
}
