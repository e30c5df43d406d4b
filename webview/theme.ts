/**
 * Chart colours come from the --vscode-* variables VS Code sets on the page, read again whenever the theme
 * changes (VS Code swaps the body class vscode-light / vscode-dark / vscode-high-contrast and the variables).
 */
export interface ChartColors {
  foreground: string;
  muted: string;
  grid: string;
  series: string[];
  loss: string;
  plateau: string;
  whatIf: string;
  error: string;
}

function cssVar(style: CSSStyleDeclaration, names: string[], fallback: string): string {
  for (const n of names) {
    const v = style.getPropertyValue(n).trim();
    if (v) return v;
  }
  return fallback;
}

export function readChartColors(): ChartColors {
  const s = getComputedStyle(document.documentElement);
  // Last-resort fallbacks only matter outside VS Code (a test page without variables); they are the Dark+ values.
  const fg = cssVar(s, ['--vscode-charts-foreground', '--vscode-foreground'], '#cccccc');
  return {
    foreground: fg,
    muted: cssVar(s, ['--vscode-descriptionForeground'], fg),
    grid: cssVar(s, ['--vscode-charts-lines', '--vscode-widget-border', '--vscode-panel-border'], 'rgba(128,128,128,0.35)'),
    series: [
      cssVar(s, ['--vscode-charts-blue'], '#3794ff'),
      cssVar(s, ['--vscode-charts-orange'], '#d18616'),
      cssVar(s, ['--vscode-charts-purple'], '#b180d7'),
      cssVar(s, ['--vscode-charts-green'], '#89d185'),
      cssVar(s, ['--vscode-charts-yellow'], '#cca700'),
      cssVar(s, ['--vscode-charts-red'], '#f14c4c'),
    ],
    loss: cssVar(s, ['--vscode-charts-blue'], '#3794ff'),
    plateau: cssVar(s, ['--vscode-charts-yellow'], '#cca700'),
    whatIf: cssVar(s, ['--vscode-charts-green'], '#89d185'),
    error: cssVar(s, ['--vscode-errorForeground'], '#f48771'),
  };
}

/** Calls `onChange` when VS Code switches theme. */
export function onThemeChange(onChange: () => void): void {
  const obs = new MutationObserver(() => onChange());
  obs.observe(document.body, { attributes: true, attributeFilter: ['class'] });
  obs.observe(document.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });
}
