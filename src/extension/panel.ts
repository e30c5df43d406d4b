/**
 * The panel: one WebviewPanel showing the active run. Its page comes from panelHtml() (shared with the
 * Chromium test harness), scripts only with this load's nonce, resources only from dist/webview.
 */
import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';
import { panelHtml } from './panelHtml';
import { PanelChannel } from './panelChannel';
import { PostGate } from './postGate';
import type { RunHub } from './runHub';
import type { HostMessage } from '../protocol';

export const PANEL_VIEW_TYPE = 'gradientDebugger.panel';

export class PanelHost implements vscode.Disposable {
  readonly channel: PanelChannel;
  private panel: vscode.WebviewPanel | undefined;
  private panelSubs: vscode.Disposable[] = [];
  private readonly gate = new PostGate((m) => this.postNow(m));

  constructor(
    private readonly context: vscode.ExtensionContext,
    hub: RunHub,
    private readonly output: vscode.LogOutputChannel,
    hz: () => number,
  ) {
    this.channel = new PanelChannel(hub, (m) => this.gate.post(m), {
      hz,
      log: output,
      revealSource: (file, line) => void this.revealSource(file, line),
    });
  }

  get isOpen(): boolean {
    return this.panel !== undefined;
  }

  private get webviewRoot(): vscode.Uri {
    return vscode.Uri.joinPath(this.context.extensionUri, 'dist', 'webview');
  }

  private options(): vscode.WebviewOptions & vscode.WebviewPanelOptions {
    return { enableScripts: true, localResourceRoots: [this.webviewRoot], retainContextWhenHidden: false, enableFindWidget: false };
  }

  /** Opens the panel, or brings it forward. */
  show(preserveFocus = false): void {
    if (this.panel) {
      this.panel.reveal(undefined, preserveFocus);
      return;
    }
    const panel = vscode.window.createWebviewPanel(PANEL_VIEW_TYPE, 'Gradient Debugger', { viewColumn: vscode.ViewColumn.Beside, preserveFocus }, this.options());
    this.adopt(panel);
  }

  /** Takes over a panel (a new one, or one VS Code restored after a reload). */
  adopt(panel: vscode.WebviewPanel): void {
    if (this.panel && this.panel !== panel) this.panel.dispose();
    this.panel = panel;
    this.gate.reset();
    panel.webview.options = this.options();
    panel.iconPath = vscode.Uri.joinPath(this.context.extensionUri, 'media', 'icon.svg');
    this.channel.detach();
    this.panelSubs.push(
      panel.webview.onDidReceiveMessage((m: unknown) => {
        this.channel.onMessage(m).catch((e: unknown) => this.output.error(`panel message failed: ${(e as Error).message}`));
      }),
      panel.onDidDispose(() => {
        if (this.panel !== panel) return;
        this.panel = undefined;
        this.gate.reset();
        this.channel.detach();
        for (const d of this.panelSubs.splice(0)) d.dispose();
      }),
    );
    panel.webview.html = this.html(panel.webview);
    this.channel.attach();
  }

  private html(webview: vscode.Webview): string {
    try {
      return this.pageHtml(webview);
    } catch (e) {
      // A page that cannot be built safely is not shown at all: a script-free page says why.
      const msg = (e as Error).message;
      this.output.error(`the panel page could not be built: ${msg}`);
      void vscode.window.showErrorMessage(`Gradient Debugger: the panel could not be shown: ${msg}`);
      const esc = msg.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
      return `<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy" content="default-src 'none'"></head><body><p>The Gradient Debugger panel could not be shown: ${esc}</p></body></html>`;
    }
  }

  private pageHtml(webview: vscode.Webview): string {
    const asset = (name: string) => webview.asWebviewUri(vscode.Uri.joinPath(this.webviewRoot, name)).toString();
    return panelHtml({
      cspSource: webview.cspSource,
      // A fresh nonce for every load: a script that was not written by this load cannot run.
      nonce: randomBytes(18).toString('base64url'),
      scriptUri: asset('panel.js'),
      styleUris: [asset('codicon.css'), asset('panel.css')],
    });
  }

  /** Posts at once; settles when the workbench has handed the message to the page (PostGate waits for that). */
  private postNow(m: HostMessage): Promise<boolean> {
    const p = this.panel;
    if (!p) return Promise.resolve(false);
    return Promise.resolve(p.webview.postMessage(m)).then(
      (ok) => {
        if (!ok) this.output.debug(`panel did not take a ${m.type} message (hidden or reloading)`);
        return ok;
      },
      (e: unknown) => {
        this.output.warn(`posting ${m.type} failed: ${(e as Error).message}`);
        return false;
      },
    );
  }

  private async revealSource(file: string, line: number): Promise<void> {
    // Only files that exist and that the user can open anyway: the message came from the webview.
    const uri = vscode.Uri.file(file);
    try {
      await vscode.workspace.fs.stat(uri);
    } catch {
      this.output.warn(`revealSource: ${file} does not exist`);
      return;
    }
    const doc = await vscode.workspace.openTextDocument(uri);
    const pos = new vscode.Position(Math.max(0, Math.min(line - 1, doc.lineCount - 1)), 0);
    await vscode.window.showTextDocument(doc, { selection: new vscode.Range(pos, pos), viewColumn: vscode.ViewColumn.One });
  }

  dispose(): void {
    this.channel.dispose();
    this.panel?.dispose();
    for (const d of this.panelSubs.splice(0)) d.dispose();
  }
}
