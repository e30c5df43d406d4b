/**
 * Where the end-to-end tests' screenshots go: always test-artifacts/ (the caller writes them there), and
 * docs/screenshots/ (what the README shows) only when GD_UPDATE_SCREENSHOTS=1, so an ordinary test run
 * leaves the git tree clean.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';

export const UPDATE_SCREENSHOTS_ENV = 'GD_UPDATE_SCREENSHOTS';

/** True when this run should refresh the committed screenshots. */
export function updatingScreenshots(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[UPDATE_SCREENSHOTS_ENV] === '1';
}

/**
 * Copies `file` (a screenshot in test-artifacts/) to `<root>/docs/screenshots/` under the same name when
 * updating screenshots; returns the copy's path, or undefined when nothing was copied.
 */
export function publishScreenshot(file: string, root: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (!updatingScreenshots(env)) return undefined;
  const dir = join(root, 'docs', 'screenshots');
  mkdirSync(dir, { recursive: true });
  const target = join(dir, basename(file));
  copyFileSync(file, target);
  return target;
}
