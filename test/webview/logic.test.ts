/**
 * The panel's pure parts in node (no browser): op-row wording and flags, the optimizer formulas with real
 * numbers, min/max decimation, host-message checks and the page's CSP. Inputs come from the real recording
 * of the seed run where they can.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { opRows, opText, messageWithoutFix } from '../../webview/opRows';
import { optimizerFormula } from '../../webview/optimizerFormula';
import { LiveMinMax, type Point } from '../../webview/decimate';
import { parseHostMessage } from '../../webview/hostMessages';
import { fmt } from '../../webview/numberFormat';
import { History } from '../../webview/history';
import { panelCsp, panelHtml } from '../../src/extension/panelHtml';
import type { Diagnosis, ParamRecord, StepSummary } from '../../src/experiment/records';
import type { DiagnosticsMessage, RunMessage } from '../../src/protocol';
import { stepsMessage } from '../../src/stepColumns';
import { loadRecording, SEED_FIXTURE } from './harness';

const rec = existsSync(SEED_FIXTURE) ? loadRecording() : undefined;
const noFixture = rec ? false : `${SEED_FIXTURE} is missing: run node scripts/record-run.mjs`;
const lastDiagnoses = (): Diagnosis[] => (rec!.messages.filter((m) => m.type === 'diagnostics').pop() as DiagnosticsMessage).diagnostics;

test('op rows of the recorded seed step read as the shapes a PyTorch user knows', { skip: noFixture }, () => {
  const ops = rec!.details['1'].record.ops;
  assert.deepEqual(ops.map(opText), ['layer1: [100,2] → [100,1]', 'squeeze [100,1] → [100] (result discarded)', 'mse_loss input [100,1], target [100] → [100,100]']);
  const rows = opRows(ops, lastDiagnoses());
  assert.deepEqual(rows.map((r) => r.flagged), [false, true, true]);
  assert.equal(rows[2].severity, 'error');
  assert.equal(rows[2].diagnosis?.code, 'loss-broadcast', 'the broadcast row is explained by the broadcast diagnosis first');
  assert.match(rows[2].explanation!, /they broadcast to \[100,100\]/);
  assert.doesNotMatch(rows[2].explanation!, /Fix:/, 'the fix is shown on its own line, not twice');
  assert.equal(rows[2].fix, 'squeeze the prediction (`pred.squeeze(-1)`) or give the target a column (`y.unsqueeze(1)`)');
  assert.ok(rows[2].also.some((m) => m.includes('Var(y)')), 'the plateau diagnosis on the same op is listed too');
  assert.equal(rows[1].severity, 'warning');
  assert.equal(rows[1].diagnosis?.code, 'discarded-result');
});

test('a broadcasting loss is flagged even before any diagnosis arrives', () => {
  const rows = opRows([{ op: 'l1_loss', inputs: [[8, 1], [8]], output: [], loss: true, broadcast: { shape: [8, 8], expanded: [[1], [0]] } }], []);
  assert.equal(rows[0].text, 'l1_loss [8,1], [8] → [8,8]');
  assert.equal(rows[0].flagged, true);
  assert.equal(rows[0].severity, 'error');
  assert.match(rows[0].explanation!, /\[8,1\] with \[8\]; they broadcast to \[8,8\]/);
  const fine = opRows([{ op: 'mse_loss', inputs: [[8], [8]], inputNames: ['input', 'target'], output: [], loss: true }], []);
  assert.equal(fine[0].text, 'mse_loss input [8], target [8] → [8]');
  assert.equal(fine[0].flagged, false);
});

test('messageWithoutFix drops only a trailing "Fix:" sentence, and only when the diagnosis has a fix', () => {
  const d: Diagnosis = { code: 'loss-broadcast', severity: 'error', step: 1, message: 'A and B broadcast. Fix: do C.', evidence: {}, fix: { description: 'do C' } };
  assert.equal(messageWithoutFix(d), 'A and B broadcast.');
  assert.equal(messageWithoutFix({ ...d, fix: undefined }), 'A and B broadcast. Fix: do C.');
});

test('RMSprop formula: closed-form numbers, and the recorded seed steps fill it consistently', { skip: noFixture }, () => {
  // v_prev = 1, g = 2, alpha = 0.99 → v = 0.99 + 0.04 = 1.03; w = 1 − 0.1·2/(√1.03 + 0) = 0.80293...
  const w = 1 - (0.1 * 2) / Math.sqrt(1.03);
  const p: ParamRecord = { shape: [1], value: [w], grad: [2], state: { step: 2, square_avg: [1.03] }, update: [w - 1], norm: w, gradNorm: 2, updateNorm: 1 - w };
  const f = optimizerFormula({ type: 'rmsprop', args: { lr: 0.1, alpha: 0.99, eps: 0 } }, p, 0, 2)!;
  assert.equal(f.title, 'RMSprop');
  assert.deepEqual(f.lines.map((l) => l.rule), ['v ← αv + (1−α)g²', 'w ← w − lr·g/(√v+ε)']);
  assert.equal(f.lines[0].numbers, '= 0.99·1 + 0.01·2² = 1.03');
  assert.equal(f.lines[1].numbers, `= 1 − 0.1·2/(√1.03 + 0) = ${fmt(w)}`);

  // The recorded run: the state before step 6, recovered from step 6 alone, is step 5's recorded state.
  const run = (rec!.messages[0] as RunMessage).run;
  const r5 = rec!.details['5'].record.params['layer1.weight'];
  const r6 = rec!.details['6'].record.params['layer1.weight'];
  const alone = optimizerFormula(run.optimizer, r6, 1, 6)!;
  const withPrev = optimizerFormula(run.optimizer, r6, 1, 6, r5)!;
  const vPrev = (r5.state.square_avg as number[])[1];
  assert.ok(withPrev.lines[0].numbers.startsWith(`= 0.99·${fmt(vPrev)} + 0.01·`), withPrev.lines[0].numbers);
  assert.equal(alone.lines[0].numbers, withPrev.lines[0].numbers, 'inverting the average gives the recorded previous state');
  assert.ok(withPrev.lines[1].numbers.startsWith(`= ${fmt(r5.value[1])} − 0.01·`));
  assert.ok(withPrev.lines[1].numbers.endsWith(`= ${fmt(r6.value[1])}`));
});

test('SGD with momentum, Adam and AdamW formulas use the optimizer args and the state', () => {
  // SGD μ=0.9, τ=0: b = 0.9·2 + 1·3 = 4.8; w = 1 − 0.1·4.8 = 0.52
  const sgd: ParamRecord = { shape: [1], value: [0.52], grad: [3], state: { momentum_buffer: [4.8] }, update: [-0.48], norm: 0.52, gradNorm: 3, updateNorm: 0.48 };
  const fs = optimizerFormula({ type: 'sgd', args: { lr: 0.1, momentum: 0.9, dampening: 0 } }, sgd, 0, 7)!;
  assert.deepEqual(fs.lines.map((l) => `${l.rule} ${l.numbers}`), ['b ← μb + (1−τ)g = 0.9·2 + 1·3 = 4.8', 'w ← w − lr·b = 1 − 0.1·4.8 = 0.52']);
  const first = optimizerFormula({ type: 'sgd', args: { lr: 0.1, momentum: 0.9, dampening: 0 } }, { ...sgd, state: { momentum_buffer: [3] } }, 0, 1)!;
  assert.equal(first.lines[0].rule, 'b ← g (first step)');

  // Adam t=1 from zero state: m = 0.1·g, v = 0.001·g², m̂ = g, v̂ = g², w = w0 − lr·g/(|g|+ε)
  const g = -2;
  const adam: ParamRecord = { shape: [1], value: [0.5 + 0.01], grad: [g], state: { step: 1, exp_avg: [0.1 * g], exp_avg_sq: [0.001 * g * g] }, update: [0.01], norm: 0.51, gradNorm: 2, updateNorm: 0.01 };
  const fa = optimizerFormula({ type: 'adam', args: { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: 0 } }, adam, 0, 1)!;
  assert.deepEqual(fa.lines.map((l) => l.rule), ['m ← β1m + (1−β1)g', 'v ← β2v + (1−β2)g²', 'm̂ = m/(1−β1ᵗ), v̂ = v/(1−β2ᵗ)', 'w ← w − lr·m̂/(√v̂+ε)']);
  assert.equal(fa.lines[0].numbers, '= 0.9·0 + 0.1·(−2) = −0.2');
  assert.equal(fa.lines[2].numbers, 't = 1: m̂ = −2, v̂ = 4');
  const fw = optimizerFormula({ type: 'adamw', args: { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: 0.1 } }, adam, 0, 1)!;
  assert.equal(fw.title, 'AdamW');
  assert.equal(fw.lines[0].rule, 'w ← w(1−lr·λ)');
  assert.equal(fw.lines[0].numbers, `= 0.5·(1 − 0.01·0.1) = ${fmt(0.5 * (1 - 0.001))}`);
  assert.equal(optimizerFormula({ type: 'sgd', args: {} }, { ...sgd, grad: null }, 0, 1), undefined, 'no gradient, no formula');
});

/** Min/max decimation of the first n points from scratch, without the block index. */
function decimate(xs: ArrayLike<number>, ys: ArrayLike<number>, n: number, buckets: number, log = false): Point[] {
  const d = new LiveMinMax();
  d.update(xs, ys, n, 0, buckets, log);
  return d.points;
}

