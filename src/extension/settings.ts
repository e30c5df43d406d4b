/** The extension's settings, read fresh each time so a change applies to the next run without a reload. */
import * as vscode from 'vscode';

export type OptimizerType = 'sgd' | 'rmsprop' | 'adam' | 'adamw';

export interface Settings {
  maxRecordedSteps: number;
  streamHz: number;
  defaultOptimizer: OptimizerType;
  pythonPath: string;
}

const OPTIMIZERS: readonly OptimizerType[] = ['sgd', 'rmsprop', 'adam', 'adamw'];

export function readSettings(): Settings {
  const c = vscode.workspace.getConfiguration('gradientDebugger');
  const int = (key: string, def: number, min: number, max: number) => {
    const v = c.get<number>(key, def);
    return typeof v === 'number' && Number.isFinite(v) ? Math.min(max, Math.max(min, Math.round(v))) : def;
  };
  const opt = c.get<string>('defaultOptimizer', 'rmsprop');
  return {
    maxRecordedSteps: int('maxRecordedSteps', 2000, 10, 1_000_000),
    streamHz: int('streamHz', 30, 1, 240),
    defaultOptimizer: OPTIMIZERS.includes(opt as OptimizerType) ? (opt as OptimizerType) : 'rmsprop',
    pythonPath: c.get<string>('pythonPath', '') ?? '',
  };
}
