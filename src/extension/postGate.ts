/**
 * Flow control towards the panel webview: at most one `steps` message is on its way at a time. VS Code
 * settles webview.postMessage() once the workbench has handed the message to the page; while it has not,
 * the workbench is still busy with the last batch, and further batches wait here, merged into one, instead
 * of piling up in its queue (where they delayed everything else the workbench does, palette commands and
 * tree updates included, by seconds during a fast run). Nothing is dropped but what a new snapshot replaces.
 * No vscode import: the unit tests drive it with their own `send`.
 */
import type { HostMessage, StepsMessage } from '../protocol';
import { stepsMessage, summariesOf } from '../stepColumns';

/** Messages a `run` message (the start of a full snapshot of the shown run) makes stale. */
const SUPERSEDED_BY_SNAPSHOT: readonly HostMessage['type'][] = ['steps', 'status', 'diagnostics', 'stepDetail'];

/** A batch not acknowledged by then no longer holds the next ones back (a webview that never answers). */
export const ACK_TIMEOUT_MS = 2000;

function isAppend(m: HostMessage): m is StepsMessage {
  return m.type === 'steps' && !m.replace && !m.more;
}

export class PostGate {
  private queue: HostMessage[] = [];
  /** The steps message on its way, by number (a late answer to an older one must not release a newer one). */
  private inFlight: number | undefined;
  private sent = 0;

  /** `send` posts one message and settles when the webview side has taken it (or failed to). */
  constructor(private readonly send: (m: HostMessage) => PromiseLike<unknown>) {}

  /** Messages waiting for the batch on its way, oldest first (appends of one run are merged when sent). */
  get waiting(): readonly HostMessage[] {
    return this.queue;
  }

  get busy(): boolean {
    return this.inFlight !== undefined;
  }

  post(m: HostMessage): void {
    if (m.type === 'run') this.queue = this.queue.filter((q) => !SUPERSEDED_BY_SNAPSHOT.includes(q.type));
    if (this.queue.length === 0 && !(m.type === 'steps' && this.busy)) {
      this.dispatch(m);
      return;
    }
    this.queue.push(m);
  }

  /** The webview went away (closed or reloading): nothing is owed to it any more. */
  reset(): void {
    this.queue = [];
    this.inFlight = undefined;
  }

  private dispatch(m: HostMessage): void {
    if (m.type !== 'steps') {
      void Promise.resolve(this.send(m)).then(undefined, () => undefined);
      return;
    }
    const id = ++this.sent;
    this.inFlight = id;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const settled = () => {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      if (this.inFlight !== id) return;
      this.inFlight = undefined;
      this.drain();
    };
    timer = setTimeout(settled, ACK_TIMEOUT_MS);
    Promise.resolve(this.send(m)).then(settled, settled);
  }

  private drain(): void {
    while (this.queue.length > 0 && !this.busy) {
      const m = this.queue.shift()!;
      if (!isAppend(m)) {
        this.dispatch(m);
        continue;
      }
      // The appends of one run that waited in a row go as one batch, merged once here.
      const parts = [m];
      while (this.queue.length > 0 && isAppend(this.queue[0]) && this.queue[0].runId === m.runId) parts.push(this.queue.shift() as StepsMessage);
      this.dispatch(parts.length === 1 ? m : stepsMessage(m.runId, parts.flatMap((p) => summariesOf(p))));
    }
  }
}
