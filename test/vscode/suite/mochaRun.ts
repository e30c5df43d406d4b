/**
 * Runs the mocha suites (*.suite.js) of one folder inside the extension host. VS Code calls the `run()` an
 * extensionTestsPath module exports and passes its result to codeAutomationExit: rejecting = exit code 1.
 */
import * as path from 'node:path';
import { readdirSync } from 'node:fs';
import { format } from 'node:util';
import Mocha = require('mocha');

// The extension host forwards console.log's first argument as text and appends the rest, so mocha's
// printf-style lines ("✔ %s title") would arrive unformatted: format them before they leave.
Mocha.reporters.Base.consoleLog = (...args: unknown[]) => console.log(format(...args));

export function runSuitesIn(dir: string): Promise<void> {
  // No colours: the output is relayed line by line through the browser to the runner's stdout.
  const mocha = new Mocha({ ui: 'bdd', reporter: 'spec', color: false, timeout: 60_000, slow: 5_000 });
  const grep = process.env.GD_VSCODE_GREP;
  if (grep) mocha.grep(grep);
  const files = readdirSync(dir).filter((f) => f.endsWith('.suite.js')).sort();
  if (files.length === 0) return Promise.reject(new Error(`no *.suite.js files in ${dir}`));
  for (const f of files) mocha.addFile(path.join(dir, f));
  return new Promise((resolve, reject) => {
    try {
      mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} test(s) failed`)) : resolve()));
    } catch (e) {
      reject(e);
    }
  });
}
