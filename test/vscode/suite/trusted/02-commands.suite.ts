/** Every command in package.json "contributes" (and every agreed one) is registered once the extension is active. */
import * as vscode from 'vscode';
import * as assert from 'node:assert/strict';
import { activateApi, EXTENSION_ID } from '../extensionApi';

const AGREED = [
  'gradientDebugger.runExperiment', 'gradientDebugger.pause', 'gradientDebugger.resume', 'gradientDebugger.step',
  'gradientDebugger.stepEpoch', 'gradientDebugger.reset', 'gradientDebugger.stop', 'gradientDebugger.exportRun',
  'gradientDebugger.openExperimentAsJson', 'gradientDebugger.traceScript',
];

describe('contributed commands', () => {
  before(async () => {
    await activateApi();
  });

  it('contributes every agreed command with the "Gradient Debugger" category', () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    const contributed: { command: string; category?: string; title: string }[] = ext.packageJSON.contributes?.commands ?? [];
    const ids = contributed.map((c) => c.command);
    assert.deepEqual(AGREED.filter((id) => !ids.includes(id)), [], 'agreed commands missing from contributes.commands');
    for (const c of contributed.filter((c) => AGREED.includes(c.command))) assert.equal(c.category, 'Gradient Debugger', `${c.command} category`);
  });

  it('registers every contributed command', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    const contributed: string[] = (ext.packageJSON.contributes?.commands ?? []).map((c: { command: string }) => c.command);
    assert.ok(contributed.length >= AGREED.length, `only ${contributed.length} commands contributed`);
    const registered = new Set(await vscode.commands.getCommands(true));
    assert.deepEqual(contributed.filter((id) => !registered.has(id)), [], 'contributed but not registered');
  });
});
