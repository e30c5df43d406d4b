/**
 * Entry of the panel bundle. Keeps the panel's model (run, history, diagnoses, shown step), turns host
 * messages into model changes and user actions into messages, and redraws at most once per animation frame:
 * the host may stream `steps` 30 times a second, and each message only marks what changed.
 */
import { VscodeButton } from '@vscode-elements/elements/dist/vscode-button/index.js';
import { VscodeCheckbox } from '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import type { ControlAction, HostMessage, PanelState, RunInfo, RunState } from '../src/protocol';
import type { Diagnosis, StepRecord, WhatIf } from '../src/experiment/records';
import { DiagnosisBanner } from './banner';
import { ChartsView } from './charts';
import { Controls } from './controls';
import { History } from './history';
import { parseHostMessage } from './hostMessages';
import { fmt } from './numberFormat';
import { ShapesView } from './shapesView';
import { Stepper } from './stepper';
import { onThemeChange } from './theme';
import { hostChannel } from './vscodeApi';

// Referenced so the bundler keeps the custom-element registrations (they run on import).
void [VscodeButton, VscodeCheckbox];

/** Full step records kept in the panel; older ones are asked for again when shown. */
const DETAIL_CACHE = 64;
/** While following a live run, ask for the latest step's ops at most this often. */
const FOLLOW_REQUEST_MS = 250;
/** After a streamed chart redraw, the next waits at least this long: more than a frame, so frames alternate. */
const CHART_GAP_MS = 20;

interface Detail {
  record: StepRecord;
  complete: boolean;
}

export interface PanelStats {
  /** Duration of each redraw (ms), newest last. */
  renders: number[];
  /** performance.now() at the end of the last redraw, and how many steps it drew. */
  lastRenderEnd: number;
  lastRenderSteps: number;
  /** Time of the last redraw's parts, and of handling the last host message (checks included). */
  lastParts: Record<string, number>;
  lastMessageMs: number;
  /** Total time spent handling host messages (checks and model updates, after the browser delivered them). */
  messageMs: number;
  /** True while a redraw is scheduled (tests wait for false before reading the page). */
  busy: boolean;
  /** How many steps the charts showed when all three were last up to date. */
  chartSteps: number;
  /** Redraws of each chart since the page loaded (a chart is redrawn only when what it shows changes). */
  chartDraws: Record<'loss' | 'weights' | 'grads', number>;
}

const byId = <T extends HTMLElement>(id: string) => {
  const e = document.getElementById(id);
  if (!e) throw new Error(`panel page is missing #${id}`);
  return e as T;
};

class Panel {
  private readonly host = hostChannel();
  private run: RunInfo | undefined;
  private runState: RunState | undefined;
  private statusText = '';
  private readonly history = new History();
  private diagnoses: Diagnosis[] = [];
  private whatIf: WhatIf | undefined;
  private hostError: string | undefined;
  private current = 0;
  private following = true;
  /** A reloaded panel waits for its saved step to come back from the host. */
  private restoring = false;
  private readonly details = new Map<number, Detail>();
  private readonly requested = new Map<number, number>();
  private lastFollowRequest = 0;
  private highlightOp: { step: number; opIndex: number } | undefined;
  /** The step whose record the detail shows (can trail `current` while following a live run). */
  private shownStep = 0;
  /** `data`: new steps (charts redraw if that shows); `charts`: redraw them whatever the data (scale, theme, run). */
  private dirty = { data: false, charts: false, nav: false, detail: false, banner: false, controls: false, header: false };
  /** A chunked snapshot is arriving (the last steps message said `more`). */
  private snapshotOpen = false;
  private frame = 0;
  readonly stats: PanelStats;

  private readonly charts: ChartsView;
  private readonly banner: DiagnosisBanner;
  private readonly controls: Controls;
  private readonly stepper: Stepper;
  private readonly shapes: ShapesView;

