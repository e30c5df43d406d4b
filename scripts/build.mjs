// Builds everything: typecheck + compile for tests (tsc → out/), and the esbuild bundles that ship (dist/).
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, copyFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);
const quiet = process.argv.includes('--quiet');

// tsc emits even when some file has a type error, so one half-done file does not stop everyone else's
// build; `npm test` runs the typecheck on its own and fails on any error.
try {
  execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', '.'], { stdio: 'inherit' });
} catch {
  console.error('build: tsc reported type errors (output was still emitted)');
  if (process.argv.includes('--strict')) process.exit(1);
}

const common = { bundle: true, sourcemap: true, logLevel: 'warning', legalComments: 'none', minify: true };
const jobs = [];
if (existsSync('src/extension/extension.ts'))
  jobs.push(build({ ...common, entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js', platform: 'node', format: 'cjs', target: 'node20', external: ['vscode'] }));
if (existsSync('src/cli.ts'))
  jobs.push(build({ ...common, entryPoints: ['src/cli.ts'], outfile: 'dist/cli.js', platform: 'node', format: 'cjs', target: 'node20', banner: { js: '#!/usr/bin/env node' } }));
if (existsSync('webview/main.ts'))
  jobs.push(build({ ...common, entryPoints: ['webview/main.ts'], outfile: 'dist/webview/panel.js', platform: 'browser', format: 'iife', target: 'es2022' }));
await Promise.all(jobs);

// The codicon font and css ship beside the webview bundle, so localResourceRoots can stay = dist/webview.
if (existsSync('webview/main.ts')) {
  mkdirSync('dist/webview', { recursive: true });
  for (const f of ['codicon.css', 'codicon.ttf']) copyFileSync(join('node_modules/@vscode/codicons/dist', f), join('dist/webview', f));
  if (existsSync('media/panel.css')) copyFileSync('media/panel.css', 'dist/webview/panel.css');
}
if (!quiet) {
  for (const f of ['dist/extension.js', 'dist/cli.js', 'dist/webview/panel.js'])
    if (existsSync(f)) console.log(`built ${f} (${(statSync(f).size / 1024).toFixed(1)} KB)`);
}
