/**
 * The panel's page. A pure function (no vscode import) so the extension's webview panel and the Chromium test
 * harness load exactly the same page. Strict CSP: scripts only with the nonce, styles/fonts/images only from
 * the bundle's origin (vscode-elements uses constructable stylesheets, which need no 'unsafe-inline').
 */

export interface PanelHtmlOptions {
  /** `webview.cspSource` in VS Code; the server origin in tests. */
  cspSource: string;
  /** Fresh per page load; only the bundle's script tag carries it. */
  nonce: string;
  scriptUri: string;
  /** Style sheets in order; the one ending in codicon.css gets the id vscode-elements looks for. */
  styleUris: string[];
}

const ATTR_ESCAPES: Record<string, string> = { '&': '&amp;', '"': '&quot;', '<': '&lt;', '>': '&gt;', "'": '&#39;' };
const attr = (s: string) => s.replace(/[&"<>']/g, (c) => ATTR_ESCAPES[c]);

export function panelCsp(cspSource: string, nonce: string): string {
  return [
    `default-src 'none'`,
    `img-src ${cspSource} data:`,
    `style-src ${cspSource}`,
    `font-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
}

export function panelHtml(o: PanelHtmlOptions): string {
  if (!/^[A-Za-z0-9+/=_-]{16,}$/.test(o.nonce)) throw new Error('panelHtml: the nonce must be at least 16 base64/url-safe characters');
  // VS Code's webview.cspSource is e.g. `'self' https://*.vscode-cdn.net`: quotes are legal, `;` and `"` are not.
  if (/[;"<>\r\n]/.test(o.cspSource)) throw new Error(`panelHtml: cspSource ${JSON.stringify(o.cspSource)} is not a CSP source list`);
  const links = o.styleUris
    .map((u) => `<link rel="stylesheet" href="${attr(u)}"${/codicon\.css(\?|#|$)/.test(u) ? ' id="vscode-codicon-stylesheet"' : ''}>`)
    .join('\n    ');
  return `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8">
    <meta http-equiv="Content-Security-Policy" content="${attr(panelCsp(o.cspSource, o.nonce))}">
    <meta name="viewport" content="width=device-width, initial-scale=1.0">
    ${links}
    <title>Gradient Debugger</title>
  </head>
  <body>
    <header class="run-header">
      <div class="run-title">
        <h1 id="run-name">Gradient Debugger</h1>
        <span id="run-meta" class="muted"></span>
      </div>
      <div id="controls" class="controls"></div>
    </header>
    <section id="banner" class="banner" aria-label="Diagnoses" hidden></section>
    <section id="charts" class="charts" aria-label="Charts">
      <div class="chart-card">
        <div class="chart-head">
          <h2>Loss</h2>
          <vscode-checkbox id="log-loss" checked>log scale</vscode-checkbox>
        </div>
        <div class="chart-box"><canvas id="chart-loss" role="img" aria-label="Loss over steps"></canvas></div>
        <div id="legend-loss" class="chart-legend"></div>
      </div>
      <div class="chart-card">
        <div class="chart-head"><h2>Weights</h2></div>
        <div class="chart-box"><canvas id="chart-weights" role="img" aria-label="Weights over steps, with their true values dashed"></canvas></div>
        <div id="legend-weights" class="chart-legend"></div>
      </div>
      <div class="chart-card">
        <div class="chart-head">
          <h2>Gradient norms</h2>
          <vscode-checkbox id="log-grads" checked>log scale</vscode-checkbox>
        </div>
        <div class="chart-box"><canvas id="chart-grads" role="img" aria-label="Gradient norms over steps"></canvas></div>
        <div id="legend-grads" class="chart-legend"></div>
      </div>
    </section>
    <section class="stepper" aria-label="Stepper">
      <div id="step-nav" class="step-nav"></div>
      <div class="step-columns">
        <div>
          <h3>Parameters</h3>
          <div id="step-detail" class="step-detail"></div>
        </div>
        <div>
          <h3>Shapes</h3>
          <div id="shapes" class="shapes"></div>
        </div>
      </div>
    </section>
    <script nonce="${attr(o.nonce)}" src="${attr(o.scriptUri)}"></script>
  </body>
</html>
`;
}