test('min/max decimation keeps spikes, order and at most 2 points per bucket', () => {
  const n = 100_000;
  const xs = Float64Array.from({ length: n }, (_, i) => i + 1);
  const ys = Float64Array.from({ length: n }, (_, i) => Math.sin(i / 1000));
  ys[54_321] = 1e6; // a one-step spike must survive
  ys[77_777] = -5;
  const d = new LiveMinMax();
  d.update(xs, ys, n, 0, 300, false);
  const pts = d.points;
  // Buckets of a power-of-two number of points: 512 here (100 000 / 300 = 333 rounded up), so 196 buckets.
  assert.equal(d.width, 512);
  assert.ok(pts.length <= 2 * 196 && pts.length >= 196, `${pts.length} points`);
  assert.ok(pts.some((p) => p.x === 54_322 && p.y === 1e6));
  assert.ok(pts.some((p) => p.x === 77_778 && p.y === -5));
  for (let i = 1; i < pts.length; i++) assert.ok(pts[i].x > pts[i - 1].x, 'x increases');
  assert.equal(pts[0].x, 1);
  // The first bucket (points 1..512 of a sine rising from 0) draws its min and max, in step order.
  assert.deepEqual(pts.slice(0, 2), [{ x: 1, y: 0 }, { x: 512, y: Math.sin(511 / 1000) }]);
  // The x axis ends where the last bucket would: it moves only when a new bucket starts.
  assert.equal(d.axisEnd(xs), 196 * 512);
  // A log axis cannot show y ≤ 0: left out of the min/max; few points are passed through as NaN gaps.
  assert.deepEqual(decimate([1, 2, 3], [1, 0, 2], 3, 10, true).map((p) => p.y), [1, NaN, 2]);
});

