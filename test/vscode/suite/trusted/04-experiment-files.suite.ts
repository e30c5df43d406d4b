/** Experiment files of the workspace: a bad one becomes a diagnostic on the file, a good one runs. */
import * as vscode from 'vscode';
import * as assert from 'node:assert/strict';
import type { GradientDebuggerApi } from '../../../../src/extension/api';
import { activateApi, waitFor, workspaceFolder } from '../extensionApi';

describe('experiment files', () => {
  let api: GradientDebuggerApi;
  before(async () => {
    api = await activateApi();
  });

  it('a bad *.gradexp.json gets a diagnostic naming the field, and no run starts', async () => {
    const uri = vscode.Uri.joinPath(workspaceFolder(), 'bad.gradexp.json');
    const before = api.activeRun()?.id;
    // Resolving (instead of rejecting) is part of the contract: bad input is reported, never thrown.
    await vscode.commands.executeCommand('gradientDebugger.runExperiment', uri);
    const diags = await waitFor('diagnostics on bad.gradexp.json', () => {
      const d = vscode.languages.getDiagnostics(uri);
      return d.length > 0 ? d : undefined;
    });
    const hit = diags.find((d) => /epochs/.test(d.message));
    assert.ok(hit, `no diagnostic names "epochs": ${diags.map((d) => d.message).join(' | ')}`);
    assert.equal(hit.severity, vscode.DiagnosticSeverity.Error);
    // The field sits on line 8 (0-based 7) of the fixture: the diagnostic points there, not at the top.
    assert.equal(hit.range.start.line, 7, `diagnostic at line ${hit.range.start.line + 1}`);
    assert.equal(api.activeRun()?.id, before, 'a run started from an invalid file');
  });

  it('a good *.gradexp.json runs to its last step (2 epochs × 64/16 batches = 8 steps)', async () => {
    const uri = vscode.Uri.joinPath(workspaceFolder(), 'good.gradexp.json');
    await vscode.commands.executeCommand('gradientDebugger.runExperiment', uri);
    const run = await waitFor('the fixture run to be active', () => api.activeRun()?.name === 'fixture: fixed regression' && api.activeRun());
    await waitFor('the fixture run to finish', async () => {
      await api.whenIdle();
      return api.activeRun()!.step === 8 || undefined;
    });
    const r = api.activeRun()!;
    assert.equal(r.id, run.id);
    assert.equal(r.totalSteps, 8);
    assert.equal(r.state, 'done');
    assert.equal(vscode.languages.getDiagnostics(uri).length, 0);
    assert.ok(!r.diagnostics.some((d) => d.code === 'loss-broadcast'), 'the squeezed model must not broadcast');
  });
});
