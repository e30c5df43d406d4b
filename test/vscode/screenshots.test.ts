/** The e2e tests touch docs/screenshots/ only when asked to (GD_UPDATE_SCREENSHOTS=1). */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { publishScreenshot } from './host/screenshots';

function fakeRepo(): { root: string; shot: string } {
  const root = mkdtempSync(join(tmpdir(), 'gd-shots-'));
  mkdirSync(join(root, 'test-artifacts'));
  const shot = join(root, 'test-artifacts', 'vscode-seed-broadcast.png');
  writeFileSync(shot, 'png bytes');
  return { root, shot };
}

test('without GD_UPDATE_SCREENSHOTS (or with any value but 1) nothing is written under docs/', () => {
  for (const env of [{}, { GD_UPDATE_SCREENSHOTS: '0' }, { GD_UPDATE_SCREENSHOTS: 'true' }] as NodeJS.ProcessEnv[]) {
    const { root, shot } = fakeRepo();
    try {
      assert.equal(publishScreenshot(shot, root, env), undefined);
      assert.equal(existsSync(join(root, 'docs')), false, `docs/ created with env ${JSON.stringify(env)}`);
      assert.equal(readFileSync(shot, 'utf8'), 'png bytes', 'the artifact stays');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }
});

test('GD_UPDATE_SCREENSHOTS=1 copies the artifact to docs/screenshots/ under the same name', () => {
  const { root, shot } = fakeRepo();
  try {
    const copy = publishScreenshot(shot, root, { GD_UPDATE_SCREENSHOTS: '1' });
    assert.equal(copy, join(root, 'docs', 'screenshots', 'vscode-seed-broadcast.png'));
    assert.equal(readFileSync(copy, 'utf8'), 'png bytes');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
