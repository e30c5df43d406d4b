/**
 * What activate() returns. The tests that drive a real VS Code (test/vscode) use exactly this, so the shape
 * is fixed by the team brief.
 *
 * shapesTree() node format (from shapesModel.ts): label `"<index>: <layer> · <op>"` (e.g. `"3: loss · mse_loss"`,
 * or `"0: linear"` when the op has no separate label), description `"<input shapes> → <output shape>"` with
 * shapes written `[8, 1]`, plus ` (broadcast to [8, 8])` / ` (result discarded)`; children `in <name>` and
 * `out` with the shape (and dtype, broadcast dims, parameter stats) in the description. A last node
 * `parameters` lists the step's parameters.
 */
import type { HostMessage, RunState } from '../protocol';
import type { Diagnosis } from '../experiment/records';
import type { RunHub } from './runHub';
import type { PanelChannel } from './panelChannel';
import type { ShapeNode } from './shapesModel';

export interface GradientDebuggerApi {
  activeRun(): { id: string; name: string; state: RunState; step: number; totalSteps: number; diagnostics: Diagnosis[] } | undefined;
  /** Everything posted to the panel webview, oldest first. */
  postedMessages(): HostMessage[];
  shapesTree(): { label: string; description?: string; warning: boolean; children: { label: string; description?: string }[] }[];
  /** Resolves when the active run is not 'running'. */
  whenIdle(): Promise<void>;
}

export function createApi(hub: RunHub, channel: PanelChannel, shapes: () => ShapeNode[]): GradientDebuggerApi {
  return {
    activeRun() {
      const s = hub.active;
      if (!s) return undefined;
      return { id: s.info.id, name: s.info.name, state: s.state, step: s.stepCount, totalSteps: s.totalSteps, diagnostics: s.diagnostics() };
    },
    postedMessages() {
      return channel.posted.slice();
    },
    shapesTree() {
      return shapes().map((n) => ({
        label: n.label,
        description: n.description,
        warning: n.warning,
        children: n.children.map((c) => ({ label: c.label, description: c.description })),
      }));
    },
    whenIdle() {
      return new Promise<void>((resolve) => {
        const idle = () => hub.active?.state !== 'running';
        if (idle()) return resolve();
        const sub = hub.on(() => {
          if (!idle()) return;
          sub.dispose();
          resolve();
        });
      });
    },
  };
}
