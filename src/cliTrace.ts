/**
 * `gradient-debugger trace <script.py> [--json] [--every N] [--python PATH] [-- args…]`: runs a real PyTorch
 * script under the tracer and prints what is wrong with it (diagnoses first, with file:line), then its losses.
 */
import { existsSync, statSync } from 'node:fs';
import { basename, relative, resolve } from 'node:path';
import type { Diagnosis } from './experiment/records';
import { choosePython } from './tracer/python';
import { TracedRun } from './tracer/tracedRun';

const USAGE = 'usage: gradient-debugger trace <script.py> [--json] [--every N] [--python PATH] [-- script args…]';

export interface TraceArgs {
  script: string;
  json: boolean;
  every: number;
  python?: string;
  args: string[];
}

export function parseTraceArgs(argv: string[]): { ok: true; args: TraceArgs } | { ok: false; error: string } {
  const a = argv[0] === 'trace' ? argv.slice(1) : argv.slice();
  let script: string | undefined;
  let json = false;
  let every = 1;
  let python: string | undefined;
  const rest: string[] = [];
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    if (x === '--') {
      rest.push(...a.slice(i + 1));
      break;
    } else if (x === '--json') json = true;
    else if (x === '--every' || x.startsWith('--every=')) {
      const v = x.includes('=') ? x.slice(x.indexOf('=') + 1) : a[++i];
      const n = Number(v);
      if (v === undefined || !Number.isInteger(n) || n < 1 || n > 1e9) return { ok: false, error: `--every needs a whole number ≥ 1, got ${JSON.stringify(v ?? '')}` };
      every = n;
    } else if (x === '--python' || x.startsWith('--python=')) {
      const v = x.includes('=') ? x.slice(x.indexOf('=') + 1) : a[++i];
      if (!v) return { ok: false, error: '--python needs a path' };
      python = v;
    } else if (x.startsWith('--')) return { ok: false, error: `unknown option ${x} (the script's own arguments go after --)` };
    else if (script === undefined) script = x;
    else rest.push(x); // further words belong to the script, like the ones after --
  }
  if (!script) return { ok: false, error: 'no script given' };
  return { ok: true, args: { script, json, every, python, args: rest } };
}

function fmtLoss(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  return a !== 0 && (a >= 1e7 || a < 1e-4) ? x.toExponential(6) : String(Number(x.toPrecision(9)));
}

function where(d: Diagnosis, cwd: string): string {
  if (!d.location) return '';
  const r = relative(cwd, d.location.file);
  return `${r && !r.startsWith('..') ? r : d.location.file}:${d.location.line}`;
}

export async function traceCommand(argv: string[]): Promise<number> {
  const parsed = parseTraceArgs(argv);
  if (!parsed.ok) {
    console.error(`gradient-debugger trace: ${parsed.error}\n${USAGE}`);
    return 2;
  }
  const o = parsed.args;
  const script = resolve(o.script);
  if (!existsSync(script) || !statSync(script).isFile()) {
    console.error(`gradient-debugger trace: script not found: ${script}`);
    return 2;
  }
  const py = choosePython({ explicit: o.python, setting: process.env.GRADIENT_DEBUGGER_PYTHON });
  const run = new TracedRun({ python: py.path, pythonFrom: py.from, script, args: o.args, cwd: process.cwd(), every: o.every });
  // In --json mode stdout carries the one JSON object: the script's prints go to stderr.
  run.onOutput((stream, text) => (stream === 'stdout' && !o.json ? process.stdout : process.stderr).write(text));
  const onSig = () => void run.control('stop');
  process.once('SIGINT', onSig);
  process.once('SIGTERM', onSig);
  const t0 = Date.now();
  run.start();
  const out = await run.done;
  process.removeListener('SIGINT', onSig);
  process.removeListener('SIGTERM', onSig);
  const ms = Date.now() - t0;
  const rank = { error: 0, warning: 1, info: 2 } as const;
  // Errors first, then in the order the run met them.
  const diags = run.diagnostics().slice().reverse().sort((a, b) => rank[a.severity] - rank[b.severity] || a.step - b.step);
  const records = run.records();
  const code = out.state === 'error' || out.state === 'stopped' ? (out.end?.exitCode || 1) : 0;

  if (o.json) {
    const obj = {
      script,
      python: run.hello ? { executable: run.hello.executable, version: run.hello.python, torch: run.hello.torch } : { executable: py.path },
      state: out.state,
      message: out.message ?? null,
      every: o.every,
      stepCount: run.stepCount,
      steps: records,
      diagnostics: diags,
      timing: { traceMs: ms, steps: run.stepCount },
    };
    process.stdout.write(JSON.stringify(obj) + '\n');
    return code;
  }

  const w = (s = '') => process.stdout.write(s + '\n');
  const cwd = process.cwd();
  w();
  const ver = run.hello ? ` (Python ${run.hello.python}, torch ${run.hello.torch})` : '';
  w(`Traced ${basename(script)} with ${py.path}${ver}: ${run.stepCount} optimizer step${run.stepCount === 1 ? '' : 's'} in ${(ms / 1000).toFixed(1)} s — ${out.state}`);
  if (out.message) w(`  ${out.message}`);
  w();
  if (diags.length === 0) w(run.stepCount > 0 ? 'No problems found.' : 'No diagnoses.');
  else {
    w(`Diagnoses (${diags.length}):`);
    for (const d of diags) {
      w(`  ${d.severity.padEnd(7)} ${d.code.padEnd(19)} ${where(d, cwd)}  (step ${d.step})`);
      w(`          ${d.message}`);
      if (d.fix) w(`          fix: ${d.fix.description}`);
    }
  }
  const s = run.summaries;
  if (s.length) {
    w();
    w('Loss:');
    w('  step        loss');
    const rows = 12;
    const pick = new Set<number>();
    for (let i = 0; i < rows; i++) pick.add(Math.round((i * (s.length - 1)) / (rows - 1)));
    for (const i of [...pick].sort((a, b) => a - b)) w(`  ${String(s[i].step).padStart(5)}  ${fmtLoss(s[i].loss)}`);
    const last = records[records.length - 1];
    if (last) {
      w();
      w(`Parameters after step ${last.step}:`);
      for (const [name, p] of Object.entries(last.params)) {
        const vals = p.value.slice(0, 8).map((v) => Number(v.toPrecision(6)));
        w(`  ${name} [${p.shape.join(',')}] = [${vals.join(', ')}${p.value.length > 8 || p.thinned ? ', …' : ''}]`);
      }
    }
  }
  return code;
}
