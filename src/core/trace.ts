/**
 * The op trace: every op appends one record of the shapes it touched to the active step's trace.
 * It is always on, so a record is a handful of small arrays and nothing else (no tensor data).
 */

/** How an op's inputs were broadcast to a common shape. */
export interface BroadcastInfo {
  /** The shape every input was expanded to. */
  shape: number[];
  /**
   * For each input (same order as `OpRecord.inputs`), the dims of `shape` along which that input was
   * expanded: either it had size 1 there while `shape` had more, or it lacked the dim altogether
   * (right-aligned). Empty when the input already had the full shape.
   */
  expanded: number[][];
}

/** Where a traced op came from in user code (set by the PyTorch tracer, absent for the TS core). */
export interface SourceLocation {
  file: string;
  line: number;
}

export interface OpRecord {
  /** PyTorch-style op name: `linear`, `squeeze`, `sub`, `mse_loss`, `sum`, ... */
  op: string;
  /** What the op belongs to, e.g. the layer name `layer1`, or `loss`. */
  label?: string;
  /** Shapes of the tensor inputs, in argument order. */
  inputs: (readonly number[])[];
  /** Names of the inputs (`input`, `target`, `weight`, ...), same order as `inputs`. */
  inputNames?: readonly string[];
  /** Shape of the result. */
  output: readonly number[];
  dtype?: string;
  /** Present when the op broadcast its inputs (some input dim expanded). */
  broadcast?: BroadcastInfo;
  /** True when the op is a loss function. */
  loss?: boolean;
  /** True when the op ran but its result was thrown away (`x.squeeze()` on a line of its own). */
  discarded?: boolean;
  /** Extra scalar arguments worth showing (`dim`, `reduction`, ...). */
  args?: Record<string, string | number | boolean | number[] | null>;
  source?: SourceLocation;
}

/** Collects op records for the step that is running. One per process is enough: training is single-threaded. */
export class Tracer {
  private records: OpRecord[] | null = null;

  /** Starts a fresh trace; ops run from now on are recorded into it. */
  begin(): void {
    this.records = [];
  }

  /** Ends the trace and hands over its records. */
  end(): OpRecord[] {
    const r = this.records ?? [];
    this.records = null;
    return r;
  }

  get active(): boolean {
    return this.records !== null;
  }

  record(rec: OpRecord): OpRecord | undefined {
    if (this.records === null) return undefined;
    this.records.push(rec);
    return rec;
  }

  /** Marks the last record as discarded (the caller threw the result away). */
  markLastDiscarded(): void {
    if (this.records && this.records.length > 0) this.records[this.records.length - 1].discarded = true;
  }
}

export const tracer = new Tracer();

/** Which dims of `out` each input was expanded along, or undefined when no input was expanded. */
export function broadcastInfo(inputs: readonly (readonly number[])[], out: readonly number[]): BroadcastInfo | undefined {
  let any = false;
  const expanded = inputs.map((s) => {
    const dims: number[] = [];
    const lead = out.length - s.length;
    for (let d = 0; d < out.length; d++) {
      const size = d < lead ? 1 : s[d - lead];
      if (size === 1 && out[d] !== 1) dims.push(d);
    }
    if (dims.length) any = true;
    return dims;
  });
  return any ? { shape: out.slice(), expanded } : undefined;
}
