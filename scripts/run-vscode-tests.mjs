#!/usr/bin/env node
// Runs the mocha suites of test/vscode/suite inside a real VS Code: code-server 4.99.4 (installed by
// scripts/install-code-server.sh) with the extension loaded from this repo as a development extension,
// driven by Debian's Chromium. Builds nothing: run `npm run build` (or `npm test`) first.
//
//   node scripts/run-vscode-tests.mjs [--only trusted|untrusted] [--timeout-ms N] [--server-log] [--grep RE]
//
// Two launches: "trusted" (--disable-workspace-trust, suite/index.js) and "untrusted" (trust on, the
// temp folder never trusted, suite/untrusted.js). Exit code: 0 when both passed, 1 when a suite failed,
// 2 when the build output is missing, 3 when code-server is not installed, 124 on a timeout, 130/143 on a
// signal. code-server's whole process group is killed on every one of those paths.
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const only = opt('--only');
const launchTimeoutMs = Number(opt('--timeout-ms') ?? 300_000);
const serverLog = args.includes('--server-log');
if (opt('--grep')) process.env.GD_VSCODE_GREP = opt('--grep');

const LAUNCHES = [
  { name: 'trusted', trusted: true, tests: 'out/test/vscode/suite/index.js' },
  { name: 'untrusted', trusted: false, tests: 'out/test/vscode/suite/untrusted.js' },
].filter((l) => !only || l.name === only);
if (LAUNCHES.length === 0) fail(2, `--only must be trusted or untrusted, not "${only}"`);

for (const f of ['out/test/vscode/host/codeServer.js', 'package.json', 'dist/extension.js', ...LAUNCHES.map((l) => l.tests)]) {
  if (!existsSync(join(root, f))) fail(2, `missing ${f}: build first (npm run build)`);
}
const { findCodeServer, CODE_SERVER_VERSION } = require(join(root, 'out/test/vscode/host/codeServerBinary.js'));
const { startCodeServer } = require(join(root, 'out/test/vscode/host/codeServer.js'));
const { openWorkbench } = require(join(root, 'out/test/vscode/host/workbench.js'));
const bin = findCodeServer();
if (!bin) fail(3, `code-server ${CODE_SERVER_VERSION} is not installed: run scripts/install-code-server.sh`);

// Everything that must die with this process, newest last.
const live = { server: undefined, workbench: undefined, workspace: undefined };
let cleaning;
function cleanup() {
  cleaning ??= (async () => {
    const { server, workbench, workspace } = live;
    live.server = live.workbench = live.workspace = undefined;
    await workbench?.close();
    await server?.stop();
    if (workspace) rmSync(workspace, { recursive: true, force: true });
  })();
  return cleaning.finally(() => (cleaning = undefined));
}
// Synchronous: usable from 'exit' and signal handlers, where awaiting a browser close may never finish.
function killAllNow() {
  live.server?.killNow();
  if (live.workspace) rmSync(live.workspace, { recursive: true, force: true, maxRetries: 3 });
}
process.on('exit', killAllNow);
for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]]) {
  process.on(sig, () => {
    console.error(`run-vscode-tests: ${sig}, killing code-server (pgid ${live.server?.pid ?? '-'})`);
    killAllNow();
    // Chromium is playwright's child and dies with this process.
    process.exit(code);
  });
}
process.on('uncaughtException', (e) => {
  console.error('run-vscode-tests: uncaught', e);
  killAllNow();
  process.exit(1);
});
// Watchdog over everything (server start, browser, suites): nothing may outlive this.
const totalMs = LAUNCHES.length * (launchTimeoutMs + 90_000);
const watchdog = setTimeout(() => {
  console.error(`run-vscode-tests: gave up after ${totalMs} ms`);
  killAllNow();
  process.exit(124);
}, totalMs);

function fail(code, msg) {
  console.error(`run-vscode-tests: ${msg}`);
  process.exit(code);
}

function withTimeout(promise, ms, what) {
  let t;
  return Promise.race([promise, new Promise((_, rej) => (t = setTimeout(() => rej(Object.assign(new Error(`${what}: no result after ${ms} ms`), { timeout: true })), ms)))]).finally(() => clearTimeout(t));
}

async function runLaunch(launch) {
  const t0 = Date.now();
  const workspace = mkdtempSync(join(tmpdir(), `gd-vscode-ws-${launch.name}-`));
  live.workspace = workspace;
  cpSync(join(root, 'test/vscode/workspace-fixture'), workspace, { recursive: true });
  console.log(`\n=== vscode tests, ${launch.name} workspace (${workspace}) ===`);
  const server = await startCodeServer({ bin, folder: workspace, trusted: launch.trusted, startTimeoutMs: 60_000, onOutput: serverLog ? (l) => console.log(`[code-server] ${l}`) : undefined });
  live.server = server;
  console.log(`code-server ${CODE_SERVER_VERSION} up at ${server.origin} (pgid ${server.pid}) in ${Date.now() - t0} ms`);
  const wb = await openWorkbench({
    server,
    folder: workspace,
    extensionDevelopmentPath: root,
    extensionTestsPath: join(root, launch.tests),
    // The one expected error: the extension gallery is pointed at a dead port on purpose (no internet).
    onLog: (text) => { if (!/ECONNREFUSED 127\.0\.0\.1:9\b/.test(text)) console.log(text); },
  });
  live.workbench = wb;
  const crashed = new Promise((_, rej) => {
    wb.page.on('crash', () => rej(new Error('the workbench page crashed')));
    wb.page.on('close', () => rej(new Error('the workbench page closed before the tests ended')));
  });
  let code;
  try {
    code = await withTimeout(Promise.race([wb.exitCode, crashed]), launchTimeoutMs, `${launch.name} suites`);
  } catch (e) {
    console.error(`run-vscode-tests: ${e.message}\n--- code-server output (tail) ---\n${server.tail()}`);
    code = e.timeout ? 124 : 1;
  }
  await cleanup();
  console.log(`=== ${launch.name}: exit code ${code} in ${((Date.now() - t0) / 1000).toFixed(1)} s ===`);
  return code;
}

let worst = 0;
try {
  for (const launch of LAUNCHES) {
    const code = await runLaunch(launch);
    if (code !== 0 && worst === 0) worst = code;
  }
} catch (e) {
  console.error(`run-vscode-tests: ${e instanceof Error ? e.stack : e}`);
  worst = worst || 1;
} finally {
  await cleanup();
  clearTimeout(watchdog);
}
process.exit(worst);
