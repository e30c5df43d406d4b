/**
 * Loads the real panel page (panelHtml() + dist/webview/panel.js) in headless Chromium, the way VS Code
 * hosts it: a tiny http server on 127.0.0.1 serves the bundle, `acquireVsCodeApi` is provided before any page
 * script runs, and host messages arrive through window.postMessage. What the page posts is recorded, and
 * `requestStep` is answered from a recording.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { panelHtml } from '../../src/extension/panelHtml';
import type { HostMessage, PanelState, StepDetailMessage, WebviewMessage, WhatIfMessage } from '../../src/protocol';
import { DARK, type TestTheme } from './themes';

export const ROOT = resolve(__dirname, '../../..');
export const BUNDLE_DIR = join(ROOT, 'dist/webview');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'];
export const SEED_FIXTURE = join(ROOT, 'test/fixtures/seed-broadcast-messages.json');

/** Why the browser suites cannot run here, or undefined when they can (in CI they must: never skipped). */
export function skipReason(): string | undefined {
  if (existsSync(CHROMIUM) || process.env.CI) return undefined;
  return `${CHROMIUM} is not installed (apt-get install chromium); the webview tests need a real browser`;
}

/** A recorded run: host messages in the order they were posted, and the stepDetail answer for each step. */
export interface Recording {
  about?: string;
  preset?: string;
  steps?: number;
  messages: HostMessage[];
  details: Record<string, StepDetailMessage>;
  /** The whatIf answer per diagnosis code. */
  whatIfs?: Record<string, WhatIfMessage>;
}

export function loadRecording(file = SEED_FIXTURE): Recording {
  return JSON.parse(readFileSync(file, 'utf8')) as Recording;
}

const TYPES: Record<string, string> = { '.js': 'text/javascript', '.css': 'text/css', '.ttf': 'font/ttf', '.map': 'application/json' };

export interface PanelServer {
  origin: string;
  close(): Promise<void>;
}

/** Serves the panel page at `/` and the files of dist/webview; nothing else. */
export async function startPanelServer(bundleDir = BUNDLE_DIR): Promise<PanelServer> {
  if (!existsSync(join(bundleDir, 'panel.js'))) throw new Error(`${bundleDir}/panel.js is missing: run \`node scripts/build.mjs\` first`);
  let origin = '';
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/favicon.ico') {
      res.writeHead(204).end(); // a webview has none; answering keeps the console free of 404s
      return;
    }
    if (path === '/' || path === '/index.html') {
      const nonce = randomBytes(18).toString('base64url');
      const html = panelHtml({ cspSource: origin, nonce, scriptUri: `${origin}/panel.js`, styleUris: [`${origin}/codicon.css`, `${origin}/panel.css`] });
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(html);
      return;
    }
    const name = path.slice(1);
    const ext = name.slice(name.lastIndexOf('.'));
    const file = join(bundleDir, name);
    if (!/^[\w.-]+$/.test(name) || !TYPES[ext] || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[ext], 'cache-control': 'no-store' });
    res.end(readFileSync(file));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { origin, close: () => new Promise((ok) => server.close(() => ok())) };
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

export interface OpenOptions {
  theme?: TestTheme;
  width?: number;
  height?: number;
  /** State the page's getState() returns at first load (what VS Code kept from an earlier panel). */
  state?: PanelState;
  /** Answers requestStep from this recording. */
  recording?: Recording;
}

export interface Panel {
  page: Page;
  /** Everything the page posted to the host, oldest first. */
  posted: WebviewMessage[];
  consoleErrors: string[];
  pageErrors: string[];
  /** Host messages sent into the page. */
  send(msg: unknown): Promise<void>;
  sendAll(msgs: unknown[]): Promise<void>;
  /** Resolves after the page has drawn at least one more animation frame (and its pending redraw). */
  settle(): Promise<void>;
  setTheme(theme: TestTheme): Promise<void>;
  close(): Promise<void>;
}

