/**
 * The shapes of the shown step: every op in order. Broadcasting losses and ops a diagnosis points at are
 * flagged in the error colour, with the diagnosis' plain-words explanation and fix under the row.
 */
import type { OpRecord } from '../src/core/trace';
import type { Diagnosis } from '../src/experiment/records';
import { codicon, el, replaceChildren, richText } from './el';
import { opRows } from './opRows';

export interface ShapesViewOptions {
  onRevealSource(file: string, line: number): void;
}

export class ShapesView {
  private highlighted = -1;

  constructor(
    private readonly root: HTMLElement,
    private readonly opts: ShapesViewOptions,
  ) {}

  /** `ops` undefined: the step's record has not arrived yet; empty: the record kept no ops (an old step). */
  render(step: number, ops: readonly OpRecord[] | undefined, diagnoses: readonly Diagnosis[]): void {
    if (!step) {
      replaceChildren(this.root, el('p', { class: 'muted' }, 'No step yet.'));
      return;
    }
    if (ops === undefined) {
      replaceChildren(this.root, el('p', { class: 'muted' }, `Loading the ops of step ${step}…`));
      return;
    }
    if (ops.length === 0) {
      replaceChildren(this.root, el('p', { class: 'muted' }, `Step ${step} is older than the kept history: its ops were not recorded.`));
      return;
    }
    const list = el('ol', { class: 'ops', 'aria-label': `ops of step ${step}` });
    for (const row of opRows(ops, diagnoses)) {
      const cls = ['op-row'];
      if (row.flagged) cls.push('flagged', `sev-${row.severity ?? 'error'}`);
      if (row.index === this.highlighted) cls.push('highlighted');
      const li = el('li', { class: cls.join(' '), 'data-op-index': row.index });
      const head = el(
        'div',
        { class: 'op-head' },
        row.flagged ? codicon(row.severity === 'error' ? 'error' : row.severity === 'warning' ? 'warning' : 'info', row.severity) : null,
        el('code', { class: 'op-text' }, row.text),
        row.opName ? el('span', { class: 'op-name muted' }, row.opName) : null,
        row.args ? el('span', { class: 'op-args muted' }, row.args) : null,
      );
      if (row.source) {
        const { file, line } = row.source;
        const base = file.split(/[\\/]/).pop() ?? file;
        const a = el('a', { class: 'op-source', href: '#', title: `${file}:${line}` }, `${base}:${line}`);
        a.addEventListener('click', (e) => {
          e.preventDefault();
          this.opts.onRevealSource(file, line);
        });
        head.appendChild(a);
      }
      li.appendChild(head);
      if (row.explanation) li.appendChild(el('div', { class: 'op-explain' }, ...richText(row.explanation)));
      for (const m of row.also) li.appendChild(el('div', { class: 'op-explain op-also' }, ...richText(m)));
      if (row.fix) li.appendChild(el('div', { class: 'op-fix' }, el('strong', {}, 'Fix: '), ...richText(row.fix)));
      list.appendChild(li);
    }
    replaceChildren(this.root, list);
  }

  highlight(opIndex: number): void {
    this.highlighted = opIndex;
    for (const li of this.root.querySelectorAll('.op-row')) {
      const on = Number((li as HTMLElement).dataset.opIndex) === opIndex;
      li.classList.toggle('highlighted', on);
      if (on) li.scrollIntoView({ block: 'nearest' });
    }
  }
}
