/** extensionTestsPath for the normal launch: a trusted workspace (code-server runs with --disable-workspace-trust). */
import * as path from 'node:path';
import { runSuitesIn } from './mochaRun';

export function run(): Promise<void> {
  return runSuitesIn(path.join(__dirname, 'trusted'));
}
