#!/usr/bin/env node
// Records a REAL run of the TypeScript runner as the host would post it to the panel, for the webview tests:
//   node scripts/record-run.mjs [--preset seed-broadcast] [--steps 300] [--out test/fixtures/seed-broadcast-messages.json]
// Needs `node scripts/build.mjs` first (it imports the runner from out/). The message sequence is what the
// extension's panel sends: `run`, `status` running, columnar `steps` batches of 10 (about one 30 Hz post each,
// built by src/stepColumns.ts as the panel channel builds them),
// `diagnostics` whenever the set changes, `status` at the end; plus the `stepDetail` answer for every step
// and the `whatIf` answer for each diagnosis that has a spec fix.
import { createRequire } from 'node:module';
import { mkdirSync, writeFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : dflt;
};
const preset = arg('preset', 'seed-broadcast');
const steps = Number(arg('steps', '300'));
const out = resolve(root, arg('out', `test/fixtures/${preset}-messages.json`));
const BATCH = 10;

let Runner, loadSpecFile, stepsMessage;
try {
  ({ Runner } = require(join(root, 'out/src/experiment/runner.js')));
  ({ loadSpecFile } = require(join(root, 'out/src/experiment/load.js')));
  ({ stepsMessage } = require(join(root, 'out/src/stepColumns.js')));
} catch (e) {
  console.error(`record-run: cannot load the runner from out/ (${e.message}); run \`node scripts/build.mjs\` first`);
  process.exit(1);
}
const file = join(root, 'presets', `${preset}.gradexp.json`);
const loaded = loadSpecFile(file);
if (!loaded.ok) {
  console.error(`record-run: ${file}:\n${loaded.errors.map((e) => `  ${e.path || '(root)'}: ${e.message}`).join('\n')}`);
  process.exit(1);
}
if (!Number.isInteger(steps) || steps < 1) {
  console.error('record-run: --steps must be a positive integer');
  process.exit(1);
}

const runner = new Runner(loaded.spec, { data: loaded.data, id: `${preset}-recording`, maxRecordedSteps: steps });
const runId = runner.info.id;
const messages = [{ type: 'run', run: runner.info }, { type: 'status', runId, state: 'running', step: 0, totalSteps: runner.totalSteps }];
let lastDiag = '[]';
let batch = [];
const until = Math.min(steps, runner.totalSteps);
while (runner.stepCount < until) {
  const rec = runner.step();
  if (!rec) break;
  batch.push(runner.summaries[runner.summaries.length - 1]);
  if (batch.length === BATCH || runner.stepCount === until || runner.finished) {
    messages.push(stepsMessage(runId, batch));
    batch = [];
    const diags = runner.diagnostics();
    const text = JSON.stringify(diags);
    if (text !== lastDiag) {
      messages.push({ type: 'diagnostics', runId, diagnostics: diags });
      lastDiag = text;
    }
  }
  if (runner.finished) break;
}
// The recording stops where a user would pause to look; a finished run reports its own end state.
const state = runner.finished ? runner.state : 'paused';
messages.push({ type: 'status', runId, state, step: runner.stepCount, totalSteps: runner.totalSteps });

const details = {};
for (let s = 1; s <= runner.stepCount; s++) {
  const r = runner.record(s);
  if (r) details[s] = { type: 'stepDetail', runId, record: r.record, complete: r.complete };
}
const whatIfs = {};
for (const d of runner.diagnostics()) {
  if (!d.fix?.specFix || whatIfs[d.code]) continue;
  const w = await runner.whatIf(d.code);
  if (w) whatIfs[d.code] = { type: 'whatIf', runId, whatIf: w };
}

const recording = {
  about: `A real run of presets/${preset}.gradexp.json by the TypeScript runner (out/src/experiment/runner.js), first ${runner.stepCount} of ${runner.totalSteps} steps, recorded by scripts/record-run.mjs. messages: what the host posts, in order; details: the stepDetail answer per step; whatIfs: the whatIf answer per diagnosis code.`,
  preset,
  steps: runner.stepCount,
  messages,
  details,
  whatIfs,
};
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify(recording));
const kb = statSync(out).size / 1024;
console.log(`record-run: ${preset}, ${runner.stepCount} steps, ${messages.length} messages, ${Object.keys(details).length} step details, what-ifs: ${Object.keys(whatIfs).join(', ') || 'none'} → ${out} (${kb.toFixed(0)} KB)`);
if (kb > 1536) {
  console.error('record-run: the recording is over 1.5 MB; use fewer --steps');
  process.exit(1);
}