test('host messages of the wrong shape are refused with a reason', () => {
  const bad: [unknown, RegExp][] = [
    [null, /not an object/],
    [{ ...stepsMessage('r', [{ step: 1, epoch: 0, batch: 0, loss: 1, params: {} }]), loss: ['x'] }, /steps\.loss\[0\] must be a number or null/],
    [{ ...stepsMessage('r', [{ step: 1, epoch: 0, batch: 0, loss: 1, params: {} }]), count: 2 }, /steps\.epoch has 1 entries, not count = 2/],
    [{ type: 'steps', runId: 'r', first: 1, count: 2, step: [1, 1], epoch: [0, 0], batch: [0, 1], loss: [1, 2], params: {} }, /steps\.step must increase/],
    [{ type: 'steps', runId: 'r', first: 1, count: 1, epoch: [0], batch: [0], loss: [1], params: { w: { values: [[1, 2]], gradNorm: [1], updateNorm: [1], norm: [1] } } }, /steps\.params\.w\.values\[0\] has 2 entries/],
    [{ type: 'steps', runId: 'r', first: 1, count: 1, epoch: [0], batch: [0], loss: [1], params: { w: { values: [], gradNorm: [1], norm: [1] } } }, /steps\.params\.w\.updateNorm must be an array/],
    [{ type: 'run', run: { id: 'r', name: 'n', source: 'experiment', params: { w: [1, -2] }, optimizer: { type: 'sgd', args: {} }, totalSteps: 1 } }, /run\.params\.w: must be a shape/],
    [{ type: 'stepDetail', runId: 'r', complete: true, record: { step: 1, epoch: 0, batch: 0, loss: 1, params: {}, ops: [{ op: 'linear', inputs: 'x', output: [] }] } }, /record\.ops\[0\]: inputs must be a list of shapes/],
    [{ type: 'diagnostics', runId: 'r', diagnostics: [{ code: 'x', severity: 'fatal', step: 1, message: '' }] }, /severity/],
    [{ type: 'whatIf', runId: 'r', whatIf: { code: 'c', fix: 'f', originalFinalLoss: 1, fixedFinalLoss: 1, losses: [[1]] } }, /\[step, loss\] pairs/],
    [{ type: 'bogus' }, /unknown message type "bogus"/],
  ];
  for (const [m, re] of bad) {
    const r = parseHostMessage(m);
    assert.equal(r.ok, false, JSON.stringify(m));
    if (!r.ok) assert.match(r.reason, re);
  }
});

