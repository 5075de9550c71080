// Warming the summary cache ahead of use: the language server summarises the workspace's files in the background,
// in small batches, so the first analysis of a file finds the summaries of the files its calls lead to.
import { languageFromPath } from '../parser';
import type { AnalysisContext } from '../analysis';
import { defaultSettings, type AnalysisSettings } from '../types';
import { PythonProject } from './followPython';
import { TsConfigs, TsProject } from './followTs';
import { whileWarming } from './project';

/**
 * Summarises `files` (project-relative paths) in order with the summariser and settings the rules use, so the cache keys
 * match, until `sliceMs` has passed (at least one file): an analysis waiting behind it waits that long at most.
 * Returns how many files it went through (files of other languages, unreadable or unparsable files are skipped).
 */
export function warmSummaries(files: readonly string[], readFile: (path: string) => string | undefined, settings: AnalysisSettings = defaultSettings, sliceMs = Infinity): number {
  const context: AnalysisContext = {
    language: 'python', tree: undefined!, root: undefined!, text: '', lines: undefined!, settings, readFile,
    python: () => { throw new Error('no analysed file'); },
    ts: () => { throw new Error('no analysed file'); },
  };
  const none = { functions: {} };
  // One view per batch: each reads at most its per-analysis bound of files, which a batch stays under.
  const python = new PythonProject(context, none);
  const ts = new TsProject(context, none, new TsConfigs(readFile), new Set());
  const deadline = performance.now() + sliceMs;
  let done = 0;
  // Kept in memory for the analyses to come, not in the persistent cache unless an analysis uses them.
  whileWarming(() => {
    for (const file of files) {
      const language = languageFromPath(file);
      if (language) (language === 'python' ? python : ts).summary(file);
      done++;
      if (performance.now() >= deadline) break;
    }
  });
  return done;
}
