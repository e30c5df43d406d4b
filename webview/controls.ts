/** Run controls: pause/resume, step, step epoch, reset, stop. Each press becomes a `control` message. */
import type { ControlAction, RunState } from '../src/protocol';
import { el, replaceChildren } from './el';

const BUTTONS: { action: ControlAction; icon: string; label: string }[] = [
  { action: 'pause', icon: 'debug-pause', label: 'Pause' },
  { action: 'resume', icon: 'debug-continue', label: 'Resume' },
  { action: 'step', icon: 'debug-step-over', label: 'Step' },
  { action: 'stepEpoch', icon: 'debug-step-into', label: 'Step epoch' },
  { action: 'reset', icon: 'debug-restart', label: 'Reset' },
  { action: 'stop', icon: 'debug-stop', label: 'Stop' },
];

export class Controls {
  private readonly buttons = new Map<ControlAction, HTMLElement>();
  private readonly status: HTMLElement;

  constructor(root: HTMLElement, onAction: (a: ControlAction) => void) {
    const bar = el('div', { class: 'control-buttons', role: 'toolbar', 'aria-label': 'Run controls' });
    for (const b of BUTTONS) {
      const btn = el('vscode-button', { icon: b.icon, secondary: true, title: b.label, 'aria-label': b.label, 'data-action': b.action }, el('span', { class: 'btn-label' }, b.label));
      btn.addEventListener('click', () => {
        if (!btn.hasAttribute('disabled')) onAction(b.action);
      });
      this.buttons.set(b.action, btn);
      bar.appendChild(btn);
    }
    this.status = el('span', { class: 'run-status', role: 'status' });
    replaceChildren(root, bar, this.status);
  }

  /** Enables what makes sense in `state`; pause and resume share a place. */
  update(state: RunState | undefined, text: string): void {
    const live = state === 'running' || state === 'paused' || state === 'idle';
    const show = (a: ControlAction, visible: boolean, enabled: boolean) => {
      const b = this.buttons.get(a)!;
      // Unchanged attributes are left alone: this runs on every frame of a live run.
      if (b.hidden !== !visible) b.hidden = !visible;
      if (b.hasAttribute('disabled') === enabled) b.toggleAttribute('disabled', !enabled);
    };
    show('pause', state === 'running', state === 'running');
    show('resume', state !== 'running', state === 'paused' || state === 'idle');
    show('step', true, state === 'paused' || state === 'idle');
    show('stepEpoch', true, state === 'paused' || state === 'idle');
    show('reset', true, state !== undefined);
    show('stop', true, live);
    if (this.status.textContent !== text) this.status.textContent = text;
  }
}