  constructor() {
    this.charts = new ChartsView(
      { loss: byId('chart-loss'), weights: byId('chart-weights'), grads: byId('chart-grads') },
      { loss: byId('legend-loss'), weights: byId('legend-weights'), grads: byId('legend-grads') },
      { onPickStep: (s) => this.moveTo(this.nearestStep(s), true) },
    );
    this.charts.retheme();
    this.stats = { renders: [], lastRenderEnd: 0, lastRenderSteps: 0, lastParts: {}, lastMessageMs: 0, messageMs: 0, busy: false, chartSteps: 0, chartDraws: this.charts.draws };
    this.banner = new DiagnosisBanner(byId('banner'), {
      onGoToStep: (s) => this.moveTo(this.nearestStep(s), true),
      onWhatIf: (code) => this.run && this.host.post({ type: 'runWhatIf', runId: this.run.id, code }),
      canWhatIf: () => this.run?.source === 'experiment',
    });
    this.controls = new Controls(byId('controls'), (action: ControlAction) => this.run && this.host.post({ type: 'control', runId: this.run.id, action }));
    this.stepper = new Stepper(byId('step-nav'), byId('step-detail'), { onMove: (s, settled) => this.moveTo(s, settled) });
    this.shapes = new ShapesView(byId('shapes'), { onRevealSource: (file, line) => this.host.post({ type: 'revealSource', file, line }) });

    const logToggle = (id: string, set: (on: boolean) => void) => {
      const box = byId<HTMLElement & { checked: boolean }>(id);
      box.addEventListener('change', () => {
        set(box.checked);
        this.mark('charts');
      });
    };
    logToggle('log-loss', (on) => (this.charts.logLoss = on));
    logToggle('log-grads', (on) => (this.charts.logGrads = on));
    onThemeChange(() => {
      this.charts.retheme();
      this.mark('charts');
    });
    window.addEventListener('message', (e: MessageEvent) => this.onMessage(e.data));
    this.restore();
    this.markAll();
  }

  // ------------------------------------------------------------------------------------------ messages

  private onMessage(data: unknown): void {
    const t0 = performance.now();
    this.onMessageChecked(data);
    this.stats.lastMessageMs = performance.now() - t0;
    this.stats.messageMs += this.stats.lastMessageMs;
  }

  private onMessageChecked(data: unknown): void {
    const parsed = parseHostMessage(data);
    if (!parsed.ok) {
      console.warn(`Gradient Debugger panel: ignored a host message: ${parsed.reason}`);
      return;
    }
    try {
      this.handle(parsed.msg);
    } catch (err) {
      // A message that passed the checks but still broke a view: say so in the panel rather than go blank.
      this.hostError = `The panel could not show a "${parsed.msg.type}" message: ${err instanceof Error ? err.message : String(err)}`;
      console.warn(this.hostError);
      this.mark('banner');
    }
  }

  private handle(m: HostMessage): void {
    if (m.type === 'run') return this.showRun(m.run);
    if (m.type === 'error') {
      this.hostError = m.message;
      return this.mark('banner');
    }
    if (!this.run || m.runId !== this.run.id) return; // a message of a run this panel no longer shows
    switch (m.type) {
      case 'steps': {
        if (m.replace) {
          // The first draw after a restart is whole and immediate, like a new run's.
          this.stats.chartSteps = 0;
          // A reset or a snapshot of the whole run: the old steps and records are gone.
          this.history.clear();
          this.details.clear();
          this.requested.clear();
          this.whatIf = undefined;
          // The host also re-sends a whole history with `replace` (in chunks) when a reloaded panel is ready:
          // then the stepper stays where the user left it. Any other replace is a reset: follow the new run.
          if (!this.restoring) this.following = true;
        }
        const hadCurrent = this.history.indexOf(this.current) >= 0;
        this.history.append(m);
        // A snapshot in chunks: the charts wait for the last one rather than draw each partial history.
        this.snapshotOpen = m.more === true;
        if (this.following) {
          this.current = this.history.lastStep;
          if (!m.more) this.followLatest();
        } else if (!hadCurrent && this.current <= this.history.lastStep) {
          // A restored panel waits for the host to re-send its step; ask for the record once it exists.
          this.request(this.current);
          this.mark('detail');
        }
        // While following, the detail keeps showing the newest full record until the next one arrives,
        // rather than flashing "loading" 30 times a second.
        if (m.replace) this.mark('detail');
        this.mark('data', 'nav', 'controls');
        break;
      }
      case 'stepDetail':
        this.details.delete(m.record.step);
        this.details.set(m.record.step, { record: m.record, complete: m.complete });
        if (this.restoring && m.record.step === this.current) this.restoring = false;
        this.requested.delete(m.record.step);
        while (this.details.size > DETAIL_CACHE) this.details.delete(this.details.keys().next().value as number);
        if (m.record.step === this.current || m.record.step === this.current - 1 || (this.following && m.record.step > this.shownStep - 1)) this.mark('detail');
        break;
      case 'diagnostics':
        this.diagnoses = m.diagnostics;
        this.mark('banner', 'detail');
        break;
      case 'status':
        this.runState = m.state as RunState;
        this.statusText = m.message ?? '';
        if (this.run.totalSteps !== m.totalSteps && m.totalSteps > 0) this.run = { ...this.run, totalSteps: m.totalSteps };
        if (m.state !== 'running' && this.following && this.history.lastStep) this.request(this.history.lastStep);
        this.mark('controls', 'nav');
        break;
      case 'whatIf':
        this.whatIf = m.whatIf;
        this.banner.whatIfDone(m.whatIf.code);
        this.mark('charts', 'banner');
        break;
      case 'highlight':
        this.highlightOp = { step: m.step, opIndex: m.opIndex };
        if (this.history.indexOf(m.step) >= 0 || this.details.has(m.step)) this.moveTo(m.step, true);
        this.mark('detail');
        break;
    }
  }

