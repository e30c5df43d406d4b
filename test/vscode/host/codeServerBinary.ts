/**
 * Where code-server is: installed by scripts/install-code-server.sh into a cache folder outside the repo.
 * Both the node:test wrappers and scripts/run-vscode-tests.mjs ask here, so they agree on when to skip.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const CODE_SERVER_VERSION = '4.99.4';

export function codeServerDir(): string {
  const cache = process.env.GD_CACHE || join(homedir(), '.cache', 'gradient-debugger');
  return process.env.CODE_SERVER_DIR || join(cache, `code-server-${CODE_SERVER_VERSION}`);
}

/** The code-server binary, or undefined when it is not installed (no success marker). `GD_CODE_SERVER` overrides. */
export function findCodeServer(): string | undefined {
  const override = process.env.GD_CODE_SERVER;
  if (override) return existsSync(override) ? override : undefined;
  const dir = codeServerDir();
  const bin = join(dir, 'node_modules', '.bin', 'code-server');
  return existsSync(join(dir, '.installed-ok')) && existsSync(bin) ? bin : undefined;
}

export const CHROMIUM = process.env.GD_CHROMIUM || '/usr/bin/chromium';

/**
 * Why the real-VS-Code tests are skipped here, or undefined when they run. The only reason is a missing
 * code-server outside CI; in CI (and for any other missing piece, e.g. Chromium) they run and fail loudly.
 */
export function skipReason(): string | undefined {
  if (process.env.CI) return undefined;
  if (!findCodeServer()) return `code-server ${CODE_SERVER_VERSION} is not installed (run scripts/install-code-server.sh)`;
  return undefined;
}
