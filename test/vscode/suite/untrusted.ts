/** extensionTestsPath for the second launch: workspace trust on and the fixture folder never trusted. */
import * as path from 'node:path';
import { runSuitesIn } from './mochaRun';

export function run(): Promise<void> {
  return runSuitesIn(path.join(__dirname, 'untrusted'));
}
