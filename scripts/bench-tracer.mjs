// Tracing overhead on the seed script (3000 steps, every step recorded) against the same script run plainly.
// Prints one JSON line. Needs `npm run build` first (uses out/src/tracer) and a python with torch
// (GD_TEST_PYTHON, else /usr/bin/python3, else python3). Goal: traced ≤ 1.3 × untraced.
// On a shared, loaded machine wall time mostly measures the neighbours, so the verdict uses the CPU time
// (user + sys) of the python process, best of GD_BENCH_ROUNDS (default 7) interleaved rounds whose order
// alternates, after one untimed warm-up run; wall time is reported beside it (and decides where the OS gives
// no CPU figures).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const python = process.env.GD_TEST_PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
const script = join(root, 'test/python/scripts/seed_broadcast.py');
const rounds = Math.max(1, Number(process.env.GD_BENCH_ROUNDS ?? 7));
const GOAL = 1.3;

const probe = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
if (probe.status !== 0) {
  console.log(JSON.stringify({ bench: 'tracer', skipped: `${python} cannot import torch` }));
  process.exit(0);
}
const { TracedRun } = require(join(root, 'out/src/tracer/tracedRun.js'));

const clockTicks = (() => {
  const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const n = Number((r.stdout ?? '').trim());
  return Number.isFinite(n) && n > 0 ? n : 100;
})();

/** CPU seconds of reaped children (Linux), so the ratio holds on a busy machine too. */
function childCpu() {
  try {
    const f = readFileSync('/proc/self/stat', 'utf8');
    const v = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return (Number(v[13]) + Number(v[14])) / clockTicks; // cutime + cstime
  } catch {
    return NaN;
  }
}

function plain() {
  return new Promise((resolve, reject) => {
    const c = spawn(python, ['-W', 'ignore', script], { stdio: ['ignore', 'ignore', 'ignore'] });
    c.on('error', reject);
    c.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`seed exited ${code}`))));
  });
}
async function traced() {
  const run = new TracedRun({ python, script, env: { ...process.env, PYTHONWARNINGS: 'ignore' } });
  const out = await run.start().done;
  if (out.state !== 'done') throw new Error(`traced run ended ${out.state}: ${out.message}`);
  return run;
}

async function measure(fn) {
  const c0 = childCpu();
  const t0 = performance.now();
  const r = await fn();
  return { ms: performance.now() - t0, cpu: childCpu() - c0, r };
}

const res = { plain: [], traced: [] };
let steps = 0;
await plain(); // warm-up: the first run pays for reading torch from disk
for (let i = 0; i < rounds; i++) {
  // Alternate which side goes first, so a load that drifts during a round weighs on both alike.
  const order = i % 2 === 0 ? ['plain', 'traced'] : ['traced', 'plain'];
  for (const side of order) {
    if (side === 'plain') res.plain.push(await measure(plain));
    else {
      const t = await measure(traced);
      steps = t.r.stepCount;
      res.traced.push(t);
    }
  }
}
const min = (a, k) => Math.min(...a.map((x) => x[k]));
const untracedMs = min(res.plain, 'ms');
const tracedMs = min(res.traced, 'ms');
const untracedCpu = min(res.plain, 'cpu');
const tracedCpu = min(res.traced, 'cpu');
const ratio = tracedMs / untracedMs;
const cpuRatio = tracedCpu / untracedCpu;
const byCpu = Number.isFinite(cpuRatio) && untracedCpu > 0;
const r3 = (x) => Number(x.toFixed(3));
console.log(JSON.stringify({
  bench: 'tracer', python, torch: probe.stdout.trim(), script: 'test/python/scripts/seed_broadcast.py', steps, every: 1, rounds,
  untracedMs: Math.round(untracedMs), tracedMs: Math.round(tracedMs), ratio: r3(ratio),
  untracedCpuS: r3(untracedCpu), tracedCpuS: r3(tracedCpu), cpuRatio: r3(cpuRatio),
  cpuS: { untraced: res.plain.map((x) => r3(x.cpu)), traced: res.traced.map((x) => r3(x.cpu)) },
  goal: GOAL, measure: byCpu ? 'cpu' : 'wall', ok: (byCpu ? cpuRatio : ratio) <= GOAL,
}));
