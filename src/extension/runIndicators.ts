/**
 * Where a run shows outside the panel: a status-bar item with its step and loss (click: the panel), and a
 * cancellable progress notification while a long run trains (cancel: stop the run).
 */
import * as vscode from 'vscode';
import type { RunHub } from './runHub';
import type { RunSource } from './runSource';

export const SHOW_PANEL_COMMAND = 'gradientDebugger.showPanel';

/** A run still going after this long gets a progress notification; short ones finish before it would show. */
const PROGRESS_AFTER_MS = 1500;
const STATUS_REFRESH_MS = 250;

export function formatLoss(v: number | undefined): string {
  if (v === undefined) return '–';
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  // Same style as the panel: grouped digits up to ten million, exponents only beyond.
  if (a !== 0 && (a >= 1e7 || a < 1e-3)) return v.toExponential(3);
  return v.toLocaleString('en-US', { maximumFractionDigits: a >= 100 ? 0 : 4 });
}

export class RunIndicators implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private progressFor: RunSource | undefined;
  private progressTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly sub: { dispose(): void };

  constructor(private readonly hub: RunHub) {
    this.item = vscode.window.createStatusBarItem('gradientDebugger.run', vscode.StatusBarAlignment.Left, 10);
    this.item.name = 'Gradient Debugger run';
    this.item.command = SHOW_PANEL_COMMAND;
    this.sub = hub.on((e) => {
      if (e.kind === 'active') {
        this.update(0);
        this.watchProgress(e.source);
      } else if (e.kind === 'source' && e.source === hub.active) {
        this.update(e.event.kind === 'steps' ? STATUS_REFRESH_MS : 0);
        if (e.event.kind === 'state') this.watchProgress(e.source);
      }
    });
  }

  private update(ms: number): void {
    if (this.timer && ms > 0) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.render();
    }, ms);
  }

  private render(): void {
    const s = this.hub.active;
    if (!s) {
      this.item.hide();
      return;
    }
    const last = s.summaries[s.summaries.length - 1];
    const total = s.totalSteps > 0 ? `/${s.totalSteps}` : '';
    const icon = s.state === 'running' ? '$(sync~spin)' : s.state === 'error' || s.state === 'diverged' ? '$(error)' : '$(graph-line)';
    const warn = s.diagnostics().some((d) => d.severity === 'error') ? ' $(warning)' : '';
    this.item.text = `${icon} step ${s.stepCount}${total} · loss ${formatLoss(last?.loss)}${warn}`;
    this.item.tooltip = `Gradient Debugger: ${s.info.name} (${s.state}). Click to show the panel.`;
    this.item.show();
  }

  /** Starts a progress notification for a run that keeps running; it ends when the run stops running. */
  private watchProgress(s: RunSource | undefined): void {
    if (!s || s.state !== 'running' || this.progressFor === s || this.progressTimer) return;
    this.progressTimer = setTimeout(() => {
      this.progressTimer = undefined;
      if (s.state !== 'running' || this.progressFor === s || s !== this.hub.active) return;
      this.progressFor = s;
      void vscode.window
        .withProgress({ location: vscode.ProgressLocation.Notification, title: `Training ${s.info.name}`, cancellable: true }, (progress, token) =>
          new Promise<void>((resolve) => {
            let reported = 0;
            const tick = () => {
              const pct = s.totalSteps > 0 ? (100 * s.stepCount) / s.totalSteps : 0;
              const last = s.summaries[s.summaries.length - 1];
              progress.report({ increment: Math.max(0, pct - reported), message: `step ${s.stepCount}${s.totalSteps ? `/${s.totalSteps}` : ''} · loss ${formatLoss(last?.loss)}` });
              reported = Math.max(reported, pct);
            };
            tick();
            const iv = setInterval(tick, 500);
            const done = () => {
              clearInterval(iv);
              sub.dispose();
              cancel.dispose();
              if (this.progressFor === s) this.progressFor = undefined;
              resolve();
            };
            const sub = this.hub.on((e) => {
              if ((e.kind === 'source' && e.source === s && e.event.kind === 'state' && e.event.state !== 'running') || (e.kind === 'active' && e.source !== s)) done();
            });
            const cancel = token.onCancellationRequested(() => {
              void s.control('stop');
              done();
            });
            if (s.state !== 'running') done();
          }),
        );
    }, PROGRESS_AFTER_MS);
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.progressTimer) clearTimeout(this.progressTimer);
    this.sub.dispose();
    this.item.dispose();
  }
}
