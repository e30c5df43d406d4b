/**
 * The Run Regression Experiment pickers as a user meets them: the real quick picks of the workbench, with
 * Enter pressed through `workbench.action.acceptSelectedQuickOpenItem`. Only the OS file dialog and the
 * first menu choice are scripted, by wrapping the `vscode.window` functions the extension calls (the test
 * and the extension share this extension's API object).
 */
import * as vscode from 'vscode';
import * as assert from 'node:assert/strict';
import type { GradientDebuggerApi } from '../../../../src/extension/api';
import type { RunMessage } from '../../../../src/protocol';
import { activateApi, waitFor, workspaceFolder } from '../extensionApi';

type AnyFn = (...args: any[]) => any;

/** Replaces vscode.window[name] until the returned function is called. */
function wrapWindow(name: 'showQuickPick' | 'showOpenDialog', make: (original: AnyFn) => AnyFn): () => void {
  const w = vscode.window as unknown as Record<string, AnyFn>;
  const original = w[name];
  w[name] = make(original.bind(vscode.window));
  assert.notEqual(w[name], original, `vscode.window.${String(name)} cannot be wrapped in this host`);
  return () => {
    w[name] = original;
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Presses Enter in the quick pick that `shown` belongs to, until that pick has closed. */
async function pressEnterUntil<T>(shown: Thenable<T>): Promise<T> {
  let settled = false;
  const p = Promise.resolve(shown).finally(() => (settled = true));
  for (let i = 0; i < 100 && !settled; i++) {
    await sleep(150);
    if (!settled) await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
  }
  return p;
}

const enc = (s: string) => new TextEncoder().encode(s);

describe('Run Regression Experiment pickers', () => {
  let api: GradientDebuggerApi;
  before(async () => {
    api = await activateApi();
  });

  it('lists a workspace experiment file by its name once, the folder (if any) as description', async () => {
    const ws = workspaceFolder();
    const nested = vscode.Uri.joinPath(ws, 'experiments', 'nested.gradexp.json');
    await vscode.workspace.fs.copy(vscode.Uri.joinPath(ws, 'good.gradexp.json'), nested, { overwrite: true });
    let offered: readonly vscode.QuickPickItem[] | undefined;
    const restore = wrapWindow('showQuickPick', () => async (items: readonly vscode.QuickPickItem[] | Thenable<readonly vscode.QuickPickItem[]>) => {
      offered = await items;
      return undefined;
    });
    try {
      await vscode.commands.executeCommand('gradientDebugger.runExperiment');
    } finally {
      restore();
      await vscode.workspace.fs.delete(vscode.Uri.joinPath(ws, 'experiments'), { recursive: true });
    }
    assert.ok(offered, 'no quick pick was shown');
    const files = offered.filter((i) => /\.gradexp\.json$/.test(i.label));
    const good = files.find((i) => i.label === 'good.gradexp.json');
    const deep = files.find((i) => i.label === 'nested.gradexp.json');
    assert.ok(good && deep, `workspace rows: ${JSON.stringify(files)}`);
    assert.equal(good.description, undefined, 'a file at the top of the folder needs no description');
    assert.equal(deep.description, 'experiments');
    for (const f of files) assert.ok(!(f.description ?? '').includes(f.label), `"${f.label}" is named again in its description "${f.description}"`);
  });

  it('Open CSV…: Enter in the target picker takes the last column, as its placeholder says', async function () {
    this.timeout(60_000);
    const csv = vscode.Uri.joinPath(workspaceFolder(), 'houses.csv');
    const rows = ['size_m2,rooms,price_k'];
    for (let i = 0; i < 40; i++) rows.push(`${60 + 3 * i},${1 + (i % 5)},${(120 + 2.1 * (60 + 3 * i) + 9 * (1 + (i % 5))).toFixed(2)}`);
    await vscode.workspace.fs.writeFile(csv, enc(rows.join('\n') + '\n'));
    let calls = 0;
    let targetPick: { items: readonly vscode.QuickPickItem[]; placeHolder?: string } | undefined;
    const restoreDialog = wrapWindow('showOpenDialog', () => async () => [csv]);
    const restorePick = wrapWindow('showQuickPick', (original) => async (items: readonly vscode.QuickPickItem[] | Thenable<readonly vscode.QuickPickItem[]>, options?: vscode.QuickPickOptions) => {
      calls++;
      const list = await items;
      if (calls === 1) return list.find((i) => /Open CSV/.test(i.label));
      if (calls === 2) targetPick = { items: list, placeHolder: options?.placeHolder };
      // The real quick pick, and Enter: whatever row is active when it opens is what the user gets.
      return pressEnterUntil(original(list, options));
    });
    const before = api.activeRun()?.id;
    try {
      await vscode.commands.executeCommand('gradientDebugger.runExperiment');
    } finally {
      restorePick();
      restoreDialog();
    }
    assert.ok(targetPick, 'the target column was never asked for');
    assert.match(targetPick.placeHolder ?? '', /price_k/);
    const run = api.activeRun();
    assert.ok(run && run.id !== before, 'no run started from the CSV');
    assert.equal(run.name, 'houses.csv: price_k');
    const msg = await waitFor('the CSV run posted to the panel', () => api.postedMessages().find((m): m is RunMessage => m.type === 'run' && m.run.id === run.id));
    const data = (msg.run.spec as { data: { kind: string; target?: string; features?: string[] } }).data;
    assert.equal(data.target, 'price_k');
    assert.deepEqual(data.features, ['size_m2', 'rooms'], 'Enter in the feature picker keeps every other column');
    await vscode.commands.executeCommand('gradientDebugger.stop');
    await api.whenIdle();
    await vscode.workspace.fs.delete(csv);
  });
});
