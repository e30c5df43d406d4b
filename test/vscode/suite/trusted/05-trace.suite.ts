/**
 * The positive control for the untrusted-workspace test: in a trusted workspace traceScript does execute
 * the script (it leaves ran.marker) and shows a traced run. Needs /usr/bin/python3 with torch.
 */
import * as vscode from 'vscode';
import * as assert from 'node:assert/strict';
import type { GradientDebuggerApi } from '../../../../src/extension/api';
import type { RunMessage } from '../../../../src/protocol';
import { activateApi, waitFor, workspaceFolder } from '../extensionApi';

describe('traceScript in a trusted workspace', () => {
  let api: GradientDebuggerApi;
  before(async () => {
    api = await activateApi();
  });

  it('runs the script and shows a traced run with the loss broadcast', async function () {
    this.timeout(120_000);
    const script = vscode.Uri.joinPath(workspaceFolder(), 'broadcast_bug.py');
    const marker = vscode.Uri.joinPath(workspaceFolder(), 'ran.marker');
    await vscode.commands.executeCommand('gradientDebugger.traceScript', script);
    await waitFor('ran.marker written by the script', async () => (await vscode.workspace.fs.stat(marker)).size > 0, 90_000);
    const msg = await waitFor('a traced run posted to the panel', () =>
      api.postedMessages().find((m): m is RunMessage => m.type === 'run' && m.run.source === 'trace' && (m.run.script ?? '').endsWith('broadcast_bug.py')), 90_000);
    await waitFor('the trace to report loss-broadcast', async () => {
      await api.whenIdle();
      const r = api.activeRun();
      return r?.id === msg.run.id && r.diagnostics.some((d) => d.code === 'loss-broadcast');
    }, 90_000);
  });
});
