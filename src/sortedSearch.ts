/**
 * Finding a step in a history kept in step order (the step store's thinned set, a traced run's summaries, the
 * panel's columns). Pure, so the host and the webview bundle share it.
 */

/** The index i < `length` with key(i) === x, where key increases with i; -1 when there is none. */
export function indexOfSorted(length: number, x: number, key: (i: number) => number): number {
  let lo = 0;
  let hi = length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const k = key(mid);
    if (k === x) return mid;
    if (k < x) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}
