/**
 * The panel in real headless Chromium, fed the REAL recording of the seed run (scripts/record-run.mjs):
 * what a user sees in the shapes view, banner, charts and stepper; themes; CSP; bad host messages; reload.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import type { DiagnosticsMessage, RunMessage, StepsMessage } from '../../src/protocol';
import { stepsMessage, summariesOf } from '../../src/stepColumns';
import type { Diagnosis } from '../../src/experiment/records';
import { launchChromium, loadRecording, openPanel, ROOT, SEED_FIXTURE, skipReason, startPanelServer, type Panel, type PanelServer, type Recording } from './harness';
import { DARK, LIGHT, type TestTheme } from './themes';

const ARTIFACTS = join(ROOT, 'test-artifacts');
const skip = skipReason() ?? (existsSync(SEED_FIXTURE) ? false : `${SEED_FIXTURE} is missing: run node scripts/record-run.mjs`);

/** Plain text of a message as the page shows it (backticks become <code>). */
const shown = (s: string) => s.replace(/`/g, '');
const num = (text: string) => Number(text.replace(/−/g, '-').replace(/,/g, ''));

function rgb(hex: string): string {
  const h = hex.replace('#', '');
  const [r, g, b] = [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16));
  return `rgb(${r}, ${g}, ${b})`;
}

function luminance(css: string): number {
  const m = css.match(/rgba?\(([\d.]+), ([\d.]+), ([\d.]+)/);
  if (!m) throw new Error(`not an rgb colour: ${css}`);
  const lin = (c: number) => ((c /= 255) <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
  return 0.2126 * lin(+m[1]) + 0.7152 * lin(+m[2]) + 0.0722 * lin(+m[3]);
}
const contrast = (a: string, b: string) => {
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
};

/** Pixels of `canvasId` within `tol` of colour `hex` (per channel), and all non-transparent pixels. */
async function canvasPixels(p: Panel, canvasId: string, hex: string, tol = 40): Promise<{ colour: number; painted: number }> {
  return p.page.evaluate(
    ({ canvasId, hex, tol }) => {
      const c = document.getElementById(canvasId) as HTMLCanvasElement;
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
      let colour = 0;
      let painted = 0;
      for (let i = 0; i < d.length; i += 4) {
        if (d[i + 3] === 0) continue;
        painted++;
        if (Math.abs(d[i] - r) <= tol && Math.abs(d[i + 1] - g) <= tol && Math.abs(d[i + 2] - b) <= tol && d[i + 3] > 128) colour++;
      }
      return { colour, painted };
    },
    { canvasId, hex, tol },
  );
}

/** Saves to test-artifacts/; with GD_UPDATE_SCREENSHOTS=1 also to docs/screenshots/ for the README. */
async function screenshot(p: Panel, name: string): Promise<void> {
  const file = join(ARTIFACTS, name);
  await p.page.screenshot({ path: file, fullPage: true });
  if (process.env.GD_UPDATE_SCREENSHOTS) {
    mkdirSync(join(ROOT, 'docs/screenshots'), { recursive: true });
    copyFileSync(file, join(ROOT, 'docs/screenshots', name));
  }
}

describe('panel in headless Chromium with the recorded seed run', { skip }, () => {
  let browser: Browser;
  let server: PanelServer;
  let rec: Recording;
  let runId: string;
  let finalDiagnoses: Diagnosis[];
  const panels: Panel[] = [];

  const open = async (theme: TestTheme = DARK, width = 900, extra: Parameters<typeof openPanel>[2] = {}) => {
    const p = await openPanel(browser, server, { theme, width, height: 1500, recording: rec, ...extra });
    panels.push(p);
    return p;
  };
  /** A panel that has received the whole recorded run, as after a live run was paused. */
  const replayed = async (theme: TestTheme = DARK, width = 900) => {
    const p = await open(theme, width);
    await p.sendAll(rec.messages);
    await p.settle();
    await waitShown(p, rec.steps!);
    return p;
  };
  /** Waits until the stepper shows `step` with its full record (the harness answers requestStep). */
  const waitShown = (p: Panel, step: number) =>
    p.page.waitForFunction((s) => document.body.dataset.shownStep === String(s) && document.body.dataset.shownDetail === String(s), step, { timeout: 5000 });
  const weightCells = (p: Panel) => p.page.$$eval('.param-table td.w-value[data-param="layer1.weight"]', (tds) => tds.map((td) => td.textContent ?? ''));
  const noErrors = (p: Panel) => {
    assert.deepEqual(p.pageErrors, [], 'uncaught page errors');
    assert.deepEqual(p.consoleErrors, [], 'console errors');
  };

  before(async () => {
    rec = loadRecording();
    runId = (rec.messages[0] as RunMessage).run.id;
    finalDiagnoses = (rec.messages.filter((m) => m.type === 'diagnostics').pop() as DiagnosticsMessage).diagnostics;
    server = await startPanelServer();
    browser = await launchChromium();
    mkdirSync(ARTIFACTS, { recursive: true });
  });
  after(async () => {
    for (const p of panels) await p.close().catch(() => undefined);
    await browser?.close();
    await server?.close();
  });

  test('on load the page posts ready, and shows that no run is there yet', async () => {
    const p = await open();
    await p.settle();
    assert.deepEqual(p.posted, [{ type: 'ready' }]);
    assert.match(await p.page.textContent('#run-meta') ?? '', /No run yet/);
    noErrors(p);
  });

  test('the shapes view flags the [100,1] vs [100] → [100,100] loss row in the error colour, with the explanation', async () => {
    const p = await replayed();
    const rows = await p.page.$$eval('#shapes .op-row', (lis) => lis.map((li) => ({ cls: li.className, text: li.querySelector('.op-text')!.textContent })));
    assert.deepEqual(rows.map((r) => r.text), ['layer1: [100,2] → [100,1]', 'squeeze [100,1] → [100] (result discarded)', 'mse_loss input [100,1], target [100] → [100,100]']);
    assert.match(rows[2].cls, /\bflagged\b.*\bsev-error\b/);
    assert.match(rows[1].cls, /\bflagged\b.*\bsev-warning\b/);
    assert.doesNotMatch(rows[0].cls, /flagged/);
    const style = await p.page.$eval('#shapes .op-row[data-op-index="2"]', (li) => {
      const s = getComputedStyle(li);
      return { bg: s.backgroundColor, border: s.borderLeftColor, text: li.textContent ?? '', icon: getComputedStyle(li.querySelector('.codicon')!).color };
    });
    assert.equal(style.bg, rgb(DARK.vars['--vscode-inputValidation-errorBackground']));
    assert.equal(style.border, rgb(DARK.vars['--vscode-inputValidation-errorBorder']));
    assert.equal(style.icon, rgb(DARK.vars['--vscode-errorForeground']));
    const broadcast = finalDiagnoses.find((d) => d.code === 'loss-broadcast')!;
    assert.ok(style.text.includes(shown(broadcast.message.replace(/\s*Fix: [^]*$/, ''))), style.text);
    assert.ok(style.text.includes(`Fix: ${shown(broadcast.fix!.description)}`), style.text);
    noErrors(p);
  });

  test('the banner lists every diagnosis newest first, including the loss-broadcast message, and its step link moves the stepper', async () => {
    const p = await replayed();
    const items = await p.page.$$eval('#banner .diag', (lis) => lis.map((li) => ({ code: (li as HTMLElement).dataset.code, text: li.textContent ?? '' })));
    assert.deepEqual(items.map((i) => i.code).sort(), finalDiagnoses.map((d) => d.code).sort());
    const steps = items.map((i) => finalDiagnoses.find((d) => d.code === i.code)!.step);
    assert.deepEqual(steps, [...steps].sort((a, b) => b - a), 'newest first');
    const broadcast = finalDiagnoses.find((d) => d.code === 'loss-broadcast')!;
    const item = items.find((i) => i.code === 'loss-broadcast')!;
    assert.ok(item.text.includes(shown(broadcast.message.replace(/\s*Fix: [^]*$/, ''))), item.text);
    assert.match(item.text, /MSELoss compared a \[100,1\] prediction with a \[100\] target; they broadcast to \[100,100\]/);

    p.posted.length = 0;
    await p.page.click('#banner .diag[data-code="loss-broadcast"] .diag-step');
    await waitShown(p, broadcast.step);
    assert.deepEqual(p.posted.filter((m) => m.type === 'selectStep'), [{ type: 'selectStep', runId, step: broadcast.step }]);
    assert.equal(await p.page.inputValue('.step-slider'), String(broadcast.step));
    noErrors(p);
  });

  test('the charts are drawn: loss, Var(y) plateau line, weights with true values, gradient norms', async () => {
    const p = await replayed();
    const loss = await canvasPixels(p, 'chart-loss', DARK.vars['--vscode-charts-blue']);
    const plateau = await canvasPixels(p, 'chart-loss', DARK.vars['--vscode-charts-yellow']);
    const weights = await canvasPixels(p, 'chart-weights', DARK.vars['--vscode-charts-orange']);
    const grads = await canvasPixels(p, 'chart-grads', DARK.vars['--vscode-charts-blue']);
    assert.ok(loss.colour > 200, `loss line pixels: ${loss.colour}`);
    assert.ok(plateau.colour > 60, `Var(y) line pixels: ${plateau.colour}`);
    assert.ok(weights.colour > 100, `second weight pixels: ${weights.colour}`);
    assert.ok(grads.colour > 200, `gradient norm pixels: ${grads.colour}`);
    for (const c of [loss, weights, grads]) assert.ok(c.painted > 2000, `painted ${c.painted}`);
    const legend = (id: string) => p.page.$$eval(`#${id} .legend-item`, (items) => items.map((i) => i.textContent));
    const run = (rec.messages[0] as RunMessage).run;
    assert.deepEqual(await legend('legend-loss'), ['loss', `Var(y) = ${Math.round(run.targetVar!).toLocaleString('en-US')}`]);
    assert.deepEqual(await legend('legend-weights'), ['layer1.weight[0]', 'true layer1.weight[0] = 5', 'layer1.weight[1]', 'true layer1.weight[1] = 3']);
    assert.deepEqual(await legend('legend-grads'), ['‖∇ layer1.weight‖']);
    noErrors(p);
  });

  test('stepping back and forward shows the recorded weights of those steps, and posts requestStep/selectStep', async () => {
    const p = await replayed();
    const last = rec.steps!;
    const expectWeights = async (step: number) => {
      await waitShown(p, step);
      const cells = (await weightCells(p)).map(num);
      const want = rec.details[String(step)].record.params['layer1.weight'].value;
      assert.equal(cells.length, want.length);
      cells.forEach((v, i) => assert.ok(Math.abs(v - want[i]) <= 1e-5 * Math.max(1, Math.abs(want[i])), `step ${step} w[${i}]: shown ${v}, recorded ${want[i]}`));
      assert.equal(num((await p.page.textContent('.step-loss')) ?? ''), Number(rec.details[String(step)].record.loss.toPrecision(7)));
    };
    await expectWeights(last);
    p.posted.length = 0;
    await p.page.click('.step-prev');
    await expectWeights(last - 1);
    await p.page.click('.step-prev');
    await expectWeights(last - 2);
    await p.page.click('.step-next');
    await expectWeights(last - 1);
    assert.ok(p.posted.some((m) => m.type === 'requestStep' && m.step === last - 2));
    assert.deepEqual(p.posted.filter((m) => m.type === 'selectStep').map((m) => (m as { step: number }).step), [last - 1, last - 2, last - 1]);

    // The slider: drag to step 7 (input events), release (change).
    await p.page.$eval('.step-slider', (s: HTMLInputElement) => {
      s.value = '7';
      s.dispatchEvent(new Event('input', { bubbles: true }));
      s.dispatchEvent(new Event('change', { bubbles: true }));
    });
    await expectWeights(7);
    // The formula is filled in with step 7's numbers and ends in the recorded weight.
    const formula = await p.page.textContent('.formula[data-param="layer1.weight"][data-index="0"]');
    assert.match(formula ?? '', /v ← αv \+ \(1−α\)g²= 0\.99·/);
    const w7 = rec.details['7'].record.params['layer1.weight'].value[0];
    assert.ok((formula ?? '').includes(`w ← w − lr·g/(√v+ε)= `), formula ?? '');
    assert.ok(Math.abs(num((formula ?? '').split('= ').pop()!) - w7) < 1e-5, `${formula} vs ${w7}`);
    noErrors(p);
  });

  test('controls and What if post messages; the what-if loss curve is overlaid when the answer arrives', async () => {
    const p = await replayed();
    p.posted.length = 0;
    await p.page.click('vscode-button[data-action="resume"]');
    await p.page.click('vscode-button[data-action="step"]');
    await p.page.click('vscode-button[data-action="reset"]');
    assert.deepEqual(p.posted.filter((m) => m.type === 'control'), ['resume', 'step', 'reset'].map((action) => ({ type: 'control', runId, action })));
    assert.equal(await p.page.isVisible('vscode-button[data-action="pause"]'), false, 'pause is hidden while paused');

    const before = await canvasPixels(p, 'chart-loss', DARK.vars['--vscode-charts-green']);
    await p.page.click('#banner .diag[data-code="loss-broadcast"] .what-if');
    assert.deepEqual(p.posted.filter((m) => m.type === 'runWhatIf'), [{ type: 'runWhatIf', runId, code: 'loss-broadcast' }]);
    await p.settle();
    await p.page.waitForFunction(() => document.querySelector('#banner .diag[data-code="loss-broadcast"] .what-if')?.textContent === 'What if');
    const afterPx = await canvasPixels(p, 'chart-loss', DARK.vars['--vscode-charts-green']);
    assert.ok(afterPx.colour > before.colour + 100, `what-if curve pixels: ${before.colour} → ${afterPx.colour}`);
    const fix = rec.whatIfs!['loss-broadcast'].whatIf.fix;
    assert.ok((await p.page.$$eval('#legend-loss .legend-item', (l) => l.map((i) => i.textContent))).includes(`what if: ${fix}`));
    noErrors(p);
  });

  test('light and dark themes: colours follow the --vscode-* variables, text stays readable, screenshots', async () => {
    const seen: Record<string, { bg: string; fg: string; rowBg: string; rowFg: string }> = {};
    for (const [name, theme] of [['dark', DARK], ['light', LIGHT]] as const) {
      const p = await replayed(theme);
      seen[name] = await p.page.evaluate(() => {
        const b = getComputedStyle(document.body);
        const row = document.querySelector('#shapes .op-row[data-op-index="2"] .op-text')!;
        return { bg: b.backgroundColor, fg: b.color, rowBg: getComputedStyle(row.closest('.op-row')!).backgroundColor, rowFg: getComputedStyle(row).color };
      });
      assert.equal(seen[name].bg, rgb(theme.vars['--vscode-editor-background']));
      assert.ok(contrast(seen[name].fg, seen[name].bg) >= 4.5, `${name} body text contrast ${contrast(seen[name].fg, seen[name].bg)}`);
      assert.ok(contrast(seen[name].rowFg, seen[name].rowBg) >= 4.5, `${name} flagged row contrast ${contrast(seen[name].rowFg, seen[name].rowBg)}`);
      // The chart lines use this theme's chart colours.
      assert.ok((await canvasPixels(p, 'chart-loss', theme.vars['--vscode-charts-blue'], 24)).colour > 200, `${name}: loss line in --vscode-charts-blue`);
      await screenshot(p, `panel-${name}.png`);
      noErrors(p);
    }
    assert.notEqual(seen.dark.bg, seen.light.bg);
    assert.notEqual(seen.dark.fg, seen.light.fg);
    assert.notEqual(seen.dark.rowBg, seen.light.rowBg);
  });

  test('a theme switch while open recolours the charts', async () => {
    const p = await replayed(DARK);
    assert.ok((await canvasPixels(p, 'chart-grads', DARK.vars['--vscode-charts-blue'], 20)).colour > 200);
    await p.setTheme(LIGHT);
    await p.settle();
    assert.equal(await p.page.evaluate(() => getComputedStyle(document.body).backgroundColor), rgb(LIGHT.vars['--vscode-editor-background']));
    assert.ok((await canvasPixels(p, 'chart-grads', LIGHT.vars['--vscode-charts-blue'], 20)).colour > 200, 'light blue after the switch');
    assert.ok((await canvasPixels(p, 'chart-grads', DARK.vars['--vscode-charts-blue'], 8)).colour < 20, 'no dark blue left');
    noErrors(p);
  });

  test('usable at 400 px: nothing overflows sideways, the flagged row is visible', async () => {
    const p = await replayed(DARK, 400);
    const w = await p.page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
    assert.ok(w.scroll <= w.client, `page is ${w.scroll}px wide in a ${w.client}px panel`);
    const box = await p.page.$eval('#shapes .op-row[data-op-index="2"]', (li) => li.getBoundingClientRect().toJSON());
    assert.ok(box.right <= 400 && box.width > 300, JSON.stringify(box));
    await screenshot(p, 'panel-narrow.png');
    noErrors(p);
  });

  test('the CSP blocks an injected inline script and eval, and reports the violation; the page itself causes none', async () => {
    const p = await replayed();
    assert.deepEqual(await p.page.evaluate(() => (window as unknown as { __gdCsp: unknown[] }).__gdCsp), [], 'the panel itself violates nothing');
    // Both probes run from a page task (setTimeout), not synchronously inside DevTools' evaluate, which is
    // exempt from the page's CSP. The eval probe carries the page's nonce, as the bundle does, so the only
    // thing that can stop it is the missing 'unsafe-eval'.
    const result = await p.page.evaluate(async () => {
      const w = window as unknown as { __gdInlineRan?: boolean; __gdEvalRan?: boolean; __gdEvalBlocked?: boolean; __gdProbeRan?: boolean; __gdCsp: { directive: string }[] };
      const nonce = (document.querySelector('script[nonce]') as HTMLScriptElement).nonce;
      setTimeout(() => {
        const inline = document.createElement('script');
        inline.textContent = 'window.__gdInlineRan = true;';
        document.body.appendChild(inline);
        const probe = document.createElement('script');
        probe.nonce = nonce;
        probe.textContent = 'window.__gdProbeRan = true; try { eval("window.__gdEvalRan = true"); } catch (e) { window.__gdEvalBlocked = e instanceof EvalError; }';
        document.body.appendChild(probe);
      }, 0);
      await new Promise((ok) => setTimeout(ok, 100));
      return { ran: w.__gdInlineRan === true, probeRan: w.__gdProbeRan === true, evalRan: w.__gdEvalRan === true, evalBlocked: w.__gdEvalBlocked === true, violations: w.__gdCsp.map((v) => v.directive) };
    });
    assert.equal(result.probeRan, true, 'a script with the nonce runs');
    assert.equal(result.evalRan, false, 'eval must not run');
    assert.equal(result.ran, false, 'the inline script must not run');
    assert.equal(result.evalBlocked, true, 'eval must be blocked');
    assert.equal(result.violations.filter((d) => d.startsWith('script-src')).length, 2, `one violation each for the inline script and eval: ${JSON.stringify(result.violations)}`);
  });

  test('host messages of the wrong shape are ignored with a warning and do not break the panel', async () => {
    const p = await replayed();
    const warnings: string[] = [];
    p.page.on('console', (m) => m.type() === 'warning' && warnings.push(m.text()));
    const before = await p.page.textContent('#shapes');
    const bad: unknown[] = [
      null,
      'steps',
      42,
      [],
      { type: 'steps' },
      { type: 'steps', runId, first: 1, count: 1, epoch: [0], batch: [0], loss: ['x'], params: {} },
      { type: 'steps', runId, first: 1, count: 3, epoch: [0], batch: [0], loss: [1], params: {} },
      { type: 'run', run: { id: 5 } },
      { type: 'stepDetail', runId, complete: true, record: { step: 3, loss: 1, epoch: 0, batch: 0, params: { w: { shape: 'x' } }, ops: [] } },
      { type: 'stepDetail', runId, complete: true, record: { step: rec.steps, loss: 1, epoch: 0, batch: 0, params: {}, ops: [{ op: 1 }] } },
      { type: 'diagnostics', runId, diagnostics: [{ code: 'loss-broadcast', severity: 'error', step: 1, message: 5 }] },
      { type: 'whatIf', runId, whatIf: { losses: 'many' } },
      { type: 'highlight', runId, step: 'x', opIndex: 1 },
      { type: 'status', runId },
      { type: '__proto__' },
      { type: 'error' },
    ];
    await p.sendAll(bad);
    await p.settle();
    assert.equal(warnings.filter((w) => w.includes('ignored a host message')).length, bad.length, warnings.join('\n'));
    assert.equal(await p.page.textContent('#shapes'), before, 'the shown step is unchanged');
    noErrors(p);
    // Still alive: a valid message afterwards is shown.
    await p.send({ type: 'diagnostics', runId, diagnostics: [{ code: 'divergence', severity: 'error', step: 3, message: 'Still listening after bad messages.', evidence: {} }] });
    await p.settle();
    assert.equal(await p.page.textContent('#banner .diag-message'), 'Still listening after bad messages.');
    // A message of another run is ignored silently (it is stale, not malformed).
    await p.send({ type: 'diagnostics', runId: 'another-run', diagnostics: [] });
    await p.settle();
    assert.equal(await p.page.$$eval('#banner .diag', (l) => l.length), 1);
  });

  test('the host can highlight an op of a step (from the Tensor Shapes tree)', async () => {
    const p = await replayed();
    await p.send({ type: 'highlight', runId, step: 12, opIndex: 1 });
    await waitShown(p, 12);
    await p.settle();
    assert.deepEqual(await p.page.$$eval('#shapes .op-row.highlighted', (l) => l.map((li) => (li as HTMLElement).dataset.opIndex)), ['1']);
    noErrors(p);
  });

  test('a reloaded panel restores its run and step from setState, and says so in ready', async () => {
    const p = await replayed();
    await p.page.click('.step-prev');
    await waitShown(p, rec.steps! - 1);
    p.posted.length = 0;
    await p.page.reload();
    await p.page.waitForFunction(() => (window as unknown as { gdPanelStats?: unknown }).gdPanelStats !== undefined);
    await p.settle();
    assert.deepEqual(p.posted[0], { type: 'ready', restoredRunId: runId });
    assert.equal(await p.page.textContent('#run-name'), (rec.messages[0] as RunMessage).run.name, 'the run is shown before the host answers');
    // The host answers ready with a snapshot, as panelChannel does: run, the history in chunks (the first
    // with replace), diagnostics, status. The stepper returns to the step it showed.
    const all = rec.messages.flatMap((m) => (m.type === 'steps' ? summariesOf(m) : []));
    await p.sendAll([
      rec.messages[0],
      stepsMessage(runId, all, { replace: true, more: true }, 0, 100),
      stepsMessage(runId, all, {}, 100),
      { type: 'diagnostics', runId, diagnostics: finalDiagnoses },
      rec.messages[rec.messages.length - 1],
    ]);
    await waitShown(p, rec.steps! - 1);
    assert.equal(await p.page.inputValue('.step-slider'), String(rec.steps! - 1));
    noErrors(p);
  });

  test('the log-scale toggles switch the loss and gradient axes', async () => {
    const p = await replayed();
    const scale = (id: string) => p.page.$eval(`#${id}`, (c) => (c as HTMLElement).dataset.yScale);
    assert.equal(await scale('chart-loss'), 'logarithmic');
    await p.page.click('#log-loss');
    await p.settle();
    assert.equal(await scale('chart-loss'), 'linear');
    assert.equal(await scale('chart-grads'), 'logarithmic', 'the other chart keeps its scale');
    await p.page.click('#log-grads');
    await p.settle();
    assert.equal(await scale('chart-grads'), 'linear');
    assert.ok((await canvasPixels(p, 'chart-loss', DARK.vars['--vscode-charts-blue'])).colour > 200, 'the loss is still drawn on a linear axis');
    noErrors(p);
  });

  test('a reset (steps with replace) restarts the history and the stepper follows the new run', async () => {
    const p = await replayed();
    const firstBatch = rec.messages.find((m) => m.type === 'steps')!;
    await p.send({ ...firstBatch, replace: true });
    await waitShown(p, 10);
    assert.equal(await p.page.$eval('.step-slider', (s) => (s as HTMLInputElement).max), '10');
    assert.equal(await p.page.evaluate(() => (window as unknown as { gdPanelStats: { lastRenderSteps: number } }).gdPanelStats.lastRenderSteps), 10);
    noErrors(p);
  });

  test('a long history in column chunks is drawn once, after the last chunk; streamed steps redraw a chart only when what it shows changes', async () => {
    const p = await open();
    type Stats = { chartSteps: number; lastRenderSteps: number; chartDraws: Record<'loss' | 'weights' | 'grads', number> };
    const stats = () => p.page.evaluate(() => JSON.parse(JSON.stringify((window as unknown as { gdPanelStats: Stats }).gdPanelStats)) as Stats);
    // The recorded 300 steps, then the last one's values repeated up to 20 481 steps: one step past a multiple
    // of every bucket width the charts can use (64 … 4096), so 34 more steps stay inside the last bucket.
    const recorded = rec.messages.flatMap((m) => (m.type === 'steps' ? summariesOf(m) : []));
    const last = recorded[recorded.length - 1];
    const copy = (step: number, loss = last.loss) => ({ ...last, step, loss });
    const history = [...recorded, ...Array.from({ length: 20_481 - recorded.length }, (_, i) => copy(recorded.length + i + 1))];
    await p.send(rec.messages[0]);
    await p.settle();
    const before = await stats();
    await p.send(stepsMessage(runId, history, { replace: true, more: true }, 0, 10_000));
    await p.settle();
    let now = await stats();
    assert.equal(now.lastRenderSteps, 10_000, 'the first chunk is in the history');
    assert.deepEqual(now.chartDraws, before.chartDraws, 'no chart is drawn for a partial snapshot');
    await p.send(stepsMessage(runId, history, {}, 10_000));
    await p.settle();
    now = await stats();
    assert.equal(now.chartSteps, 20_481);
    assert.deepEqual(now.chartDraws, { loss: before.chartDraws.loss + 1, weights: before.chartDraws.weights + 1, grads: before.chartDraws.grads + 1 }, 'each chart drawn once for the whole snapshot');
    assert.ok((await canvasPixels(p, 'chart-loss', DARK.vars['--vscode-charts-blue'])).colour > 200, 'the loss line is drawn');

    // 34 more steps with the same values (a 30 Hz post): nothing visible changes, so no chart is redrawn, but
    // the stepper follows them.
    const more = Array.from({ length: 34 }, (_, i) => copy(20_482 + i));
    await p.send(stepsMessage(runId, more));
    await p.settle();
    assert.deepEqual((await stats()).chartDraws, now.chartDraws, 'an invisible change redraws nothing');
    assert.equal(await p.page.$eval('.step-slider', (el) => (el as HTMLInputElement).max), '20515');
    // One step whose loss jumps a hundredfold: the loss chart shows it, the weights and gradients charts
    // (unchanged values) are left alone.
    await p.send(stepsMessage(runId, [copy(20_516, last.loss * 100)]));
    await p.settle();
    const after = await stats();
    assert.equal(after.chartDraws.loss, now.chartDraws.loss + 1, 'the spike redraws the loss chart');
    assert.equal(after.chartDraws.weights, now.chartDraws.weights);
    assert.equal(after.chartDraws.grads, now.chartDraws.grads);
    assert.equal(after.chartSteps, 20_516);
    noErrors(p);
  });

  test('a traced script: op rows link to their source line (revealSource), and there is no What if', async () => {
    const p = await open();
    const run = { id: 'trace-1', name: 'seed.py', source: 'trace', script: '/work/seed.py', dtype: 'float32', params: { 'layer1.weight': [1, 2] }, optimizer: { type: 'rmsprop', args: { lr: 0.01, alpha: 0.99, eps: 1e-8 } }, totalSteps: 0 };
    const detail = rec.details['1'];
    const ops = detail.record.ops.map((op, i) => ({ ...op, source: { file: '/work/seed.py', line: [14, 15, 31][i] } }));
    const diagnoses = finalDiagnoses.filter((d) => d.code === 'loss-broadcast').map((d) => ({ ...d, location: { file: '/work/seed.py', line: 31 } }));
    await p.sendAll([
      { type: 'run', run },
      stepsMessage('trace-1', summariesOf(rec.messages.find((m) => m.type === 'steps') as StepsMessage), {}, 0, 1),
      { type: 'diagnostics', runId: 'trace-1', diagnostics: diagnoses },
      { type: 'stepDetail', runId: 'trace-1', record: { ...detail.record, ops }, complete: true },
    ]);
    await p.settle();
    await waitShown(p, 1);
    assert.deepEqual(await p.page.$$eval('#shapes .op-source', (a) => a.map((x) => x.textContent)), ['seed.py:14', 'seed.py:15', 'seed.py:31']);
    assert.match(await p.page.textContent('#run-meta') ?? '', /trace of \/work\/seed\.py/);
    p.posted.length = 0;
    await p.page.click('#shapes .op-row[data-op-index="2"] .op-source');
    assert.deepEqual(p.posted, [{ type: 'revealSource', file: '/work/seed.py', line: 31 }]);
    assert.equal(await p.page.$$eval('#banner .what-if', (b) => b.length), 0, 'a trace cannot be re-run with a fix');
    noErrors(p);
  });

  test('an old step whose full record was not kept shows its values and says why the rest is missing', async () => {
    const p = await replayed();
    const summary = summariesOf(rec.messages.find((m) => m.type === 'steps') as StepsMessage)[2];
    // What the runner's record() answers for a step older than the kept history: scalars only.
    const thin = { step: 3, epoch: summary.epoch, batch: summary.batch, loss: summary.loss, ops: [], params: { 'layer1.weight': { shape: [], value: summary.params['layer1.weight'].values, grad: null, state: {}, update: [], norm: 1, gradNorm: 1, updateNorm: 1, thinned: true } } };
    await p.send({ type: 'highlight', runId, step: 3, opIndex: 0 }); // moves the stepper; the harness would answer with the full record
    await waitShown(p, 3);
    await p.send({ type: 'stepDetail', runId, record: thin, complete: false });
    await p.settle();
    assert.match((await p.page.textContent('#step-detail')) ?? '', /older than the kept full history: only its scalars were recorded/);
    assert.match((await p.page.textContent('#shapes')) ?? '', /its ops were not recorded/);
    assert.equal(await p.page.$$eval('.formula', (f) => f.length), 0);
    assert.doesNotMatch((await p.page.textContent('#step-detail')) ?? '', /No gradient reached/);
    assert.match((await p.page.textContent('.param h4')) ?? '', /shape \[1,2\]/);
    const cells = (await weightCells(p)).map(num);
    summary.params['layer1.weight'].values.forEach((v, i) => assert.ok(Math.abs(cells[i] - v) < 1e-5));
    noErrors(p);
  });
});
