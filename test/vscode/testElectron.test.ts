/**
 * .vscode-test.mjs (the desktop-VS-Code runner for machines with internet) rests on @vscode/test-electron: the
 * installed version must accept the project's Node (package.json engines.node, >=20; 3.x wants >=22 and
 * `npm ci` warned EBADENGINE) and still export the runTests() that .vscode-test.mjs calls.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..', '..');
const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8'));

/** The lowest major version a `>=N…` engines range allows. */
function minMajor(range: string): number {
  const m = /^\s*>=\s*v?(\d+)/.exec(range);
  assert.ok(m, `engines range "${range}" is not of the form >=N`);
  return Number(m[1]);
}

test('@vscode/test-electron accepts the Node version the project supports', () => {
  const project = readJson(join(root, 'package.json'));
  const pkg = readJson(join(root, 'node_modules/@vscode/test-electron/package.json'));
  const projectNode = minMajor(project.engines.node);
  assert.equal(projectNode, 20);
  assert.ok(minMajor(pkg.engines.node) <= projectNode, `@vscode/test-electron ${pkg.version} needs node ${pkg.engines.node}, the project supports node ${project.engines.node}`);
  assert.match(project.devDependencies['@vscode/test-electron'], /^\^2\./);
  assert.match(pkg.version, /^2\./);
  const lock = readJson(join(root, 'package-lock.json'));
  assert.equal(lock.packages['node_modules/@vscode/test-electron'].version, pkg.version, 'package-lock.json pins what is installed');
});

test('.vscode-test.mjs imports runTests from it, and the installed version exports runTests', async () => {
  const runner = readFileSync(join(root, '.vscode-test.mjs'), 'utf8');
  assert.match(runner, /import \{ runTests \} from '@vscode\/test-electron'/);
  // The options .vscode-test.mjs passes, all part of this version's TestOptions.
  const types = readFileSync(join(root, 'node_modules/@vscode/test-electron/out/runTest.d.ts'), 'utf8') + readFileSync(join(root, 'node_modules/@vscode/test-electron/out/download.d.ts'), 'utf8');
  for (const opt of ['version', 'extensionDevelopmentPath', 'extensionTestsPath', 'launchArgs']) {
    assert.match(runner, new RegExp(`\\b${opt}\\b`));
    assert.match(types, new RegExp(`\\b${opt}\\??:`), `${opt} is not an option of this @vscode/test-electron`);
  }
  const mod = await import('@vscode/test-electron');
  assert.equal(typeof mod.runTests, 'function');
});
