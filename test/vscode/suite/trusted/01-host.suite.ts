/** The harness itself: this is code-server's VS Code 1.99 with the fixture folder open and trusted. */
import * as vscode from 'vscode';
import * as assert from 'node:assert/strict';
import { workspaceFolder } from '../extensionApi';

describe('real VS Code host', () => {
  it('is VS Code 1.99 (code-server 4.99.4)', () => {
    assert.match(vscode.version, /^1\.99\./);
  });

  it('opened the fixture workspace, trusted', async () => {
    const names = (await vscode.workspace.fs.readDirectory(workspaceFolder())).map(([n]) => n).sort();
    assert.ok(names.includes('bad.gradexp.json') && names.includes('broadcast_bug.py'), `workspace holds ${names.join(', ')}`);
    assert.equal(vscode.workspace.isTrusted, true);
  });
});
