/**
 * Workspace Trust: in a folder the user has not trusted, traceScript must not execute the user's script.
 * This launch keeps trust on (no --disable-workspace-trust) with the startup prompt off, so the folder
 * stays in restricted mode. The trusted launch's 05-trace suite is the positive control that the same
 * script, command and marker do show execution when it is allowed.
 */
import * as vscode from 'vscode';
import * as assert from 'node:assert/strict';
import type { RunMessage } from '../../../../src/protocol';
import { activateApi, workspaceFolder } from '../extensionApi';

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}

describe('traceScript in an untrusted workspace', () => {
  it('the workspace really is untrusted', () => {
    assert.equal(vscode.workspace.isTrusted, false);
  });

  it('refuses: the script never runs and no traced run appears', async function () {
    this.timeout(30_000);
    const api = await activateApi();
    const script = vscode.Uri.joinPath(workspaceFolder(), 'broadcast_bug.py');
    const marker = vscode.Uri.joinPath(workspaceFolder(), 'ran.marker');
    assert.equal(await exists(marker), false, 'stale marker in a fresh workspace');
    const started = Date.now();
    await vscode.commands.executeCommand('gradientDebugger.traceScript', script);
    // A refusal answers at once; a spawned python would still be importing torch. Give it time to betray itself.
    assert.ok(Date.now() - started < 10_000, 'traceScript took long enough to have run something');
    await new Promise((r) => setTimeout(r, 8_000));
    assert.equal(await exists(marker), false, 'the script was executed in an untrusted workspace');
    const traced = api.postedMessages().filter((m): m is RunMessage => m.type === 'run' && m.run.source === 'trace');
    assert.deepEqual(traced.map((m) => m.run.script), []);
  });
});
