// `npm run fuzz -- --seed N --count K [--budget-ms MS] [--workers W] [--no-save]`
import * as path from 'node:path';
import { fuzz, loadCorpus } from './fuzz';

function option(args: string[], name: string, fallback: number): number {
  const index = args.indexOf(name);
  if (index < 0) return fallback;
  const value = Number(args[index + 1]);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} needs a number`);
  return value;
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const seed = option(args, '--seed', Date.now() % 1_000_000);
  const count = option(args, '--count', 1000);
  const budgetMs = option(args, '--budget-ms', 2000);
  const workers = option(args, '--workers', 2);
  const saveTo = args.includes('--no-save') ? undefined : path.resolve(__dirname, '../../../test/fixtures/fuzz');
  const corpus = loadCorpus(['test/fixtures', 'examples']);
  console.log(`fuzz: seed ${seed}, ${count} mutants of ${corpus.length} files, budget ${budgetMs} ms per job, ${workers} workers`);
  let shown = 0;
  const report = await fuzz({
    seed, count, budgetMs, corpus, workers, saveTo,
    progress: (done, failures) => {
      if (done - shown >= Math.max(1000, count / 10) || done === count) {
        shown = done;
        console.log(`  ${done}/${count} tried, ${failures} failing`);
      }
    },
  });
  for (const f of report.failures) {
    console.log(`FAIL ${f.problem}\n  from ${f.source} by ${f.operations.join(' + ')}${f.savedAs ? `\n  minimised to ${f.minimised?.split('\n').length} lines: ${path.relative(process.cwd(), f.savedAs)}` : ''}`);
  }
  console.log(`fuzz: ${report.tried} files in ${(report.elapsedMs / 1000).toFixed(1)} s (${(report.elapsedMs / Math.max(1, report.tried)).toFixed(1)} ms each), `
    + `slowest ${report.slowestMs.toFixed(0)} ms (${report.slowestOperations.join(' + ')}), ${report.failures.length} failures`);
  return report.failures.length ? 1 : 0;
}

main().then((code) => { process.exitCode = code; }, (error: unknown) => {
  console.error(error);
  process.exitCode = 2;
});
