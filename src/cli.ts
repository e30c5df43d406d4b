/**
 * gradient-debugger: the command-line front end over the core and the experiment runner.
 *
 *   gradient-debugger run <file.gradexp.json | --preset NAME> [--json] [--steps N] [--no-what-if] [--fail-on error|warning]
 *   gradient-debugger validate <file.gradexp.json>
 *   gradient-debugger presets
 *   gradient-debugger trace <script.py> [--json] [--every N] [--python PATH] [-- args…]
 *
 * Exit codes: 0 ok; 1 a run failed; 2 bad input (the field-level errors go to stderr); 3 --fail-on matched.
 */
import { resolve } from 'node:path';
import { shapeStr } from './core/shape';
import { type LoadResult, loadSpecFile } from './experiment/load';
import { listPresets, loadPreset } from './experiment/presets';
import type { Diagnosis, StepRecord, WhatIf } from './experiment/records';
import { finalLoss, Runner } from './experiment/runner';
import { formatErrors } from './experiment/validate';
import { traceCommand } from './cliTrace';

const VERSION = '0.1.0';

const USAGE = `usage:
  gradient-debugger run <file.gradexp.json | --preset NAME> [--json] [--steps N] [--no-what-if] [--fail-on error|warning]
  gradient-debugger validate <file.gradexp.json>
  gradient-debugger presets
  gradient-debugger trace <script.py> [--json] [--every N] [--python PATH] [-- args…]
  gradient-debugger --version

  run        trains an experiment (a *.gradexp.json file or a shipped preset) and explains it: diagnoses first,
             then what-if runs with each fix applied, a loss table and the final weights.
             --steps N        stop after N optimizer steps      --json        one JSON object with every step
             --no-what-if     skip the what-if re-runs          --fail-on L   exit 3 if a diagnosis of level L
                                                                              (error or warning) was found
  validate   checks an experiment file; every error names its field. Exit 2 when invalid.
  presets    lists the shipped presets.
  trace      runs a PyTorch training script under real PyTorch and diagnoses it on its own lines.
             --python PATH    an interpreter with torch         --every N     record every Nth step

exit codes: 0 ok, 1 the run failed, 2 bad input or usage, 3 --fail-on matched`;

class UsageError extends Error {}
class HelpRequest extends Error {}

interface RunArgs {
  file?: string;
  preset?: string;
  json: boolean;
  steps?: number;
  whatIf: boolean;
  failOn?: 'error' | 'warning';
}

