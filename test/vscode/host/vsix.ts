/**
 * The packaged extension, as a user gets it: dist/gradient-debugger.vsix built by `npm run package`, installed
 * with code-server's own `--install-extension` into an extensions dir (not loaded as a development extension).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const EXTENSION_ID = 'gradient-debugger.gradient-debugger';

/** What goes into the .vsix: when any of them is newer than the package, the package is stale. */
const PACKAGED_INPUTS = ['dist/extension.js', 'dist/cli.js', 'dist/webview/panel.js', 'dist/webview/panel.css', 'package.json'];

/**
 * dist/gradient-debugger.vsix, rebuilt with `npm run -s package` unless it is newer than every bundle it holds.
 * Returns the path and whether it was built now. `GD_VSIX` names a package to use instead (e.g. a deliberately
 * broken build, to see the end-to-end test fail).
 */
export function packagedVsix(root: string, timeoutMs = 240_000): { vsix: string; built: boolean; ms: number } {
  const override = process.env.GD_VSIX;
  if (override) {
    if (!existsSync(override)) throw new Error(`GD_VSIX=${override} does not exist`);
    return { vsix: override, built: false, ms: 0 };
  }
  const vsix = join(root, 'dist', 'gradient-debugger.vsix');
  const t0 = Date.now();
  const mtime = (f: string) => (existsSync(join(root, f)) ? statSync(join(root, f)).mtimeMs : Infinity);
  const fresh = existsSync(vsix) && PACKAGED_INPUTS.every((f) => mtime(f) < statSync(vsix).mtimeMs);
  if (fresh) return { vsix, built: false, ms: 0 };
  const r = spawnSync('npm', ['run', '-s', 'package'], { cwd: root, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0 || !existsSync(vsix)) {
    const out = `${r.stdout ?? ''}\n${r.stderr ?? ''}`.trim().split('\n').slice(-30).join('\n');
    throw new Error(`npm run package failed (exit ${r.status ?? r.signal}${r.error ? `, ${r.error.message}` : ''}):\n${out}`);
  }
  return { vsix, built: true, ms: Date.now() - t0 };
}

/**
 * `code-server --extensions-dir DIR --install-extension VSIX` in its own process group (killed on timeout),
 * with a throwaway user-data dir and home-dir writes redirected. Returns the installed extension's folder,
 * checked to hold the manifest and the bundle.
 */
export async function installVsix(bin: string, extensionsDir: string, vsix: string, timeoutMs = 90_000): Promise<string> {
  const scratch = mkdtempSync(join(tmpdir(), 'gd-vsix-install-'));
  try {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      XDG_CONFIG_HOME: join(scratch, 'xdg-config'),
      XDG_DATA_HOME: join(scratch, 'xdg-data'),
      XDG_CACHE_HOME: join(scratch, 'xdg-cache'),
      EXTENSIONS_GALLERY: '{"serviceUrl":"http://127.0.0.1:9/gallery","itemUrl":"http://127.0.0.1:9/item"}',
    };
    delete env.VSCODE_IPC_HOOK_CLI;
    const args = ['--user-data-dir', join(scratch, 'user-data'), '--extensions-dir', extensionsDir, '--install-extension', vsix];
    const child = spawn(bin, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout?.on('data', (b: Buffer) => (out += b.toString('utf8')));
    child.stderr?.on('data', (b: Buffer) => (out += b.toString('utf8')));
    const killGroup = () => {
      try { if (child.pid) process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ }
    };
    process.once('exit', killGroup);
    const code = await new Promise<number | string>((resolve) => {
      const t = setTimeout(() => {
        killGroup();
        resolve(`timeout after ${timeoutMs} ms`);
      }, timeoutMs);
      child.on('exit', (c, sig) => {
        clearTimeout(t);
        resolve(c ?? String(sig));
      });
    });
    killGroup(); // anything it left behind
    process.off('exit', killGroup);
    if (code !== 0) throw new Error(`code-server --install-extension failed (${code}):\n${out.trim()}`);
    const folder = readdirSync(extensionsDir).find((d) => d.toLowerCase().startsWith(`${EXTENSION_ID}-`));
    if (!folder) throw new Error(`--install-extension reported success but ${extensionsDir} holds no ${EXTENSION_ID}-*: ${readdirSync(extensionsDir).join(', ')}\n${out.trim()}`);
    const dir = join(extensionsDir, folder);
    for (const f of ['package.json', 'dist/extension.js', 'dist/webview/panel.js', 'presets/seed-broadcast.gradexp.json'])
      if (!existsSync(join(dir, f))) throw new Error(`the installed extension ${dir} has no ${f}`);
    return dir;
  } finally {
    rmSync(scratch, { recursive: true, force: true, maxRetries: 3 });
  }
}

/** Merges `patch` into the user settings.json of a code-server user-data dir (read at workbench load, and watched). */
export function patchUserSettings(userDataDir: string, patch: Record<string, unknown>): void {
  const file = join(userDataDir, 'User', 'settings.json');
  const current = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
  writeFileSync(file, JSON.stringify({ ...current, ...patch }, null, 2));
}
