/**
 * The stepper: one step at a time. Shows the step's loss and, for each parameter, its value, gradient,
 * optimizer state and update Δw, with the optimizer's rule written out in that step's numbers.
 */
import type { RunInfo } from '../src/protocol';
import type { ParamRecord, StepRecord } from '../src/experiment/records';
import { el, replaceChildren } from './el';
import { fmt, shapeText } from './numberFormat';
import { optimizerFormula } from './optimizerFormula';

/** Entries shown per parameter; larger tensors show their first entries and say so. */
const MAX_ENTRIES = 8;
const MAX_FORMULAS = 4;

export interface StepperOptions {
  /** The user moved to `step`; `settled` is false while the slider is still being dragged. */
  onMove(step: number, settled: boolean): void;
}

export class Stepper {
  private readonly slider: HTMLInputElement;
  private readonly label: HTMLElement;
  private readonly prevBtn: HTMLElement;
  private readonly nextBtn: HTMLElement;
  private readonly latestBtn: HTMLElement;
  private first = 0;
  private last = 0;
  private current = 0;

  constructor(
    nav: HTMLElement,
    private readonly detail: HTMLElement,
    private readonly opts: StepperOptions,
  ) {
    this.prevBtn = el('vscode-button', { icon: 'chevron-left', secondary: true, title: 'Previous step', 'aria-label': 'Previous step', class: 'step-prev' });
    this.nextBtn = el('vscode-button', { icon: 'chevron-right', secondary: true, title: 'Next step', 'aria-label': 'Next step', class: 'step-next' });
    this.latestBtn = el('vscode-button', { icon: 'arrow-circle-right', secondary: true, title: 'Follow the latest step', 'aria-label': 'Follow the latest step', class: 'step-latest' });
    this.slider = el('input', { type: 'range', min: 0, max: 0, value: 0, step: 1, class: 'step-slider', 'aria-label': 'Step' });
    this.label = el('span', { class: 'step-label', 'aria-live': 'polite' });
    this.prevBtn.addEventListener('click', () => this.move(this.current - 1, true));
    this.nextBtn.addEventListener('click', () => this.move(this.current + 1, true));
    this.latestBtn.addEventListener('click', () => this.move(this.last, true));
    this.slider.addEventListener('input', () => this.move(Number(this.slider.value), false));
    this.slider.addEventListener('change', () => this.move(Number(this.slider.value), true));
    nav.addEventListener('keydown', (e) => {
      if (e.target === this.slider) return; // the range input handles its own arrows
      if (e.key === 'ArrowLeft') this.move(this.current - 1, true);
      else if (e.key === 'ArrowRight') this.move(this.current + 1, true);
    });
    replaceChildren(nav, this.prevBtn, this.slider, this.nextBtn, this.latestBtn, this.label);
  }

  private move(step: number, settled: boolean): void {
    if (this.last === 0) return;
    const s = Math.min(this.last, Math.max(this.first, Math.round(step)));
    if (s === this.current && !settled) return;
    this.opts.onMove(s, settled);
  }

  /** Updates the navigation to show `current` in [first, last]. */
  setPosition(current: number, first: number, last: number, totalSteps: number): void {
    this.first = first;
    this.last = last;
    this.current = current;
    // Only touch what changed: each write to the range input costs a style and layout pass.
    const set = (k: 'min' | 'max' | 'value', v: string) => {
      if (this.slider[k] !== v) this.slider[k] = v;
    };
    set('min', String(first));
    set('max', String(Math.max(first, last)));
    set('value', String(current));
    if (this.slider.disabled !== (last === 0)) this.slider.disabled = last === 0;
    this.prevBtn.toggleAttribute('disabled', current <= first);
    this.nextBtn.toggleAttribute('disabled', current >= last);
    this.latestBtn.toggleAttribute('disabled', current >= last);
    const of = totalSteps > 0 ? ` / ${totalSteps}` : '';
    const text = last === 0 ? 'no steps yet' : `step ${current}${of}`;
    if (this.label.textContent !== text) this.label.textContent = text;
  }