function parseRunArgs(argv: string[]): RunArgs {
  const a: RunArgs = { json: false, whatIf: true };
  for (let i = 0; i < argv.length; i++) {
    const x = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${x} needs a value`);
      return v;
    };
    if (x === '--json') a.json = true;
    else if (x === '--preset') a.preset = value();
    else if (x.startsWith('--preset=')) a.preset = x.slice(9);
    else if (x === '--steps' || x.startsWith('--steps=')) {
      const v = x.includes('=') ? x.slice(8) : value();
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new UsageError(`--steps: expected a whole number ≥ 1, got ${JSON.stringify(v)}`);
      a.steps = n;
    } else if (x === '--no-what-if') a.whatIf = false;
    else if (x === '-h' || x === '--help') throw new HelpRequest();
    else if (x === '--fail-on') {
      const v = value();
      if (v !== 'error' && v !== 'warning') throw new UsageError(`--fail-on: expected error or warning, got ${JSON.stringify(v)}`);
      a.failOn = v;
    } else if (x.startsWith('-')) throw new UsageError(`unknown option ${x}`);
    else if (a.file) throw new UsageError(`one experiment file at a time (got ${a.file} and ${x})`);
    else a.file = x;
  }
  if (!a.file && !a.preset) throw new UsageError('run needs an experiment file or --preset NAME');
  if (a.file && a.preset) throw new UsageError('give an experiment file or --preset, not both');
  return a;
}

const num = (x: number): string => {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a !== 0 && (a >= 1e7 || a < 1e-3)) return x.toExponential(3);
  return x.toLocaleString('en-US', { maximumFractionDigits: a >= 100 ? 1 : 4 });
};

/**
 * Text from an experiment file or a CSV (names, headers) is printed to a terminal: drop control characters
 * (escape sequences could recolour or retitle it) and bidi overrides (they could reorder what is shown).
 */
export function printable(s: string): string {
  return s.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, '\ufffd');
}

const ICON: Record<Diagnosis['severity'], string> = { error: '✖', warning: '⚠', info: 'ℹ' };

function evidenceText(e: Diagnosis['evidence']): string {
  return Object.entries(e)
    .map(([k, v]) => `${k} ${Array.isArray(v) ? (v.every((n) => Number.isInteger(n)) && v.length <= 4 && /input|target|elements|output|shape/.test(k) ? shapeStr(v) : `[${v.map((n) => num(n)).join(', ')}]`) : typeof v === 'number' ? num(v) : String(v)}`)
    .join(', ');
}

/** Log-spaced steps for the loss table: the start in detail, then wider and wider. */
function tableSteps(total: number): number[] {
  const set = new Set<number>([1, 2, 3]);
  for (let s = 10; s < total; s *= Math.sqrt(10)) set.add(Math.round(s));
  set.add(total);
  return [...set].filter((s) => s >= 1 && s <= total).sort((a, b) => a - b);
}

function humanReport(label: string, r: Runner, diags: Diagnosis[], whatIfs: WhatIf[], trainMs: number): string {
  const out: string[] = [];
  const spec = r.spec;
  const opt = r.info.optimizer;
  out.push(`Gradient Debugger — ${printable(spec.name)}`);
  out.push(`${label} · ${spec.dtype ?? 'float32'} · ${r.stepCount} of ${r.totalSteps} steps (${spec.training.epochs} epochs × ${r.stepsPerEpoch} batches of ${spec.training.batchSize}) · ${opt.type} lr=${opt.args.lr} · ${spec.loss.type} loss · trained in ${trainMs.toFixed(0)} ms`);
  out.push('');
  out.push(diags.length ? `DIAGNOSES (${diags.length})` : 'DIAGNOSES: none — nothing looks wrong with this run');
  for (const d of diags) {
    out.push(`  ${ICON[d.severity]} ${d.code} (step ${d.step}): ${printable(d.message)}`);
    out.push(`      evidence: ${evidenceText(d.evidence)}`);
  }
  if (whatIfs.length) {
    out.push('');
    out.push('WHAT IF (the same spec with the fix applied; mean loss of the last epoch)');
    for (const w of whatIfs) out.push(`  ${w.code}: ${w.fix}\n      final loss ${num(w.originalFinalLoss)} → ${num(w.fixedFinalLoss)}  (${Object.entries(w.finalParams).map(([k, v]) => `${k} = [${v.map((x) => num(x)).join(', ')}]`).join('; ')})`);
  }
  out.push('');
  out.push('LOSS');
  out.push('  step        epoch  batch  loss');
  for (const s of tableSteps(r.stepCount)) {
    const x = r.summaries[s - 1];
    if (x) out.push(`  ${String(x.step).padEnd(11)} ${String(x.epoch).padEnd(6)} ${String(x.batch).padEnd(6)} ${num(x.loss)}`);
  }
  out.push(`  mean loss of the last epoch: ${num(finalLoss(r))}${r.info.targetVar ? `   (Var(y) = ${num(r.info.targetVar)})` : ''}`);
  out.push('');
  out.push('FINAL PARAMETERS');
  const last = r.record(r.stepCount)?.record;
  const truth = r.info.trueValues ?? {};
  for (const [name, p] of Object.entries(last?.params ?? {})) {
    const vals = p.value.map((x) => num(x)).join(', ');
    out.push(`  ${name} ${shapeStr(p.shape)} = [${vals}${p.thinned ? ', …' : ''}]${truth[name] ? `   (data made with [${truth[name].map((x) => num(x)).join(', ')}])` : ''}`);
  }
  return out.join('\n');
}

function load(a: RunArgs): { loaded: LoadResult; label: string } {
  if (a.preset) return { loaded: loadPreset(a.preset), label: `preset ${a.preset}` };
  const file = resolve(a.file!);
  return { loaded: loadSpecFile(file), label: a.file! };
}

async function runCommand(argv: string[]): Promise<number> {
  const a = parseRunArgs(argv);
  const { loaded, label } = load(a);
  if (!loaded.ok) {
    process.stderr.write(`gradient-debugger: ${printable(label)} is not a valid experiment:\n${printable(formatErrors(loaded.errors)).replace(/^/gm, '  ')}\n`);
    return 2;
  }
  // --json keeps every record itself (onRecord below); the runner needs only its default recent window.
  const runner = new Runner(loaded.spec, { data: loaded.data });
  const records: StepRecord[] = [];
  const t0 = performance.now();
  const until = Math.min(a.steps ?? runner.totalSteps, runner.totalSteps);
  // A long run on a terminal says where it is, once a second, on stderr (never mixed into --json output).
  let lastTick = Date.now();
  const progress = process.stderr.isTTY
    ? (r: StepRecord) => {
        if (Date.now() - lastTick < 1000) return;
        lastTick = Date.now();
        process.stderr.write(`\r  step ${r.step} of ${until} · loss ${num(r.loss)}   `);
      }
    : undefined;
  runner.runSync(until, (r) => {
    if (a.json) records.push(r);
    progress?.(r);
  });
  if (progress && performance.now() - t0 > 1000) process.stderr.write('\r\x1b[K');
  const trainMs = performance.now() - t0;
  // Root causes first: errors before warnings, then in the order they appeared.
  const rank = { error: 0, warning: 1, info: 2 } as const;
  const diags = runner.diagnostics().sort((x, y) => rank[x.severity] - rank[y.severity] || x.step - y.step);
  const whatIfs: WhatIf[] = [];
  if (a.whatIf) {
    const seen = new Set<string>();
    for (const d of diags) {
      if (!d.fix?.specFix || seen.has(d.fix.specFix)) continue;
      seen.add(d.fix.specFix);
      // A diverged run stopped early: compare over the steps it was meant to run.
      const w = await runner.whatIf(d.code, runner.state === 'diverged' ? runner.totalSteps : runner.stepCount);
      if (w) whatIfs.push(w);
    }
  }
  if (a.json) {
    const steps = records.map((r) => ({
      step: r.step,
      epoch: r.epoch,
      batch: r.batch,
      loss: r.loss,
      params: Object.fromEntries(Object.entries(r.params).map(([k, p]) => [k, { shape: p.shape, value: p.value, grad: p.grad, state: p.state, update: p.update, thinned: p.thinned ?? false }])),
      ops: r.ops,
    }));
    process.stdout.write(JSON.stringify({ spec: runner.spec, state: runner.state, steps, diagnostics: diags, whatIf: whatIfs, timing: { trainMs } }) + '\n');
  } else process.stdout.write(humanReport(label, runner, diags, whatIfs, trainMs) + '\n');
  if (a.failOn && diags.some((d) => d.severity === 'error' || (a.failOn === 'warning' && d.severity === 'warning'))) return 3;
  return 0;
}

function validateCommand(argv: string[]): number {
  if (argv.includes('-h') || argv.includes('--help')) throw new HelpRequest();
  if (argv.length !== 1) throw new UsageError('validate takes one experiment file');
  const r = loadSpecFile(resolve(argv[0]));
  if (r.ok) {
    process.stdout.write(`${printable(argv[0])}: valid (${printable(r.spec.name)}; ${r.data.x.shape[0]} samples × ${r.data.x.shape[1]} features)\n`);
    return 0;
  }
  process.stderr.write(`${printable(argv[0])} is not a valid experiment:\n${printable(formatErrors(r.errors)).replace(/^/gm, '  ')}\n`);
  return 2;
}

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case 'run':
        return await runCommand(rest);
      case 'validate':
        return validateCommand(rest);
      case 'presets':
        for (const p of listPresets()) process.stdout.write(`${p.name.padEnd(22)} ${p.title}\n`);
        return 0;
      case 'trace':
        if (rest.includes('-h') || rest.includes('--help')) throw new HelpRequest();
        return await traceCommand(rest);
      case '--version':
      case 'version':
        process.stdout.write(`gradient-debugger ${VERSION}\n`);
        return 0;
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        process.stdout.write(USAGE + '\n');
        return cmd === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command ${JSON.stringify(cmd)}`);
    }
  } catch (e) {
    if (e instanceof HelpRequest) {
      process.stdout.write(USAGE + '\n');
      return 0;
    }
    if (e instanceof UsageError) {
      process.stderr.write(`gradient-debugger: ${e.message}\n${USAGE}\n`);
      return 2;
    }
    process.stderr.write(`gradient-debugger: ${(e as Error).stack ?? String(e)}\n`);
    return 1;
  }
}

if (require.main === module) {
  // `... | head` closes the pipe early: that is the reader's choice, not an error worth a stack trace.
  for (const stream of [process.stdout, process.stderr])
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw e;
    });
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(`gradient-debugger: ${String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