export async function openPanel(browser: Browser, server: PanelServer, o: OpenOptions = {}): Promise<Panel> {
  const context = await browser.newContext({ viewport: { width: o.width ?? 900, height: o.height ?? 1000 } });
  const page = await context.newPage();
  const posted: WebviewMessage[] = [];
  const consoleErrors: string[] = [];
  const pageErrors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => pageErrors.push(String(e)));

  const send = (msg: unknown) => page.evaluate((m) => window.postMessage(m, '*'), msg);
  await page.exposeFunction('__gdToHost', (msg: WebviewMessage) => {
    posted.push(msg);
    if (msg.type === 'requestStep' && o.recording) {
      const answer = o.recording.details[String(msg.step)];
      if (answer) void send(answer).catch(() => undefined); // the page may be closing
    }
    if (msg.type === 'runWhatIf' && o.recording?.whatIfs?.[msg.code]) void send(o.recording.whatIfs[msg.code]).catch(() => undefined);
  });
  const theme = o.theme ?? DARK;
  await page.addInitScript(
    ({ initial, theme }) => {
      const w = window as unknown as Record<string, unknown>;
      // VS Code keeps the state across reloads of the same panel; sessionStorage does the same here.
      const kept = sessionStorage.getItem('gd-test-state');
      let state: unknown = kept ? JSON.parse(kept) : initial;
      let acquired = false;
      w.__gdCsp = [] as { directive: string; blocked: string }[];
      document.addEventListener('securitypolicyviolation', (e) => {
        (w.__gdCsp as unknown[]).push({ directive: e.violatedDirective, blocked: e.blockedURI });
      });
      w.acquireVsCodeApi = () => {
        if (acquired) throw new Error('An instance of the VS Code API has already been acquired');
        acquired = true;
        return Object.freeze({
          postMessage: (m: unknown) => void (w.__gdToHost as (m: unknown) => Promise<void>)(JSON.parse(JSON.stringify(m))),
          getState: () => state,
          setState: (s: unknown) => {
            state = s;
            sessionStorage.setItem('gd-test-state', JSON.stringify(s));
            return s;
          },
        });
      };
      // As VS Code does: variables on <html>, the theme kind as a class on <body>, before page scripts run.
      const apply = () => {
        const html = document.documentElement;
        if (!html) return false;
        for (const [k, v] of Object.entries(theme.vars)) html.style.setProperty(k, v);
        if (!document.body) return false;
        document.body.classList.add(theme.bodyClass);
        return true;
      };
      if (!apply()) {
        const obs = new MutationObserver(() => {
          if (apply()) obs.disconnect();
        });
        obs.observe(document, { childList: true, subtree: true });
      }
    },
    { initial: o.state ?? null, theme },
  );
  await page.goto(`${server.origin}/`);
  await page.waitForFunction(() => (window as unknown as { gdPanelStats?: unknown }).gdPanelStats !== undefined);

  const settle = () =>
    page.evaluate(
      () =>
        new Promise<void>((ok) => {
          // Messages already posted are handled first (a timeout runs after them), then redraws run until the
          // panel has nothing scheduled (charts may share frames), then one more frame for paint.
          const stats = (window as unknown as { gdPanelStats: { busy: boolean } }).gdPanelStats;
          const wait = () => (stats.busy ? requestAnimationFrame(wait) : requestAnimationFrame(() => ok()));
          setTimeout(wait, 0);
        }),
    );
  return {
    page,
    posted,
    consoleErrors,
    pageErrors,
    send,
    async sendAll(msgs) {
      await page.evaluate((ms) => {
        for (const m of ms) window.postMessage(m, '*');
      }, msgs);
    },
    settle,
    async setTheme(t) {
      await page.evaluate((t) => {
        for (const [k, v] of Object.entries(t.vars)) document.documentElement.style.setProperty(k, v);
        document.body.classList.remove('vscode-dark', 'vscode-light', 'vscode-high-contrast');
        document.body.classList.add(t.bodyClass);
      }, t);
      await settle();
    },
    close: () => context.close(),
  };
}
