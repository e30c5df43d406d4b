/** Which Python the tracer tests use, and whether it has torch. CI must have it: there the tests never skip. */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const PYTHON = process.env.GD_TEST_PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');

function probe(): string | undefined {
  const r = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8', timeout: 120_000 });
  if (r.error) return `${PYTHON} cannot be started (${r.error.message})`;
  if (r.status !== 0) return `${PYTHON} cannot import torch`;
  return undefined;
}

const missing = probe();
/** node:test `skip` value: a reason when torch is missing outside CI, else false (run, and fail if missing). */
export const SKIP: string | false = missing && !process.env.CI ? `${missing}; install python3-torch (skipped outside CI)` : false;

/** test/python/scripts, from out/test/python or test/python. */
export const SCRIPTS = [join(__dirname, 'scripts'), join(__dirname, '..', '..', '..', 'test', 'python', 'scripts')].find((d) => existsSync(join(d, 'seed_broadcast.py')))!;

export function script(name: string): string {
  return join(SCRIPTS, name);
}

/** The 1-based line of the `# LINE:<tag>` marker in a script, so tests name exact lines without hard-coding them. */
export function lineOf(name: string, tag: string): number {
  const lines = readFileSync(script(name), 'utf8').split('\n');
  const i = lines.findIndex((l) => l.includes(`# LINE:${tag}`));
  if (i < 0) throw new Error(`no marker LINE:${tag} in ${name}`);
  return i + 1;
}
