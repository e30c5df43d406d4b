/**
 * The seed bug, end to end in the extension host: the preset runs, the panel opens and is told about the
 * loss broadcast, the stepping commands move the run exactly, and the Tensor Shapes tree flags the [N,N] loss.
 */
import * as vscode from 'vscode';
import * as assert from 'node:assert/strict';
import type { GradientDebuggerApi } from '../../../../src/extension/api';
import type { DiagnosticsMessage, RunMessage } from '../../../../src/protocol';
import { activateApi, waitFor } from '../extensionApi';

const STEPS_PER_EPOCH = 100;

function panelTabs(): vscode.Tab[] {
  return vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.includes('gradientDebugger.panel'));
}

describe('seed-broadcast preset', () => {
  let api: GradientDebuggerApi;
  let runId: string;

  before(async () => {
    api = await activateApi();
  });

  it('runExperiment {preset} opens the panel and posts a loss-broadcast diagnosis', async () => {
    await vscode.commands.executeCommand('gradientDebugger.runExperiment', { preset: 'seed-broadcast' });
    const run = api.activeRun();
    assert.ok(run, 'no active run after runExperiment');
    runId = run.id;
    await waitFor('the panel webview tab', () => panelTabs().length === 1);
    const runMsg = api.postedMessages().find((m): m is RunMessage => m.type === 'run' && m.run.id === runId);
    assert.ok(runMsg, 'the panel was not sent the run');
    assert.deepEqual(Object.values(runMsg.run.params), [[1, 2]], 'seed model is nn.Linear(2,1,bias=False)');
    const diag = await waitFor('a diagnostics message with loss-broadcast', () =>
      api.postedMessages().find((m): m is DiagnosticsMessage => m.type === 'diagnostics' && m.runId === runId && m.diagnostics.some((d) => d.code === 'loss-broadcast')),
    );
    const d = diag.diagnostics.find((x) => x.code === 'loss-broadcast')!;
    assert.equal(d.severity, 'error');
  });

  it('reset, step, step, stepEpoch move the run to 0, 1, 2, then the end of the epoch', async () => {
    await vscode.commands.executeCommand('gradientDebugger.reset');
    await api.whenIdle();
    assert.equal(api.activeRun()?.id, runId);
    assert.equal(api.activeRun()?.step, 0);
    await vscode.commands.executeCommand('gradientDebugger.step');
    await api.whenIdle();
    assert.equal(api.activeRun()?.step, 1);
    await vscode.commands.executeCommand('gradientDebugger.step');
    await api.whenIdle();
    assert.equal(api.activeRun()?.step, 2);
    await vscode.commands.executeCommand('gradientDebugger.stepEpoch');
    // stepEpoch starts a bounded background run: wait until it has really begun and then ended.
    await waitFor('stepEpoch to run', () => api.activeRun()!.step > 2 || api.activeRun()!.state !== 'paused', 10_000).catch(() => undefined);
    await api.whenIdle();
    const r = api.activeRun()!;
    assert.equal(r.step, STEPS_PER_EPOCH);
    assert.ok(r.totalSteps > STEPS_PER_EPOCH, `totalSteps ${r.totalSteps}`);
    assert.notEqual(r.state, 'running');
  });

  it('Tensor Shapes flags the loss op that broadcast to [100,100]', async () => {
    const squash = (s: string | undefined) => (s ?? '').replace(/\s+/g, '');
    const node = await waitFor('a warning node naming [100,100]', () =>
      api.shapesTree().find((n) => n.warning && (squash(n.label).includes('[100,100]') || squash(n.description).includes('[100,100]'))),
    );
    assert.match(node.label, /loss|mse/i);
    // The inputs that broadcast: prediction [100,1] against target [100].
    assert.ok(squash(node.description).includes('[100,1]'), `description: ${node.description}`);
    assert.ok(node.children.some((c) => c.label.startsWith('in')), `children: ${JSON.stringify(node.children)}`);
  });
});