test('every message of the real recording passes the panel\'s checks', { skip: noFixture }, () => {
  for (const m of [...rec!.messages, ...Object.values(rec!.details), ...Object.values(rec!.whatIfs ?? {})]) {
    const r = parseHostMessage(m);
    assert.ok(r.ok, r.ok ? '' : `${m.type}: ${r.reason}`);
  }
});

test('panelHtml: strict CSP with the nonce, no inline script or style, escaped URIs', () => {
  const nonce = 'abcdefghijklmnopqrstuv';
  const html = panelHtml({ cspSource: 'https://x.vscode-cdn.net', nonce, scriptUri: 'https://x.vscode-cdn.net/panel.js?a=1&b="2"', styleUris: ['https://x.vscode-cdn.net/codicon.css', 'https://x.vscode-cdn.net/panel.css'] });
  assert.equal(panelCsp('https://x.vscode-cdn.net', nonce), `default-src 'none'; img-src https://x.vscode-cdn.net data:; style-src https://x.vscode-cdn.net; font-src https://x.vscode-cdn.net; script-src 'nonce-${nonce}'`);
  assert.ok(html.includes(`content="default-src 'none'; img-src https://x.vscode-cdn.net data:; style-src https://x.vscode-cdn.net;`.replace(/'/g, '&#39;')));
  assert.doesNotMatch(html, /unsafe-inline|unsafe-eval/);
  const scripts = html.match(/<script\b[^>]*>/g) ?? [];
  assert.equal(scripts.length, 1);
  assert.ok(scripts[0].includes(`nonce="${nonce}"`) && scripts[0].includes('src="https://x.vscode-cdn.net/panel.js?a=1&amp;b=&quot;2&quot;"'));
  assert.doesNotMatch(html, /<style|\sstyle=|\son[a-z]+=/i, 'no inline styles or handlers');
  assert.match(html, /<link rel="stylesheet" href="https:\/\/x\.vscode-cdn\.net\/codicon\.css" id="vscode-codicon-stylesheet">/);
  assert.throws(() => panelHtml({ cspSource: 'x', nonce: 'short', scriptUri: '', styleUris: [] }), /nonce must be at least 16/);
  assert.throws(() => panelHtml({ cspSource: "x; script-src 'unsafe-inline'", nonce, scriptUri: '', styleUris: [] }), /is not a CSP source list/);
});

test('NaN/Infinity arrive as null in JSON: accepted, kept as NaN gaps in the history, never as 0', () => {
  // Steps 1 and 2 as the host builds them, after JSON (what VS Code's postMessage does to NaN and Infinity).
  const msg = JSON.parse(JSON.stringify(stepsMessage('r', [
    { step: 1, epoch: 0, batch: 0, loss: 4, params: { w: { values: [1, 2], gradNorm: 3, updateNorm: 0.1, norm: 2.2 } } },
    { step: 2, epoch: 0, batch: 1, loss: NaN, params: { w: { values: [Infinity, 2], gradNorm: NaN, updateNorm: 0.1, norm: -Infinity } } },
  ])));
  assert.deepEqual(msg, { type: 'steps', runId: 'r', first: 1, count: 2, epoch: [0, 0], batch: [0, 1], loss: [4, null], params: { w: { values: [[1, null], [2, 2]], gradNorm: [3, null], updateNorm: [0.1, 0.1], norm: [2.2, null] } } });
  const parsed = parseHostMessage(msg);
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.reason);
  const h = new History();
  if (parsed.ok && parsed.msg.type === 'steps') h.append(parsed.msg);
  assert.equal(h.length, 2);
  assert.deepEqual([...h.loss.data.slice(0, 2)], [4, NaN]);
  assert.deepEqual([...h.values.get('w[0]')!.data.slice(0, 2)], [1, NaN]);
  assert.deepEqual([...h.values.get('w[1]')!.data.slice(0, 2)], [2, 2]);
  assert.deepEqual([...h.gradNorms.get('w')!.data.slice(0, 2)], [3, NaN]);
  assert.equal(fmt(null), '—');
  assert.equal(parseHostMessage({ ...msg, loss: [4, 'NaN'] }).ok, false, 'a string is still refused');
});

test('History: a batch that starts at or before the last kept step replaces the tail; indexOf finds steps', () => {
  const s = (step: number, loss: number, withW = true): StepSummary => ({ step, epoch: 0, batch: step - 1, loss, params: withW ? { w: { values: [loss], gradNorm: 1, updateNorm: 1, norm: 1 } } : {} });
  const h = new History();
  h.append(stepsMessage('r', [1, 2, 3, 4, 5].map((k) => s(k, k * 10))));
  h.append(stepsMessage('r', [s(4, 400), s(5, 500), s(6, 600)]));
  assert.equal(h.length, 6);
  assert.deepEqual([...h.loss.data.slice(0, 6)], [10, 20, 30, 400, 500, 600]);
  assert.deepEqual([...h.values.get('w[0]')!.data.slice(0, 6)], [10, 20, 30, 400, 500, 600]);
  assert.equal(h.indexOf(4), 3);
  assert.equal(h.indexOf(7), -1);
  assert.equal(h.lastStep, 6);
  // Steps that skip numbers (a traced script) carry a step column; a batch without param w leaves gaps in
  // its series, not the values of the steps the truncation dropped.
  const skip = stepsMessage('r', [s(6, 60, false), s(9, 90, false)]);
  assert.deepEqual(skip.step, [6, 9]);
  h.append(skip);
  assert.deepEqual([...h.steps.data.slice(0, h.length)], [1, 2, 3, 4, 5, 6, 9]);
  assert.deepEqual([...h.loss.data.slice(0, h.length)], [10, 20, 30, 400, 500, 60, 90]);
  assert.deepEqual([...h.values.get('w[0]')!.data.slice(0, h.length)], [10, 20, 30, 400, 500, NaN, NaN]);
  assert.equal(h.indexOf(9), 6);
  assert.equal(h.indexOf(8), -1);
});

test('live decimation, updated batch by batch through the block index, gives exactly the points of a full scan', () => {
  let seed = 7;
  const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  const h = new History();
  const s = (step: number) => {
    const r = rand();
    const loss = r < 0.01 ? NaN : r < 0.03 ? -rand() : r < 0.04 ? 0 : Math.exp(10 * rand());
    return { step, epoch: 0, batch: 0, loss, params: {} };
  };
  const lives = [false, true].flatMap((log) => [10, 97, 400].map((buckets) => ({ log, buckets, live: new LiveMinMax() })));
  const check = () => {
    const from = h.loss.sync(h.length);
    for (const { log, buckets, live } of lives) {
      const before = live.points;
      live.markDrawn();
      live.update(h.steps.data, h.loss.data, h.length, from, buckets, log, h.loss.index);
      assert.deepEqual(live.points, decimate(h.steps.data, h.loss.data, h.length, buckets, log), `n=${h.length} log=${log} buckets=${buckets}`);
      // The points of buckets the new steps did not touch are the very objects the chart already has.
      for (let k = 0; k < live.unchanged; k++) assert.equal(live.points[k], before[k]);
    }
  };
  let step = 1;
  let touched = 0;
  for (const batch of [1, 5, 31, 33, 64, 1000, 7, 20_000, 3, 12_345, 34, 34, 34]) {
    h.append(stepsMessage('r', Array.from({ length: batch }, () => s(step++))));
    check();
    if (batch === 7) {
      // a reset-like overlap: the last 50 steps again, with other values
      step -= 50;
      h.append(stepsMessage('r', Array.from({ length: 50 }, () => s(step++))));
      check();
    }
    if (batch === 34) touched = Math.max(...lives.map((l) => l.live.points.length - l.live.unchanged));
  }
  assert.equal(h.length, step - 1);
  // A 30 Hz post of 34 steps into a 33 000-step history re-decimates only the last bucket or two.
  assert.ok(touched <= 4, `${touched} points recomputed for a post of 34 steps`);
});