  private showRun(run: RunInfo, restoredStep?: number): void {
    const same = this.run?.id === run.id;
    this.run = run;
    this.snapshotOpen = false;
    if (!same) {
      this.history.clear();
      this.details.clear();
      this.requested.clear();
      this.diagnoses = [];
      this.whatIf = undefined;
      this.hostError = undefined;
      this.runState = undefined;
      this.statusText = '';
      this.highlightOp = undefined;
      this.current = restoredStep ?? 0;
      this.following = restoredStep === undefined;
      this.restoring = restoredStep !== undefined;
      this.stats.chartSteps = 0;
    }
    this.saveState();
    this.markAll();
  }

  // ------------------------------------------------------------------------------------------ stepping

  private nearestStep(s: number): number {
    const first = this.history.firstStep;
    const last = this.history.lastStep;
    return last ? Math.min(last, Math.max(first, s)) : s;
  }

  private moveTo(step: number, settled: boolean): void {
    if (!this.run) return;
    this.current = step;
    this.following = step >= this.history.lastStep;
    this.restoring = false;
    if (this.highlightOp && this.highlightOp.step !== step) this.highlightOp = undefined;
    if (settled) {
      this.request(step);
      if (step > 1 && !this.details.has(step - 1)) this.request(step - 1);
      this.host.post({ type: 'selectStep', runId: this.run.id, step });
      this.saveState();
    } else if (!this.details.has(step)) {
      // While dragging, ask only for where the slider rests; the settle event asks for the final step.
      this.requestThrottled(step);
    }
    this.mark('nav', 'detail');
  }

  /** While following, the newest step with a full record (the latest step's record is on its way). */
  private stepToShow(): number {
    if (!this.following || this.details.has(this.current)) return this.current;
    let best = 0;
    for (const s of this.details.keys()) if (s > best && s <= this.current) best = s;
    return best || this.current;
  }

  private chartsTimer = 0;
  private nextChartsAt = 0;
  private dragTimer = 0;
  private requestThrottled(step: number): void {
    window.clearTimeout(this.dragTimer);
    this.dragTimer = window.setTimeout(() => {
      if (this.current === step) this.request(step);
    }, 120);
  }

  private followTimer = 0;
  /** Asks for the latest step's record at most every FOLLOW_REQUEST_MS, and always for the last one. */
  private followLatest(): void {
    const wait = this.lastFollowRequest + FOLLOW_REQUEST_MS - performance.now();
    if (wait > 0) {
      if (!this.followTimer)
        this.followTimer = window.setTimeout(() => {
          this.followTimer = 0;
          if (this.following) this.followLatest();
        }, wait);
      return;
    }
    this.lastFollowRequest = performance.now();
    this.request(this.history.lastStep);
  }

  private request(step: number): void {
    if (!this.run || step < 1 || this.details.has(step)) return;
    const at = this.requested.get(step);
    if (at !== undefined && performance.now() - at < 2000) return; // already asked; the answer is on its way
    this.requested.set(step, performance.now());
    this.host.post({ type: 'requestStep', runId: this.run.id, step });
  }

  // ------------------------------------------------------------------------------------------ state

  private saveState(): void {
    if (!this.run) return;
    const state: PanelState = { runId: this.run.id, run: this.run, step: this.following ? undefined : this.current };
    this.host.setState(state);
  }

  private restore(): void {
    let restoredRunId: string | undefined;
    const saved = this.host.getState() as PanelState | undefined;
    if (saved && typeof saved === 'object' && saved.run) {
      const parsed = parseHostMessage({ type: 'run', run: saved.run });
      if (parsed.ok && parsed.msg.type === 'run') {
        const step = typeof saved.step === 'number' && Number.isInteger(saved.step) && saved.step > 0 ? saved.step : undefined;
        this.showRun(parsed.msg.run, step);
        restoredRunId = parsed.msg.run.id;
      } else {
        console.warn(`Gradient Debugger panel: saved state not restored: ${parsed.ok ? 'not a run' : parsed.reason}`);
      }
    }
    this.host.post(restoredRunId ? { type: 'ready', restoredRunId } : { type: 'ready' });
  }

  // ------------------------------------------------------------------------------------------ drawing

  private mark(...what: (keyof Panel['dirty'])[]): void {
    for (const w of what) this.dirty[w] = true;
    this.stats.busy = true;
    if (!this.frame) this.frame = requestAnimationFrame(() => this.render());
  }

