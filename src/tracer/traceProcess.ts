/**
 * One traced Python process: the user's script runs under python/gd_trace.py in a process group of its own,
 * its stdout/stderr come back as text, and the trace arrives on fd 3 as JSON lines, never mixed with prints.
 * stop() ends the whole process tree (the script's own children included).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { parseTraceLine, type TraceMessage } from './messages';
import { tracerDir } from './python';

export interface TraceProcessOptions {
  python: string;
  script: string;
  args?: string[];
  cwd?: string;
  /** Record every N-th step (1: all). */
  every?: number;
  env?: NodeJS.ProcessEnv;
}

export interface TraceExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the process could not be started at all (e.g. ENOENT). */
  spawnError?: NodeJS.ErrnoException;
  /** True when stop() ended it. */
  stopped: boolean;
}

export interface TraceProcessHandlers {
  message(msg: TraceMessage): void;
  output(stream: 'stdout' | 'stderr', text: string): void;
  /** A line on the channel that failed validation: logged, never acted on. */
  invalid(reason: string): void;
  exit(e: TraceExit): void;
}

/** A single channel line longer than this is dropped: no record the tracer writes comes near it. */
const MAX_LINE = 32 * 1024 * 1024;

export class TraceProcess {
  private child: ChildProcess | undefined;
  private stopping = false;
  private exited = false;
  private paused = false;
  private killTimer: NodeJS.Timeout | undefined;
  readonly done: Promise<TraceExit>;
  private resolveDone!: (e: TraceExit) => void;

  constructor(
    readonly options: TraceProcessOptions,
    private readonly on: TraceProcessHandlers,
  ) {
    this.done = new Promise((r) => (this.resolveDone = r));
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }
  get running(): boolean {
    return this.child !== undefined && !this.exited;
  }

  start(): void {
    const o = this.options;
    const env: NodeJS.ProcessEnv = { ...(o.env ?? process.env), GD_TRACE_FD: '3', GD_TRACE_EVERY: String(Math.max(1, Math.floor(o.every ?? 1))), PYTHONUNBUFFERED: '1' };
    delete env.GD_TRACE_FILE;
    let child: ChildProcess;
    try {
      child = spawn(o.python, [join(tracerDir(), 'gd_trace.py'), o.script, ...(o.args ?? [])], {
        cwd: o.cwd,
        env,
        stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
        // Its own process group, so stop() can end the script's children too.
        detached: process.platform !== 'win32',
        windowsHide: true,
      });
    } catch (e) {
      this.finish({ code: null, signal: null, spawnError: e as NodeJS.ErrnoException, stopped: false });
      return;
    }
    this.child = child;
    child.on('error', (e: NodeJS.ErrnoException) => {
      if (child.pid === undefined) this.finish({ code: null, signal: null, spawnError: e, stopped: false });
    });
    child.stdout!.setEncoding('utf8');
    child.stderr!.setEncoding('utf8');
    child.stdout!.on('data', (s: string) => this.on.output('stdout', s));
    child.stderr!.on('data', (s: string) => this.on.output('stderr', s));
    const channel = child.stdio[3] as Readable;
    channel.setEncoding('utf8');
    let buf = '';
    let dropping = false;
    channel.on('data', (s: string) => {
      buf += s;
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (dropping) {
          dropping = false;
          continue;
        }
        if (line.trim()) this.line(line);
      }
      if (buf.length > MAX_LINE) {
        this.on.invalid(`a trace line longer than ${MAX_LINE} bytes was dropped`);
        buf = '';
        dropping = true;
      }
    });
    let channelClosed = false;
    let exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    const maybeFinish = () => {
      if (channelClosed && exitInfo) this.finish({ ...exitInfo, stopped: this.stopping });
    };
    channel.on('close', () => {
      if (buf.trim() && !dropping) this.line(buf);
      buf = '';
      channelClosed = true;
      maybeFinish();
    });
    // The script is gone: whatever it left in its group (a DataLoader worker, a subprocess holding our pipes)
    // goes too, so 'close' can come and nothing keeps running.
    child.on('exit', () => this.signalGroup('SIGKILL'));
    child.on('close', (code, signal) => {
      exitInfo = { code, signal };
      // fd 3 may already be closed; either way everything the tracer wrote has been read.
      channelClosed = true;
      maybeFinish();
    });
  }

  private line(line: string): void {
    const r = parseTraceLine(line);
    if (r.ok) this.on.message(r.msg);
    else this.on.invalid(r.reason);
  }

  private finish(e: TraceExit): void {
    if (this.exited) return;
    this.exited = true;
    if (this.killTimer) clearTimeout(this.killTimer);
    this.signalGroup('SIGKILL');
    this.on.exit(e);
    this.resolveDone(e);
  }

  /** SIGSTOP/SIGCONT the whole group (POSIX only). */
  pause(): boolean {
    if (!this.running || process.platform === 'win32' || this.paused) return false;
    this.paused = this.signalGroup('SIGSTOP');
    return this.paused;
  }
  resume(): boolean {
    if (!this.running || !this.paused) return false;
    this.paused = false;
    return this.signalGroup('SIGCONT');
  }
  get isPaused(): boolean {
    return this.paused;
  }

  /** Ends the process tree: SIGTERM, then SIGKILL after `graceMs`. Resolves when it has exited. */
  stop(graceMs = 2000): Promise<TraceExit> {
    if (this.child && !this.exited && !this.stopping) {
      this.stopping = true;
      if (process.platform === 'win32') {
        spawnSync('taskkill', ['/pid', String(this.child.pid), '/T', '/F'], { windowsHide: true });
      } else {
        this.signalGroup('SIGTERM');
        if (this.paused) this.signalGroup('SIGCONT');
        this.paused = false;
        this.killTimer = setTimeout(() => this.signalGroup('SIGKILL'), graceMs);
      }
    }
    return this.done;
  }

  private signalGroup(sig: NodeJS.Signals): boolean {
    const pid = this.child?.pid;
    if (pid === undefined || process.platform === 'win32') return false;
    try {
      process.kill(-pid, sig);
      return true;
    } catch {
      return false; // the group is gone already
    }
  }
}
