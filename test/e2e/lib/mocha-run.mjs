// Runs mocha test files (ESM) in this process and returns one record per test.
import Mocha from 'mocha';

export async function runMochaFiles(files, { timeout = 60_000, grep } = {}) {
  const mocha = new Mocha({ ui: 'bdd', timeout, reporter: 'spec', color: false, grep });
  files.forEach((f) => mocha.addFile(f));
  await mocha.loadFilesAsync();
  const records = [];
  await new Promise((resolve) => {
    const runner = mocha.run(() => resolve());
    runner.on('pass', (t) => records.push({ title: t.fullTitle(), state: 'passed', durationMs: t.duration }));
    runner.on('fail', (t, err) => records.push({ title: t.fullTitle(), state: 'failed', error: String(err?.stack ?? err) }));
    runner.on('pending', (t) => records.push({ title: t.fullTitle(), state: 'pending', reason: t.skipReason }));
  });
  mocha.dispose();
  return records;
}
