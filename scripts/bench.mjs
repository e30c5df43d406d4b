// npm run bench: speed against real PyTorch, measured in the same run, plus the panel and tracer figures.
// Prints a table and writes bench-results.json. Each side is timed best-of-N, interleaved, so machine load
// affects both alike.
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const PY = process.env.GD_PYTHON ?? '/usr/bin/python3';
const rounds = Number(process.env.GD_BENCH_ROUNDS ?? 3);

function jsonLine(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', timeout: 600_000, ...opts });
  // A sub-benchmark exits non-zero when it misses its goal; its figures still count.
  const line = (r.stdout ?? '').trim().split('\n').filter((l) => l.startsWith('{')).pop();
  if (line) return JSON.parse(line);
  return { error: (r.stderr || r.stdout || `exit ${r.status}`).trim().split('\n').slice(-3).join(' | ') };
}

const hasTorch = spawnSync(PY, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;
const results = { date: new Date().toISOString(), node: process.version, workloads: [] };

for (const variant of ['broadcast', 'fixed']) {
  const core = [];
  const torch = [];
  for (let i = 0; i < rounds; i++) {
    core.push(jsonLine(process.execPath, ['scripts/bench-core.mjs', `seed-${variant}`, '3']));
    if (hasTorch) torch.push(jsonLine(PY, ['scripts/bench_torch.py', variant, '2']));
  }
  const best = (xs) => xs.filter((x) => !x.error).sort((a, b) => a.msPerStep - b.msPerStep)[0] ?? xs[0];
  const c = best(core);
  const t = hasTorch ? best(torch) : { error: `PyTorch not importable by ${PY} (apt-get install -y python3-torch)` };
  results.workloads.push({ workload: `seed-${variant}`, core: c, pytorch: t, speedup: c.msPerStep && t.msPerStep ? t.msPerStep / c.msPerStep : null });
}

for (const [name, script] of [['webview', 'scripts/bench-webview.mjs'], ['tracer', 'scripts/bench-tracer.mjs']]) {
  if (existsSync(join(root, script))) results[name] = jsonLine(process.execPath, [script]);
}
for (const f of ['dist/extension.js', 'dist/cli.js', 'dist/webview/panel.js']) {
  const p = join(root, f);
  if (existsSync(p)) (results.bundles ??= {})[f] = `${(statSize(p) / 1024).toFixed(1)} KB`;
}
function statSize(p) {
  return spawnSync('stat', ['-c', '%s', p], { encoding: 'utf8' }).stdout.trim() * 1;
}

const us = (ms) => (ms === undefined ? 'n/a' : `${(ms * 1000).toFixed(1)} µs`);
console.log('\nseed workload: 10000×2 inputs ×100, Linear(2,1,bias=False), MSE, RMSprop lr 0.01, batch 100, 30 epochs = 3000 steps');
console.log('core: trace and per-step records on; PyTorch: plain eager loop, same data and model\n');
console.log('workload         core/step     PyTorch/step   core is');
for (const w of results.workloads)
  console.log(`${w.workload.padEnd(16)} ${us(w.core.msPerStep).padEnd(13)} ${us(w.pytorch.msPerStep).padEnd(14)} ${w.speedup ? `${w.speedup.toFixed(1)}× faster` : w.pytorch.error ?? w.core.error}`);
if (results.webview) console.log('\npanel:', JSON.stringify(results.webview));
if (results.tracer) console.log('tracer:', JSON.stringify(results.tracer));
if (results.bundles) console.log('bundles:', JSON.stringify(results.bundles));
writeFileSync(join(root, 'bench-results.json'), JSON.stringify(results, null, 2) + '\n');
console.log('\nwrote bench-results.json');
