/** The extension under test, activated, and its API object (GradientDebuggerApi from the team brief). */
import * as vscode from 'vscode';
import * as assert from 'node:assert/strict';
import type { GradientDebuggerApi } from '../../../src/extension/api';

export const EXTENSION_ID = 'gradient-debugger.gradient-debugger';

export async function activateApi(): Promise<GradientDebuggerApi> {
  const ext = vscode.extensions.getExtension<GradientDebuggerApi>(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is not loaded in this extension host`);
  const api = await ext.activate();
  assert.ok(api && typeof api.activeRun === 'function' && typeof api.postedMessages === 'function', 'activate() did not return the GradientDebuggerApi');
  return api;
}

export function workspaceFolder(): vscode.Uri {
  const f = vscode.workspace.workspaceFolders?.[0];
  assert.ok(f, 'the test launch opens the fixture folder as the workspace');
  return f.uri;
}

/** Polls `probe` until it returns a value other than undefined/false; fails with `what` after `ms`. */
export async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
