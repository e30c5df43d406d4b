// Runs every test file under out/test (built by `npm run build`) in one node:test run, so the run ends
// with one summary line. Suites that need a host (Chromium, code-server, python3-torch) live in their own
// folders and are included here; they skip with a reason only when their host is missing and CI is not set.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const order = ['unit', 'python', 'webview', 'vscode'];
const only = process.argv.slice(2);
const files = [];
function walk(dir) {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (name.endsWith('.test.js')) files.push(p);
  }
}
for (const sub of order) {
  if (only.length && !only.includes(sub)) continue;
  try { walk(join(root, 'out/test', sub)); } catch { /* folder not there yet */ }
}
if (files.length === 0) { console.error('no test files found under out/test'); process.exit(1); }
const r = spawnSync(process.execPath, ['--test', '--test-reporter=spec', '--test-concurrency=1', ...files], { stdio: 'inherit', cwd: root });
process.exit(r.status ?? 1);