  /**
   * Shows step `step`. `loss` comes from the summaries (always there); `record` is the full record once the
   * host sent it, `prev` the record of the step before (for the optimizer state before the update).
   */
  renderDetail(step: number, run: RunInfo | undefined, loss: number | undefined, record: StepRecord | undefined, complete: boolean, prev: StepRecord | undefined, trailing = false): void {
    if (!run || !step) {
      replaceChildren(this.detail, el('p', { class: 'muted' }, 'No step yet.'));
      return;
    }
    const facts = el('dl', { class: 'step-facts' });
    const fact = (k: string, v: string, cls?: string) => facts.append(el('dt', {}, k), el('dd', { class: cls }, v));
    fact('step', trailing ? `${step} (newest full record; the run is ahead)` : String(step), 'step-shown');
    fact('loss', fmt(record?.loss ?? loss, 7), 'step-loss');
    if (record) {
      fact('epoch · batch', `${record.epoch} · ${record.batch}`);
      if (record.lr !== undefined) fact('lr', fmt(record.lr));
      if (record.predMean !== undefined && record.targetMean !== undefined)
        fact('mean prediction vs target', `${fmt(record.predMean)} vs ${fmt(record.targetMean)}`);
    }
    const parts: HTMLElement[] = [facts];
    if (!record) {
      parts.push(el('p', { class: 'muted' }, `Loading step ${step}…`));
    } else {
      if (!complete) parts.push(el('p', { class: 'muted' }, 'This step is older than the kept full history: only its scalars were recorded.'));
      for (const [name, p] of Object.entries(record.params)) parts.push(this.paramSection(name, p, run, record.step, prev?.step === record.step - 1 ? prev.params[name] : undefined, complete));
    }
    replaceChildren(this.detail, ...parts);
  }

  private paramSection(name: string, p: ParamRecord, run: RunInfo, step: number, prev: ParamRecord | undefined, complete: boolean): HTMLElement {
    const count = Math.min(MAX_ENTRIES, p.value.length);
    const stateKeys = Object.keys(p.state).filter((k) => Array.isArray(p.state[k]));
    const scalarState = Object.entries(p.state).filter(([, v]) => typeof v === 'number');
    const truth = run.trueValues?.[name];
    const head = el(
      'tr',
      {},
      el('th', { scope: 'col' }, 'i'),
      el('th', { scope: 'col' }, 'w'),
      truth ? el('th', { scope: 'col' }, 'true') : null,
      el('th', { scope: 'col' }, 'grad'),
      ...stateKeys.map((k) => el('th', { scope: 'col' }, k)),
      el('th', { scope: 'col' }, 'Δw'),
    );
    const body = el('tbody');
    for (let i = 0; i < count; i++) {
      const cell = (v: number | undefined, cls: string) => el('td', { class: cls, 'data-param': name, 'data-index': i }, fmt(v, 6));
      body.appendChild(
        el(
          'tr',
          {},
          el('td', { class: 'muted' }, String(i)),
          cell(p.value[i], 'w-value'),
          truth ? cell(truth[i], 'w-true') : null,
          cell(p.grad?.[i], 'w-grad'),
          ...stateKeys.map((k) => cell((p.state[k] as number[])[i], 'w-state')),
          cell(p.update[i], 'w-update'),
        ),
      );
    }
    const table = el('table', { class: 'param-table' }, el('thead', {}, head), body);
    const formulas = el('div', { class: 'formulas' });
    // A scalars-only record has values but no gradient or state: nothing to fill a formula with.
    for (let i = 0; complete && i < Math.min(MAX_FORMULAS, count); i++) {
      const f = optimizerFormula(run.optimizer, p, i, step, prev);
      if (!f) continue;
      const lines = f.lines.map((l) => el('div', { class: 'formula-line' }, el('code', { class: 'formula-rule' }, l.rule), el('code', { class: 'formula-numbers' }, l.numbers)));
      formulas.appendChild(
        el('div', { class: 'formula', 'data-param': name, 'data-index': i }, el('div', { class: 'formula-title muted' }, `${f.title}, ${name}[${i}]`), ...lines, f.note ? el('div', { class: 'muted' }, f.note) : null),
      );
    }
    if (complete && p.grad === null) formulas.appendChild(el('p', { class: 'muted' }, 'No gradient reached this parameter at this step.'));
    const shape = p.shape.length || !run.params[name] ? p.shape : run.params[name];
    const sub = [`shape ${shapeText(shape)}`, `‖w‖ ${fmt(p.norm)}`, `‖g‖ ${fmt(p.gradNorm)}`, `‖Δw‖ ${fmt(p.updateNorm)}`, ...scalarState.map(([k, v]) => `${k} ${fmt(v as number)}`)];
    if (p.value.length > count || p.thinned) sub.push(`first ${count} entries shown`);
    return el('section', { class: 'param', 'data-param': name }, el('h4', {}, name, ' ', el('span', { class: 'muted' }, sub.join(' · '))), el('div', { class: 'table-scroll' }, table), formulas);
  }
}
