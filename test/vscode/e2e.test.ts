/**
 * End to end through the real UI: code-server with the extension (loaded from this repo as a development
 * extension via the workbench payload), Chromium presses F1, runs "Gradient Debugger: Run Regression
 * Experiment", picks seed-broadcast, and the panel webview must show the [100,100] loss row and the
 * loss-broadcast banner. Screenshot: test-artifacts/vscode-seed-broadcast.png, copied to docs/screenshots/ only
 * when GD_UPDATE_SCREENSHOTS=1.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPaletteCommand } from './host/palette';
import { findCodeServer, skipReason } from './host/codeServerBinary';
import { killOnExitOrSignal, startCodeServer, type CodeServer } from './host/codeServer';
import { openWorkbench, type Workbench } from './host/workbench';
import { publishScreenshot } from './host/screenshots';

const root = join(__dirname, '..', '..', '..');
const COMMAND = 'Gradient Debugger: Run Regression Experiment';

test('F1 → Run Regression Experiment → seed-broadcast shows the broadcast in the panel', { skip: skipReason(), timeout: 5 * 60_000 }, async () => {
  const bin = findCodeServer();
  assert.ok(bin, 'code-server is not installed (scripts/install-code-server.sh); CI must install it');
  const artifacts = join(root, 'test-artifacts');
  mkdirSync(artifacts, { recursive: true });
  const workspace = mkdtempSync(join(tmpdir(), 'gd-e2e-ws-'));
  cpSync(join(root, 'test/vscode/workspace-fixture'), workspace, { recursive: true });
  let server: CodeServer | undefined;
  let wb: Workbench | undefined;
  const unguard = killOnExitOrSignal(() => server);
  try {
    server = await startCodeServer({ bin, folder: workspace, trusted: true });
    wb = await openWorkbench({ server, folder: workspace, extensionDevelopmentPath: root });
    const { page } = wb;
    await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 60_000 });

    await runPaletteCommand(page, COMMAND);
    // The quick pick of presets: rows carry the preset name as their description.
    const input = page.locator('.quick-input-widget input.input');
    await input.waitFor({ state: 'visible', timeout: 15_000 });
    await input.fill('seed-broadcast');
    const presetRow = page.locator('.quick-input-list .monaco-list-row').filter({ has: page.locator('.label-description', { hasText: /^seed-broadcast$/ }) }).first();
    await presetRow.waitFor({ state: 'visible', timeout: 15_000 });
    await presetRow.click();

    const panel = page.frameLocator('iframe.webview').frameLocator('#active-frame');
    const banner = panel.locator('li.diag[data-code="loss-broadcast"]');
    await banner.waitFor({ state: 'visible', timeout: 60_000 });
    assert.match(await banner.innerText(), /broadcast/i);
    const row = panel.locator('li[data-op-index]', { hasText: /\[100,\s*100\]/ }).first();
    await row.waitFor({ state: 'visible', timeout: 30_000 });
    const rowText = await row.innerText();
    assert.match(rowText, /\[100,\s*1\]/, `the flagged row shows the [100,1] prediction: ${rowText}`);

    await page.waitForTimeout(1_500); // let the charts draw a few chunks before the picture
    const shot = await page.screenshot({ path: join(artifacts, 'vscode-seed-broadcast.png') });
    publishScreenshot(join(artifacts, 'vscode-seed-broadcast.png'), root);
    assert.ok(shot.length > 10_000, 'screenshot is suspiciously small');
    await row.scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(artifacts, 'vscode-seed-broadcast-shapes.png') });
  } catch (e) {
    await wb?.page.screenshot({ path: join(artifacts, 'vscode-e2e-failure.png') }).catch(() => undefined);
    throw e;
  } finally {
    await wb?.close();
    await server?.stop();
    unguard();
    rmSync(workspace, { recursive: true, force: true });
  }
});
