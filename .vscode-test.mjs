// Extension-host tests in a downloaded desktop VS Code, for machines WITH internet access:
//   npm run test:vscode      (= build, then `node .vscode-test.mjs`)
// @vscode/test-electron (the 2.x line: 3.x needs Node 22, the project supports Node 20) downloads VS Code
// 1.99.3 from update.code.visualstudio.com, so this cannot run on the offline build machines; there
// `npm test` runs the same suites in code-server instead (scripts/run-vscode-tests.mjs, wrapped by
// test/vscode/vscode.test.ts). Not run on the offline machines,
// so not verified there.
// Same two launches as the code-server runner: a trusted workspace (index.js) and an untrusted one
// (untrusted.js: trust on, no startup prompt, so the folder stays in restricted mode).
import { runTests } from '@vscode/test-electron';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));
const version = '1.99.3';
const launches = [
  { tests: 'out/test/vscode/suite/index.js', trusted: true },
  { tests: 'out/test/vscode/suite/untrusted.js', trusted: false },
];

let failed = 0;
for (const l of launches) {
  const base = mkdtempSync(join(tmpdir(), 'gd-vscode-electron-'));
  const workspace = join(base, 'workspace');
  cpSync(join(root, 'test/vscode/workspace-fixture'), workspace, { recursive: true });
  mkdirSync(join(base, 'user-data', 'User'), { recursive: true });
  writeFileSync(join(base, 'user-data', 'User', 'settings.json'), JSON.stringify({ 'security.workspace.trust.startupPrompt': 'never' }));
  try {
    await runTests({
      version,
      extensionDevelopmentPath: root,
      extensionTestsPath: join(root, l.tests),
      launchArgs: [workspace, '--disable-extensions', `--user-data-dir=${join(base, 'user-data')}`, ...(l.trusted ? ['--disable-workspace-trust'] : [])],
    });
  } catch (e) {
    console.error(`${l.tests}: ${e instanceof Error ? e.message : e}`);
    failed++;
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}
process.exit(failed ? 1 : 0);
