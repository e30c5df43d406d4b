/**
 * The conversation with the panel webview, without the webview: what to post for the active run and what
 * to do with each message the webview sends. panel.ts plugs a real WebviewPanel into it; the unit tests
 * plug a recorder. Every incoming message is validated by `parseWebviewMessage` before anything reads it.
 */
import { parseWebviewMessage, type HostMessage, type RunState } from '../protocol';
import type { StepSummary } from '../experiment/records';
import { snapshotMessages, stepsMessage } from '../stepColumns';
import type { HubEvent, RunHub } from './runHub';
import type { RunSource } from './runSource';
import { StepBatcher, type BatcherClock } from './stepBatcher';

/** How many posted messages the test API keeps (a long run posts a few per second, so this is minutes). */
export const POSTED_LOG_LIMIT = 5000;

export interface PanelChannelOptions {
  hz: () => number;
  log: { info(m: string): void; warn(m: string): void; error(m: string): void };
  /** Opens a traced op's source line in an editor. */
  revealSource?: (file: string, line: number) => void;
  clock?: BatcherClock;
}

const RESTING: readonly RunState[] = ['paused', 'done', 'stopped', 'diverged'];

export class PanelChannel {
  private ready = false;
  private shown: RunSource | undefined;
  private diagDirty = false;
  private readonly log: HostMessage[] = [];
  private readonly batcher: StepBatcher;
  private readonly sub: { dispose(): void };

  constructor(
    private readonly hub: RunHub,
    private readonly send: (m: HostMessage) => void,
    private readonly opts: PanelChannelOptions,
  ) {
    this.batcher = new StepBatcher((steps) => this.deliverSteps(steps), opts.hz, opts.clock);
    this.sub = hub.on((e) => this.onHub(e));
  }

  /** Everything posted, oldest first (bounded by POSTED_LOG_LIMIT). */
  get posted(): readonly HostMessage[] {
    return this.log;
  }

  get isReady(): boolean {
    return this.ready;
  }

  /**
   * A webview now shows the panel (new, or restored after a reload). The run is posted at once, and again
   * when the page says `ready`: a message posted while the page still loads may be lost.
   */
  attach(): void {
    this.ready = true;
    this.snapshot(this.hub.active);
  }

  /** The panel was closed: nothing is posted until a new one is attached. */
  detach(): void {
    this.ready = false;
    this.shown = undefined;
    this.batcher.clear();
  }

  private post(m: HostMessage): void {
    this.log.push(m);
    if (this.log.length > POSTED_LOG_LIMIT) this.log.splice(0, this.log.length - POSTED_LOG_LIMIT);
    this.send(m);
  }

  private deliverSteps(steps: StepSummary[]): void {
    const s = this.shown;
    if (!s) return;
    this.post(stepsMessage(s.info.id, steps));
    if (this.diagDirty) this.postDiagnostics(s);
  }

  private postDiagnostics(s: RunSource): void {
    this.diagDirty = false;
    this.post({ type: 'diagnostics', runId: s.info.id, diagnostics: s.diagnostics() });
  }

  private postStatus(s: RunSource): void {
    this.post({ type: 'status', runId: s.info.id, state: s.state, step: s.stepCount, totalSteps: s.totalSteps, message: s.stateMessage });
  }

  private postLatestDetail(s: RunSource): void {
    if (s.stepCount < 1) return;
    const r = s.record(s.stepCount);
    if (r) this.post({ type: 'stepDetail', runId: s.info.id, record: r.record, complete: r.complete });
  }

  /** The whole current run: `run`, its history, diagnoses and state. */
  private snapshot(s: RunSource | undefined): void {
    this.batcher.clear();
    this.diagDirty = false;
    this.shown = s;
    if (!s) return;
    this.post({ type: 'run', run: s.info });
    // The history as columns, in chunks of SNAPSHOT_CHUNK rows (the first with `replace`, all but the last with `more`).
    for (const m of snapshotMessages(s.info.id, s.summaries)) this.post(m);
    this.postDiagnostics(s);
    this.postStatus(s);
    if (RESTING.includes(s.state)) this.postLatestDetail(s);
  }

  private onHub(e: HubEvent): void {
    if (!this.ready) return;
    if (e.kind === 'active') return this.snapshot(e.source);
    if (e.kind !== 'source' || e.source !== this.shown) return;
    const s = e.source;
    const ev = e.event;
    switch (ev.kind) {
      case 'steps':
        this.batcher.push(ev.steps);
        return;
      case 'reset':
        this.batcher.clear();
        for (const m of snapshotMessages(s.info.id, s.summaries)) this.post(m);
        return;
      case 'diagnostics':
        // While steps are pending the diagnoses go out right after them, at the batch rate.
        if (this.batcher.pendingCount > 0) this.diagDirty = true;
        else this.postDiagnostics(s);
        return;
      case 'state':
        this.batcher.flush();
        if (this.diagDirty) this.postDiagnostics(s);
        this.postStatus(s);
        if (RESTING.includes(ev.state)) this.postLatestDetail(s);
        return;
    }
  }

  /** Highlights op `opIndex` of step `step` of the shown run (a node picked in the Tensor Shapes tree). */
  highlight(step: number, opIndex: number): void {
    if (!this.ready || !this.shown) return;
    this.post({ type: 'highlight', runId: this.shown.info.id, step, opIndex });
  }

  /** Tells the panel something failed in the host. */
  error(message: string): void {
    if (this.ready) this.post({ type: 'error', message });
  }

  async onMessage(raw: unknown): Promise<void> {
    const parsed = parseWebviewMessage(raw);
    if (!parsed.ok) {
      this.opts.log.warn(`ignored an invalid message from the panel: ${parsed.reason}`);
      return;
    }
    const m = parsed.msg;
    if (m.type === 'ready') {
      this.ready = true;
      this.snapshot(this.hub.active);
      return;
    }
    if (m.type === 'revealSource') {
      this.opts.revealSource?.(m.file, m.line);
      return;
    }
    const s = this.hub.find(m.runId);
    if (!s) {
      this.opts.log.warn(`panel message ${m.type} names run ${m.runId}, which this window no longer has`);
      return;
    }
    switch (m.type) {
      case 'requestStep': {
        const r = m.step >= 1 ? s.record(m.step) : undefined;
        if (r) this.post({ type: 'stepDetail', runId: s.info.id, record: r.record, complete: r.complete });
        else this.opts.log.warn(`panel asked for step ${m.step} of ${s.info.name}, which has ${s.stepCount} steps`);
        return;
      }
      case 'selectStep':
        this.hub.selectStep(s, m.step);
        return;
      case 'control':
        if (!s.controls.includes(m.action)) {
          this.error(`This run (${s.info.source}) cannot ${m.action}.`);
          return;
        }
        try {
          await s.control(m.action);
        } catch (e) {
          this.opts.log.error(`${m.action} failed: ${(e as Error).message}`);
          this.error(`${m.action} failed: ${(e as Error).message}`);
        }
        return;
      case 'runWhatIf': {
        if (!s.whatIf) {
          this.error('What-if runs need an experiment; this run is a trace.');
          return;
        }
        try {
          const w = await s.whatIf(m.code);
          if (w) this.post({ type: 'whatIf', runId: s.info.id, whatIf: w });
          else this.error(`No what-if fix is known for "${m.code}".`);
        } catch (e) {
          this.opts.log.error(`what-if ${m.code} failed: ${(e as Error).message}`);
          this.error(`What-if failed: ${(e as Error).message}`);
        }
        return;
      }
    }
  }

  dispose(): void {
    this.batcher.clear();
    this.sub.dispose();
  }
}
