// State shared by the browser-level test files: the runner fills it before loading them.
import { openWorkbench } from './server.mjs';

export const harness = {
  /** @type {{url: string, profile: object} | null} */ server: null,
  browser: null,
  /** Temp copy of examples/ (plus test/e2e/workspace) that the UI tests open. */
  workspace: '',
  profile: null,
};

/** A fresh workbench page on the UI workspace (its own extension host); close it in after(). */
export async function newWorkbench() {
  if (!harness.server || !harness.browser) throw new Error('UI tests must be started by test/e2e/run.mjs');
  return openWorkbench(harness.browser, harness.server, harness.workspace);
}
