/**
 * The rows of the "Runs" view as plain data (runsTree.ts turns them into TreeItems): no vscode import, so
 * the unit tests check exactly what the view shows.
 */
import type { RunEntryInfo } from './runHub';
import type { RunSource } from './runSource';

export interface RunRow {
  label: string;
  description: string;
  tooltip: string;
  /** Why an errored run failed: also shown as the run's first child row, where it is not cut short. */
  reason?: string;
}

/** Longest error reason kept in a row's description; the child row and the tooltip have all of it. */
export const REASON_IN_DESCRIPTION = 80;

/** `14:03:07`, local time. */
export function clockTime(ms: number): string {
  const d = new Date(ms);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

function shorten(text: string, max: number): string {
  const line = text.split('\n', 1)[0].trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/**
 * One run's row. `entry` is from RunHub.entry; `sameName` is how many runs the view lists under this run's
 * name (two or more get `#n` after the name, so they can be told apart at a glance).
 */
export function runRow(r: RunSource, entry: RunEntryInfo | undefined, sameName: number, shown: boolean): RunRow {
  const nth = entry && (sameName > 1 || entry.nth > 1) ? ` #${entry.nth}` : '';
  const total = r.totalSteps > 0 ? `/${r.totalSteps}` : '';
  const reason = r.state === 'error' ? r.stateMessage?.trim() || 'failed (no reason given)' : undefined;
  const parts = [reason ? `error: ${shorten(reason, REASON_IN_DESCRIPTION)}` : r.state, `step ${r.stepCount}${total}`];
  if (entry) parts.push(`started ${clockTime(entry.startedAt)}`);
  if (shown) parts.push('shown');
  const tooltipLines = [`${r.info.name}${nth} (${r.info.source})`, `${r.state}${r.stateMessage ? `: ${r.stateMessage}` : ''}`, `step ${r.stepCount}${total}`];
  if (entry) tooltipLines.push(`started ${new Date(entry.startedAt).toLocaleString()}`);
  return { label: `${r.info.name}${nth}`, description: parts.join(' · '), tooltip: tooltipLines.join('\n'), reason };
}
