// The seed workload in the core, with tracing and per-step recording on, exactly as the runner does it:
// 10000×2 inputs ×100, Linear(2,1,bias=False) → [100,1], MSE against [100], RMSprop lr 0.01, batch 100,
// 30 epochs = 3000 steps. Prints one JSON line.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
const require = createRequire(import.meta.url);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { loadPreset } = require(join(root, 'out/src/experiment/presets.js'));
const { Runner } = require(join(root, 'out/src/experiment/runner.js'));

const preset = process.argv[2] ?? 'seed-broadcast';
const repeats = Number(process.argv[3] ?? 5);
const l = loadPreset(preset);
if (!l.ok) throw new Error(JSON.stringify(l.errors));
// Warm-up runs until V8 has optimised the hot code (its steady state arrives within ~4 runs of 3000 steps, see
// coldMs for the first one), then the best of `repeats` timed runs. PyTorch's side warms up with one run.
const warmups = Number(process.argv[4] ?? 4);
let coldMs = 0;
for (let i = 0; i < warmups; i++) {
  const t0 = process.hrtime.bigint();
  new Runner(l.spec, { data: l.data }).runSync();
  if (i === 0) coldMs = Number(process.hrtime.bigint() - t0) / 1e6;
}
const times = [];
let r;
for (let i = 0; i < repeats; i++) {
  r = new Runner(l.spec, { data: l.data });
  const t0 = process.hrtime.bigint();
  r.runSync();
  times.push(Number(process.hrtime.bigint() - t0) / 1e6);
}
times.sort((a, b) => a - b);
const ms = times[0];
console.log(JSON.stringify({ workload: preset, engine: 'core', steps: r.stepCount, totalMs: ms, msPerStep: ms / r.stepCount, medianMs: times[Math.floor(times.length / 2)], coldMs, warmups, finalLoss: r.summaries.at(-1).loss, records: 'on', trace: 'on' }));
