/** Number formatting for the panel: short, but never hiding the magnitude (342,302 vs 3.4e5 vs 1.2e-8). */

export function fmt(v: number | null | undefined, digits = 5): string {
  if (v === null || v === undefined) return '—';
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '−∞';
  if (v === 0) return '0';
  const a = Math.abs(v);
  let s: string;
  if (a >= 1e7 || a < 1e-4) s = v.toExponential(Math.max(0, digits - 2)).replace(/\.?0+e/, 'e').replace('e+', 'e');
  else if (a >= 1000) {
    // Grouped by hand: toLocaleString builds an Intl formatter per call, too slow for chart ticks at 30 Hz.
    let t = a.toFixed(Math.max(0, digits - Math.floor(Math.log10(a)) - 1));
    if (t.includes('.')) t = t.replace(/\.?0+$/, '');
    const [int, dec] = t.split('.');
    s = `${v < 0 ? '-' : ''}${int.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}${dec ? `.${dec}` : ''}`;
  }
  else s = Number(v.toPrecision(digits)).toString();
  return s.replace(/^-/, '−');
}

/** `[100,1]`: the way PyTorch users read shapes. A scalar is `[]`. */
export function shapeText(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}
