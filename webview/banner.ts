/**
 * The diagnosis banner at the top: every active diagnosis, newest first, with a link to the step where it
 * was first seen and a "What if" button when the runner can re-run the experiment with the fix applied.
 */
import type { Diagnosis } from '../src/experiment/records';
import { codicon, el, replaceChildren, richText } from './el';
import { messageWithoutFix } from './opRows';

export interface BannerOptions {
  onGoToStep(step: number): void;
  onWhatIf(code: string): void;
  /** Whether what-if runs are possible (experiments, not traces). */
  canWhatIf(): boolean;
}

export class DiagnosisBanner {
  private pendingWhatIf = new Set<string>();

  constructor(
    private readonly root: HTMLElement,
    private readonly opts: BannerOptions,
  ) {}

  whatIfDone(code: string): void {
    this.pendingWhatIf.delete(code);
  }

  render(diagnoses: readonly Diagnosis[], hostError?: string): void {
    const items: HTMLElement[] = [];
    if (hostError) items.push(el('li', { class: 'diag sev-error host-error' }, codicon('error', 'error'), el('span', { class: 'diag-message' }, hostError)));
    // Newest first; the host already sends them so, the stable sort only guards the order.
    const sorted = [...diagnoses].sort((a, b) => b.step - a.step);
    for (const d of sorted) {
      const icon = d.severity === 'error' ? 'error' : d.severity === 'warning' ? 'warning' : 'info';
      const link = el('a', { href: '#', class: 'diag-step', title: `Show step ${d.step}` }, `step ${d.step}`);
      link.addEventListener('click', (e) => {
        e.preventDefault();
        this.opts.onGoToStep(d.step);
      });
      const li = el(
        'li',
        { class: `diag sev-${d.severity}`, 'data-code': d.code },
        codicon(icon, d.severity),
        el('div', { class: 'diag-body' }, el('span', { class: 'diag-message' }, ...richText(messageWithoutFix(d))), ' ', link, d.fix ? el('div', { class: 'diag-fix' }, el('strong', {}, 'Fix: '), ...richText(d.fix.description)) : null),
      );
      if (d.fix?.specFix && this.opts.canWhatIf()) {
        const pending = this.pendingWhatIf.has(d.code);
        const b = el('vscode-button', { secondary: true, class: 'what-if', title: `Re-run the experiment with the fix applied and overlay its loss`, disabled: pending }, pending ? 'Running…' : 'What if');
        b.addEventListener('click', () => {
          if (this.pendingWhatIf.has(d.code)) return;
          this.pendingWhatIf.add(d.code);
          this.opts.onWhatIf(d.code);
          this.render(diagnoses, hostError);
        });
        li.appendChild(b);
      }
      items.push(li);
    }
    this.root.hidden = items.length === 0;
    // The banner takes the colour of its worst entry: a run with only warnings is not painted as an error.
    const worst = hostError || diagnoses.some((d) => d.severity === 'error') ? 'error' : diagnoses.some((d) => d.severity === 'warning') ? 'warning' : 'info';
    this.root.classList.remove('banner-error', 'banner-warning', 'banner-info');
    this.root.classList.add(`banner-${worst}`);
    replaceChildren(this.root, items.length ? el('ul', { class: 'diag-list' }, ...items) : null);
  }
}
