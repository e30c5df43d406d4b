/** The panel page must load with the cspSource real VS Code hands out, which contains quotes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { panelCsp, panelHtml } from '../../src/extension/panelHtml';

const nonce = 'AbCdEfGhIjKlMnOpQrStUv12';

test("panelHtml accepts VS Code 1.99's webview.cspSource ('self' https://*.vscode-cdn.net)", () => {
  const cspSource = "'self' https://*.vscode-cdn.net";
  const html = panelHtml({ cspSource, nonce, scriptUri: 'https://x.vscode-cdn.net/panel.js', styleUris: ['https://x.vscode-cdn.net/panel.css'] });
  assert.equal(panelCsp(cspSource, nonce), `default-src 'none'; img-src 'self' https://*.vscode-cdn.net data:; style-src 'self' https://*.vscode-cdn.net; font-src 'self' https://*.vscode-cdn.net; script-src 'nonce-${nonce}'`);
  // The policy sits in an attribute, so its quotes are escaped there.
  assert.ok(html.includes(`content="default-src &#39;none&#39;; img-src &#39;self&#39; https://*.vscode-cdn.net data:`), html.slice(0, 400));
  assert.ok(html.includes(`<script nonce="${nonce}"`), 'the bundle is loaded with the nonce');
});

test('panelHtml refuses a cspSource that would inject a directive', () => {
  assert.throws(() => panelHtml({ cspSource: "'self'; script-src 'unsafe-inline'", nonce, scriptUri: '', styleUris: [] }), /not a CSP source list/);
  assert.throws(() => panelHtml({ cspSource: '"x"', nonce, scriptUri: '', styleUris: [] }), /not a CSP source list/);
});
