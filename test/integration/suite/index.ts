// Entry point of the integration suite, in the shape @vscode/test-electron expects:
// `run(): Promise<void>` resolves when every test passed. It runs inside a VS Code
// extension host (Electron via test-electron, or code-server via test/e2e's runner).
// When CL_RESULTS names a file, it also writes JSON results there for the e2e harness.
import * as fs from 'fs';
import * as path from 'path';
import Mocha from 'mocha';

export interface TestRecord {
  title: string;
  state: 'passed' | 'failed' | 'pending';
  durationMs?: number;
  error?: string;
  reason?: string;
}

export interface SuiteResults {
  passes: number;
  failures: number;
  pending: number;
  tests: TestRecord[];
  fatal?: string;
}

export function run(): Promise<void> {
  const mocha = new Mocha({
    ui: 'tdd',
    color: false,
    timeout: Number(process.env.CL_TEST_TIMEOUT_MS ?? 30_000),
    grep: process.env.CL_TEST_GREP || undefined,
  });
  const dir = __dirname;
  for (const file of fs.readdirSync(dir).sort()) {
    if (file.endsWith('.test.js')) mocha.addFile(path.join(dir, file));
  }
  const resultsFile = process.env.CL_RESULTS;
  const records: TestRecord[] = [];

  return new Promise((resolve, reject) => {
    let runner: Mocha.Runner;
    try {
      runner = mocha.run((failures) => {
        if (resultsFile) writeResults(resultsFile, records);
        if (failures > 0) reject(new Error(`${failures} integration test(s) failed.`));
        else resolve();
      });
    } catch (err) {
      if (resultsFile) writeResults(resultsFile, records, String((err as Error)?.stack ?? err));
      reject(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    runner.on('pass', (t) => records.push({ title: t.fullTitle(), state: 'passed', durationMs: t.duration }));
    runner.on('fail', (t, err: Error) =>
      records.push({ title: t.fullTitle(), state: 'failed', error: String(err?.stack ?? err) }));
    runner.on('pending', (t) => records.push({ title: t.fullTitle(), state: 'pending', reason: skipReasons.get(t.fullTitle()) }));
    runner.on('test end', (t) => console.log(`[integration] ${t.state ?? 'pending'}: ${t.fullTitle()}`));
  });
}

/** Why a test skipped itself at run time; shown by the harness next to the test. */
export const skipReasons = new Map<string, string>();

function writeResults(file: string, tests: TestRecord[], fatal?: string): void {
  const results: SuiteResults = {
    passes: tests.filter((t) => t.state === 'passed').length,
    failures: tests.filter((t) => t.state === 'failed').length + (fatal ? 1 : 0),
    pending: tests.filter((t) => t.state === 'pending').length,
    tests,
    fatal,
  };
  fs.mkdirSync(path.dirname(file), { recursive: true });
  // Write then rename, so the harness never reads half a file.
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(results, null, 2));
  fs.renameSync(`${file}.tmp`, file);
}
