/**
 * The VS Code workbench of a running code-server, in Debian's Chromium driven by playwright-core.
 * `payload` carries the extension-development options (the CLI flags of the same names are rejected by
 * code-server); extension test output arrives through window.codeAutomationLog / codeAutomationExit.
 */
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM } from './codeServerBinary';
import type { CodeServer } from './codeServer';

export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export interface Workbench {
  browser: Browser;
  page: Page;
  /** Resolves with the code passed to codeAutomationExit (extension tests only). */
  exitCode: Promise<number>;
  close(): Promise<void>;
}

export interface WorkbenchOptions {
  server: CodeServer;
  folder: string;
  /** Absolute paths on this machine; turned into vscode-remote:// URIs of the server. */
  extensionDevelopmentPath?: string;
  extensionTestsPath?: string;
  onLog?: (text: string) => void;
  viewport?: { width: number; height: number };
}

export function remoteUri(server: CodeServer, absPath: string): string {
  return `vscode-remote://${server.host}:${server.port}${absPath}`;
}

export function workbenchUrl(opts: WorkbenchOptions): string {
  const { server } = opts;
  const payload: [string, string][] = [];
  if (opts.extensionDevelopmentPath) payload.push(['extensionDevelopmentPath', remoteUri(server, opts.extensionDevelopmentPath)]);
  if (opts.extensionTestsPath) payload.push(['extensionTestsPath', remoteUri(server, opts.extensionTestsPath)]);
  const q = new URLSearchParams({ folder: opts.folder });
  if (payload.length) q.set('payload', JSON.stringify(payload));
  return `${server.origin}/?${q.toString()}`;
}

export async function openWorkbench(opts: WorkbenchOptions): Promise<Workbench> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 60_000 });
  try {
    const context = await browser.newContext({ viewport: opts.viewport ?? { width: 1400, height: 900 } });
    const page = await context.newPage();
    let resolveExit!: (code: number) => void;
    const exitCode = new Promise<number>((r) => (resolveExit = r));
    await page.exposeFunction('codeAutomationLog', (type: unknown, args: unknown) => {
      opts.onLog?.(formatLog(type, args));
    });
    await page.exposeFunction('codeAutomationExit', (code: unknown) => {
      resolveExit(typeof code === 'number' ? code : 1);
    });
    await page.goto(workbenchUrl(opts), { waitUntil: 'domcontentloaded', timeout: 60_000 });
    return { browser, page, exitCode, close: () => browser.close().catch(() => undefined) };
  } catch (e) {
    await browser.close().catch(() => undefined);
    throw e;
  }
}

function formatLog(type: unknown, args: unknown): string {
  const parts = Array.isArray(args) ? args : [args];
  const text = parts.map((a) => (typeof a === 'string' ? a : safeJson(a))).join(' ');
  return type === 'error' || type === 'warn' ? `[${String(type)}] ${text}` : text;
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}
