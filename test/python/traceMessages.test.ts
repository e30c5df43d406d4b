/** The trace channel parser: everything from Python is validated; NaN/Infinity arrive as strings. */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { parseTraceLine } from '../../src/tracer/messages';
import { parseTraceArgs } from '../../src/cliTrace';

const step = {
  t: 'step',
  record: {
    step: 3, epoch: 0, batch: 2, loss: 'NaN', ops: [{ op: 'mse_loss', inputs: [[4, 1], [4]], output: [], loss: true, broadcast: { shape: [4, 4], expanded: [[1], [0]] }, source: { file: '/a.py', line: 9 } }],
    params: { w: { shape: [2], value: [1, 'Infinity'], grad: null, state: { step: 3 }, update: [0, 0], norm: 'Infinity', gradNorm: 0, updateNorm: 0 } },
    opsSameAs: 1,
  },
};

describe('trace channel parsing', () => {
  it('accepts a step and revives NaN/Infinity', () => {
    const r = parseTraceLine(JSON.stringify(step));
    assert.ok(r.ok);
    if (!r.ok || r.msg.t !== 'step') return;
    assert.ok(Number.isNaN(r.msg.record.loss));
    assert.equal(r.msg.record.params.w.value[1], Infinity);
    assert.equal(r.msg.record.params.w.grad, null);
    assert.equal(r.msg.opsSameAs, 1);
    assert.deepEqual(r.msg.record.ops[0].broadcast, { shape: [4, 4], expanded: [[1], [0]] });
  });

  it('rejects malformed lines with the field path', () => {
    const bad: [unknown, RegExp][] = [
      [{ ...step, record: { ...step.record, step: 0 } }, /step\.record\.step: expected an integer ≥ 1/],
      [{ ...step, record: { ...step.record, loss: 'lots' } }, /step\.record\.loss: expected a number/],
      [{ ...step, record: { ...step.record, ops: [{ op: 'x', inputs: [[-1]], output: [] }] } }, /ops\[0\]\.inputs\[0\]\[0\]/],
      [{ t: 'diagnosis', diagnosis: { code: 'rm -rf', severity: 'error', step: 1, message: 'x', evidence: {} } }, /unknown diagnosis code/],
      [{ t: 'diagnosis', diagnosis: { code: 'divergence', severity: 'fatal', step: 1, message: 'x' } }, /severity/],
      [{ t: 'diagnosis', diagnosis: { code: 'divergence', severity: 'error', step: 1, message: 'x', location: { file: 'a', line: 0 } } }, /location\.line/],
      [{ t: 'end', status: 'maybe', exitCode: 0, steps: 0 }, /end\.status/],
      [{ t: 'nope' }, /unknown message type "nope"/],
      [[1, 2], /expected an object/],
    ];
    for (const [m, re] of bad) {
      const r = parseTraceLine(JSON.stringify(m));
      assert.ok(!r.ok, JSON.stringify(m));
      if (!r.ok) assert.match(r.reason, re);
    }
    const r = parseTraceLine('{"t": "step", ');
    assert.ok(!r.ok && /not JSON/.test(r.reason));
  });

  it('parses the trace command line', () => {
    assert.deepEqual(parseTraceArgs(['trace', 'train.py', '--json', '--every', '5', '--python', '/usr/bin/python3', '--', '--lr', '0.1']), {
      ok: true, args: { script: 'train.py', json: true, every: 5, python: '/usr/bin/python3', args: ['--lr', '0.1'] },
    });
    assert.deepEqual(parseTraceArgs(['train.py', 'x', '--every=2']), { ok: true, args: { script: 'train.py', json: false, every: 2, python: undefined, args: ['x'] } });
    assert.deepEqual(parseTraceArgs(['--every', '0', 'a.py']), { ok: false, error: '--every needs a whole number ≥ 1, got "0"' });
    assert.deepEqual(parseTraceArgs([]), { ok: false, error: 'no script given' });
    assert.deepEqual(parseTraceArgs(['--bogus']), { ok: false, error: "unknown option --bogus (the script's own arguments go after --)" });
  });
});
