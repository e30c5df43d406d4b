/**
 * Driving the workbench like a user: F1 and a command title, then a row of the quick pick that follows.
 */
import type { Page } from 'playwright-core';

const INPUT = '.quick-input-widget input.input';
const ROW = '.quick-input-list .monaco-list-row';

/** F1, type the command, click its row; a fresh profile lists contributed commands only after a while, so retry. */
export async function runPaletteCommand(page: Page, title: string, deadlineMs = 90_000): Promise<void> {
  const input = page.locator(INPUT);
  const deadline = Date.now() + deadlineMs;
  for (let attempt = 1; ; attempt++) {
    await page.keyboard.press('F1');
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    await input.fill(`>${title}`);
    const row = page.locator(ROW, { hasText: title }).first();
    try {
      await row.waitFor({ state: 'visible', timeout: 4_000 });
      await row.click();
      return;
    } catch (e) {
      await page.keyboard.press('Escape');
      if (Date.now() > deadline) throw new Error(`"${title}" never appeared in the command palette (${attempt} attempts): ${String(e)}`);
      await page.waitForTimeout(1_000);
    }
  }
}

/** In the open quick pick, filters by `description` and clicks the row whose description is exactly it. */
export async function pickByDescription(page: Page, description: string, timeoutMs = 15_000): Promise<void> {
  const input = page.locator(INPUT);
  await input.waitFor({ state: 'visible', timeout: timeoutMs });
  await input.fill(description);
  const exact = new RegExp(`^${escapeRegExp(description)}$`);
  const row = page.locator(ROW).filter({ has: page.locator('.label-description', { hasText: exact }) }).first();
  await row.waitFor({ state: 'visible', timeout: timeoutMs });
  await row.click();
}

/** In the open quick pick, filters by `text` and clicks the first row whose label or description holds it. */
export async function pickRowWithText(page: Page, text: string, timeoutMs = 15_000): Promise<void> {
  const input = page.locator(INPUT);
  await input.waitFor({ state: 'visible', timeout: timeoutMs });
  await input.fill(text);
  const row = page.locator(ROW, { hasText: text }).first();
  await row.waitFor({ state: 'visible', timeout: timeoutMs });
  await row.click();
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
