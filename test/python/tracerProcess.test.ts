/**
 * The tracer's process handling: a script that raises, one that never ends (Stop kills the whole tree), one
 * that prints megabytes, missing Python, missing torch. Each ends with a clear message and nothing running.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { TracedRun } from '../../src/tracer/tracedRun';
import { PYTHON, SKIP, lineOf, script } from './torchHost';

/** Running, not a zombie: an orphan the container's init has not reaped yet is not running. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return process.platform !== 'linux';
  }
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('tracer process handling', { skip: SKIP, timeout: 120_000 }, () => {
  it('a script that raises: error state naming the exception and the user line; its traceback on stderr', async () => {
    const run = new TracedRun({ python: PYTHON, script: script('raises.py') });
    let stderr = '';
    run.onOutput((s, t) => s === 'stderr' && (stderr += t));
    const out = await run.start().done;
    assert.equal(out.state, 'error');
    assert.equal(out.message, `the script raised ValueError at raises.py:${lineOf('raises.py', 'raise')}: bad batch at step 2`);
    assert.equal(run.stepCount, 2);
    assert.match(stderr, /ValueError: bad batch at step 2/);
    assert.doesNotMatch(stderr, /gdtrace|runpy/, 'the traceback starts in the user script');
  });

  it('a script that never ends: stop() kills it and the child it started', async () => {
    const run = new TracedRun({ python: PYTHON, script: script('forever.py') });
    let stdout = '';
    run.onOutput((s, t) => s === 'stdout' && (stdout += t));
    run.start();
    const t0 = Date.now();
    while ((run.stepCount < 3 || !/child pid \d+/.test(stdout)) && Date.now() - t0 < 60_000) await sleep(50);
    const childPid = Number(/child pid (\d+)/.exec(stdout)![1]);
    const pid = run.pid!;
    assert.ok(alive(pid) && alive(childPid));
    await run.control('pause');
    assert.equal(run.state, 'paused');
    await run.control('stop');
    const out = await run.done;
    assert.equal(out.state, 'stopped');
    assert.match(out.message!, /stopped by the user after \d+ steps/);
    await sleep(200);
    assert.ok(!alive(pid), 'python is gone');
    assert.ok(!alive(childPid), "the script's child is gone");
  });

  it('a script that prints megabytes: every byte arrives, the trace is unaffected, argv and cwd are its own', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'gd-cwd-'));
    const run = new TracedRun({ python: PYTHON, script: script('chatty.py'), args: ['a b', '--flag'], cwd });
    let bytes = 0;
    let head = '';
    run.onOutput((s, t) => {
      if (s === 'stdout') {
        bytes += Buffer.byteLength(t);
        if (head.length < 4096) head += t;
      }
    });
    const out = await run.start().done;
    assert.equal(out.state, 'done', out.message);
    assert.ok(bytes >= 8 * 1024 * 1024, `got ${bytes} bytes`);
    assert.match(head, /argv \['a b', '--flag'\]/);
    assert.ok(head.includes(`cwd ${cwd}`), head.slice(0, 300));
    assert.equal(run.summaries.length, 8);
    assert.equal(run.summaries[0].loss, 2); // ((0 - 1)^2) * 2 at w = 0
  });

  it('missing python: a clear message', async () => {
    const out = await new TracedRun({ python: '/nonexistent/bin/python3', pythonFrom: '--python', script: script('healthy.py') }).start().done;
    assert.equal(out.state, 'error');
    assert.match(out.message!, /^Python was not found: "\/nonexistent\/bin\/python3" \(from --python\)/);
  });

  it('missing torch: a clear message naming the interpreter', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gd-notorch-'));
    writeFileSync(join(dir, 'torch.py'), 'raise ImportError("No module named \'torch\'")\n');
    const out = await new TracedRun({ python: PYTHON, script: script('healthy.py'), env: { ...process.env, PYTHONPATH: dir } }).start().done;
    assert.equal(out.state, 'error');
    assert.match(out.message!, /PyTorch is not importable by .*python.*ImportError/);
  });
});
