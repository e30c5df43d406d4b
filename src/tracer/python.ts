/**
 * Which Python runs the tracer, and whether it can: found from an explicit path, else the Python extension's
 * interpreter, else `python3` (`python` on Windows). Each failure is a message a user can act on.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** The folder holding gd_trace.py: python/ at the package root, next to dist/ and out/src/. */
export function tracerDir(): string {
  const candidates = [join(__dirname, '..', 'python'), join(__dirname, '..', '..', 'python'), join(__dirname, '..', '..', '..', 'python')];
  for (const c of candidates) if (existsSync(join(c, 'gd_trace.py'))) return c;
  return candidates[0];
}

export function defaultPython(): string {
  return process.platform === 'win32' ? 'python' : 'python3';
}

/** The first non-empty choice, with where it came from (for messages). */
export function choosePython(opts: { explicit?: string; setting?: string; pythonExtension?: string }): { path: string; from: string } {
  if (opts.explicit?.trim()) return { path: opts.explicit.trim(), from: '--python' };
  if (opts.setting?.trim()) return { path: opts.setting.trim(), from: 'gradientDebugger.pythonPath' };
  if (opts.pythonExtension?.trim()) return { path: opts.pythonExtension.trim(), from: 'the Python extension' };
  return { path: defaultPython(), from: 'the default' };
}

export type PythonCheck =
  | { ok: true; python: string; version: string; torch: string }
  | { ok: false; kind: 'no-python' | 'no-torch' | 'broken'; message: string };

const PROBE = 'import sys\nprint(sys.version.split()[0])\nimport torch\nprint(torch.__version__)';

/** Runs the interpreter once to see that it starts and imports torch. */
export function checkPython(python: string, from = 'the default', timeoutMs = 60_000): Promise<PythonCheck> {
  return new Promise((resolve) => {
    let out = '';
    let err = '';
    let done = false;
    const finish = (r: PythonCheck) => {
      if (!done) {
        done = true;
        clearTimeout(timer);
        resolve(r);
      }
    };
    let child;
    try {
      child = spawn(python, ['-c', PROBE], { stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
    } catch (e) {
      return finish({ ok: false, kind: 'no-python', message: noPython(python, from, (e as Error).message) });
    }
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish({ ok: false, kind: 'broken', message: `${python} did not answer within ${timeoutMs / 1000} s when asked for its torch version.` });
    }, timeoutMs);
    child.stdout.on('data', (d: Buffer) => (out += d.toString()).length > 10_000 && child.kill());
    child.stderr.on('data', (d: Buffer) => (err += d.toString()).length > 100_000 && child.kill());
    child.on('error', (e: NodeJS.ErrnoException) => finish({ ok: false, kind: 'no-python', message: noPython(python, from, e.code === 'ENOENT' ? 'not found' : e.message) }));
    child.on('close', (code) => {
      const lines = out.trim().split(/\r?\n/);
      if (code === 0 && lines.length >= 2) return finish({ ok: true, python, version: lines[0], torch: lines[1] });
      if (lines.length >= 1 && lines[0] && /No module named ['"]?torch/.test(err)) {
        return finish({ ok: false, kind: 'no-torch', message: noTorch(python, lines[0], from) });
      }
      if (!lines[0]) return finish({ ok: false, kind: 'no-python', message: noPython(python, from, err.trim().split('\n').pop() || `exit code ${code}`) });
      finish({ ok: false, kind: 'broken', message: `${python} (Python ${lines[0]}) failed to import torch: ${err.trim().split('\n').slice(-1)[0] || `exit code ${code}`}` });
    });
  });
}

export function noPython(python: string, from: string, why: string): string {
  return `Python was not found: "${python}" (from ${from}) could not be started (${why}). Install Python 3 with PyTorch, `
    + 'or set gradientDebugger.pythonPath (CLI: --python PATH) to an interpreter that has it.';
}

export function noTorch(python: string, version: string, from: string): string {
  return `PyTorch is not installed for ${python} (Python ${version}, from ${from}). Install it (pip install torch, or `
    + 'apt install python3-torch), or set gradientDebugger.pythonPath (CLI: --python PATH) to an interpreter that has it.';
}
