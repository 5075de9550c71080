// Runs the integration suite in a downloaded VS Code (Electron) with @vscode/test-electron.
// Needs network access to VS Code's download site, so it is not usable on machines that only
// reach the npm registry; there use test/e2e (code-server). Compiled to out/test/integration/runElectron.js.
import * as path from 'path';
import { runTests } from '@vscode/test-electron';

async function main(): Promise<void> {
  const root = path.resolve(__dirname, '../../..');
  try {
    await runTests({
      extensionDevelopmentPath: root,
      extensionTestsPath: path.resolve(__dirname, 'suite/index'),
      launchArgs: [path.join(root, 'test/integration/workspace'), '--disable-extensions', '--disable-workspace-trust'],
    });
  } catch (err) {
    console.error('Integration tests failed:', err);
    process.exit(1);
  }
}

void main();
