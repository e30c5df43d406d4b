/**
 * Starting and stopping code-server for a test: its own session/process group (so the file watcher and the
 * extension host it forks die with it), a throwaway user-data and extensions dir, a free port on 127.0.0.1.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface CodeServerOptions {
  bin: string;
  /** Folder opened as the workspace. */
  folder: string;
  /** false: workspace trust stays on and the folder is never trusted (restricted mode). */
  trusted: boolean;
  /** Extra env for the server and its extension host. */
  env?: Record<string, string>;
  /** Forwarded server output (it is noisy; default: kept only for the failure message). */
  onOutput?: (line: string) => void;
  startTimeoutMs?: number;
}

export interface CodeServer {
  host: string;
  port: number;
  /** http://host:port */
  origin: string;
  pid: number;
  userDataDir: string;
  extensionsDir: string;
  /** The last lines the server printed, for failure messages. */
  tail(): string;
  /** SIGTERM to the whole process group, SIGKILL after a grace period, temp dirs removed. */
  stop(): Promise<void>;
  /** Synchronous last resort for exit and signal handlers: SIGKILL to the whole process group, temp dirs removed. */
  killNow(): void;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

const USER_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'git.enabled': false,
  // Restricted mode without the modal prompt: the folder simply stays untrusted.
  'security.workspace.trust.startupPrompt': 'never',
  'security.workspace.trust.emptyWindow': false,
};

export async function startCodeServer(opts: CodeServerOptions): Promise<CodeServer> {
  const host = '127.0.0.1';
  const port = await freePort();
  const base = mkdtempSync(join(tmpdir(), 'gd-code-server-'));
  const userDataDir = join(base, 'user-data');
  const extensionsDir = join(base, 'extensions');
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  mkdirSync(extensionsDir, { recursive: true });
  writeFileSync(join(userDataDir, 'User', 'settings.json'), JSON.stringify(USER_SETTINGS, null, 2));
  for (const d of ['xdg-config', 'xdg-data', 'xdg-cache']) mkdirSync(join(base, d));

  const args = [
    '--bind-addr', `${host}:${port}`,
    '--auth', 'none',
    '--user-data-dir', userDataDir,
    '--extensions-dir', extensionsDir,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-getting-started-override',
    ...(opts.trusted ? ['--disable-workspace-trust'] : []),
    opts.folder,
  ];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    XDG_CONFIG_HOME: join(base, 'xdg-config'),
    XDG_DATA_HOME: join(base, 'xdg-data'),
    XDG_CACHE_HOME: join(base, 'xdg-cache'),
    // Fails at once instead of waiting on an unreachable marketplace.
    EXTENSIONS_GALLERY: '{"serviceUrl":"http://127.0.0.1:9/gallery","itemUrl":"http://127.0.0.1:9/item"}',
    ...opts.env,
  };
  delete env.VSCODE_IPC_HOOK_CLI;
  // detached = setsid(): the server leads a new process group whose id is its pid.
  const child: ChildProcess = spawn(opts.bin, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${opts.bin}`);
  // A pid file per live server, for a CI backstop that kills leftover groups by id (.ci/run).
  const pidFile = process.env.GD_PID_DIR ? join(process.env.GD_PID_DIR, `code-server-${pid}.pid`) : undefined;
  if (pidFile) writeFileSync(pidFile, String(pid));
  const lines: string[] = [];
  const onData = (buf: Buffer) => {
    for (const line of buf.toString('utf8').split('\n')) {
      if (!line.trim()) continue;
      lines.push(line);
      if (lines.length > 200) lines.shift();
      opts.onOutput?.(line);
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  let exited = false;
  const exitPromise = new Promise<void>((resolve) => child.on('exit', () => { exited = true; resolve(); }));

  const groupAlive = () => {
    try {
      process.kill(-pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const killNow = () => {
    try { process.kill(-pid, 'SIGKILL'); } catch { /* already gone */ }
    rmSync(base, { recursive: true, force: true, maxRetries: 3 });
    if (pidFile) rmSync(pidFile, { force: true });
  };
  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= (async () => {
    try { process.kill(-pid, 'SIGTERM'); } catch { /* already gone */ }
    const deadline = Date.now() + 5000;
    while (groupAlive() && Date.now() < deadline) await sleep(100);
    if (groupAlive()) killNow();
    const hard = Date.now() + 3000;
    while (groupAlive() && Date.now() < hard) await sleep(100);
    await Promise.race([exitPromise, sleep(1000)]);
    rmSync(base, { recursive: true, force: true });
    if (pidFile && !groupAlive()) rmSync(pidFile, { force: true });
  })());
  const server: CodeServer = { host, port, origin: `http://${host}:${port}`, pid, userDataDir, extensionsDir, tail: () => lines.slice(-40).join('\n'), stop, killNow };

  const deadline = Date.now() + (opts.startTimeoutMs ?? 60_000);
  for (;;) {
    if (exited) {
      await stop();
      throw new Error(`code-server exited before it answered /healthz:\n${server.tail()}`);
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`code-server did not answer /healthz within ${opts.startTimeoutMs ?? 60_000} ms:\n${server.tail()}`);
    }
    try {
      const res = await fetch(`${server.origin}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return server;
    } catch { /* not listening yet */ }
    await sleep(250);
  }
}

/**
 * Kills the server `current()` returns if this test process exits or is interrupted before the test stops it
 * itself (exit code 130 for SIGINT, 143 for SIGTERM). Returns the function that removes the guard.
 */
export function killOnExitOrSignal(current: () => CodeServer | undefined): () => void {
  const onExit = () => current()?.killNow();
  const onSignal = (sig: NodeJS.Signals) => {
    current()?.killNow();
    process.exit(sig === 'SIGINT' ? 130 : 143);
  };
  process.on('exit', onExit);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return () => {
    process.off('exit', onExit);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