  private markAll(): void {
    this.mark('charts', 'nav', 'detail', 'banner', 'controls', 'header');
  }

  private render(): void {
    this.frame = 0;
    const t0 = performance.now();
    const d = this.dirty;
    this.dirty = { data: false, charts: false, nav: false, detail: false, banner: false, controls: false, header: false };
    const run = this.run;
    if (d.header) {
      byId('run-name').textContent = run ? run.name : 'Gradient Debugger';
      byId('run-meta').textContent = run
        ? [run.source === 'trace' ? `trace of ${run.script ?? 'a script'}` : 'experiment', run.optimizer.type, run.loss ? `${run.loss.type} (${run.loss.reduction})` : '', run.dtype]
            .filter(Boolean)
            .join(' · ')
        : 'No run yet. Run an experiment or trace a script.';
    }
    const parts: Record<string, number> = {};
    let tp = performance.now();
    const part = (name: string) => {
      const now = performance.now();
      parts[name] = now - tp;
      tp = now;
    };
    part('header');
    if (d.charts || d.data) this.charts.invalidate(d.charts);
    let chartsLeft = false;
    if (this.charts.hasPending && !this.snapshotOpen) {
      // The first draw of a run (or after a reset or snapshot) is whole and immediate. After that, while steps
      // stream in, at most one chart is redrawn per frame and never in two frames running (its canvas raster
      // lands in that frame's commit, several ms on a busy machine), and charts use at most about a third of
      // the main thread: when a redraw costs more (a huge history, a slow or busy machine) they redraw less
      // often instead of making frames late. A chart whose new steps change nothing visible costs no redraw.
      const throttled = this.stats.chartSteps > 0;
      const wait = throttled ? this.nextChartsAt - performance.now() : 0;
      if (wait > 1) {
        if (!this.chartsTimer)
          this.chartsTimer = window.setTimeout(() => {
            this.chartsTimer = 0;
            this.mark();
          }, wait);
      } else {
        const tc = performance.now();
        const drawn = this.charts.update(this.history, run, this.whatIf, throttled ? 1 : Infinity);
        chartsLeft = this.charts.hasPending;
        const cost = performance.now() - tc;
        this.nextChartsAt = performance.now() + Math.min(250, Math.max(2 * cost, drawn ? CHART_GAP_MS : 0));
        if (!chartsLeft) this.stats.chartSteps = this.history.length;
      }
    }
    part('charts');
    if (d.nav || d.charts) {
      this.stepper.setPosition(this.current, this.history.firstStep, this.history.lastStep, run?.totalSteps ?? 0);
      this.charts.setMarker(this.following ? 0 : this.current);
    }
    if (d.controls) {
      const state = this.runState;
      const last = this.history.lastStep;
      const parts = [state ?? (run ? 'waiting' : ''), last ? `step ${last}${run?.totalSteps ? ` / ${run.totalSteps}` : ''}` : '', last ? `loss ${fmt(this.history.loss.data[this.history.length - 1])}` : '', this.statusText];
      this.controls.update(run ? state : undefined, parts.filter(Boolean).join(' · '));
    }
    part('nav');
    if (d.banner) this.banner.render(this.diagnoses, this.hostError);
    part('banner');
    if (d.detail) {
      const step = this.stepToShow();
      this.shownStep = step;
      const detail = this.details.get(step);
      const prev = this.details.get(step - 1);
      const idx = this.history.indexOf(step);
      const loss = idx >= 0 ? this.history.loss.data[idx] : undefined;
      this.stepper.renderDetail(step, run, loss, detail?.record, detail?.complete ?? true, prev?.record, step !== this.current);
      this.shapes.render(step, detail?.record.ops, this.diagnoses);
      if (this.highlightOp && this.highlightOp.step === step) this.shapes.highlight(this.highlightOp.opIndex);
      document.body.dataset.shownStep = String(step);
      document.body.dataset.shownDetail = detail ? String(detail.record.step) : '';
    }
    part('detail');
    const t1 = performance.now();
    this.stats.lastParts = parts;
    this.stats.renders.push(t1 - t0);
    if (this.stats.renders.length > 10000) this.stats.renders.splice(0, 5000);
    this.stats.lastRenderEnd = t1;
    this.stats.lastRenderSteps = this.history.length;
    if (chartsLeft && !this.frame && !this.chartsTimer) this.frame = requestAnimationFrame(() => this.render());
    this.stats.busy = this.frame !== 0 || this.chartsTimer !== 0;
  }
}

const panel = new Panel();
// Read by the Chromium tests and the benchmark: redraw durations, no data and no control surface.
(window as unknown as { gdPanelStats: PanelStats }).gdPanelStats = panel.stats;
