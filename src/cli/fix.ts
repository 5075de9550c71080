// `--fix` and `--diff`: each finding's preferred fix applied, pass after pass, until nothing more applies.
// Only safe fixes unless `--unsafe-fixes` (as Ruff's `--fix` / `--unsafe-fixes`).
import { createTwoFilesPatch } from 'diff';
import { applyEdits, syntaxProblems, type AnalysisResult, type Language } from '../core';
import { compatibleFixes, type ChosenFix } from '../core/fixCheck';

export { compatibleFixes, type ChosenFix };

export const MAX_FIX_PASSES = 5;

/**
 * The fixes among `chosen` whose result parses at least as well as `text` (no more ERROR or MISSING nodes), alone
 * and together; each one left out is told to `onSkip`. A fix that breaks the syntax is a bug of ours and never written.
 */
export async function fixesThatParse(
  text: string, chosen: readonly ChosenFix[], language: Language, onSkip: (message: string) => void,
): Promise<ChosenFix[]> {
  const before = await syntaxProblems(language, text);
  if (before === undefined) return [];
  const parsesAsWell = async (fixes: readonly ChosenFix[]): Promise<boolean> => {
    const after = await syntaxProblems(language, applyEdits(text, fixes.flatMap((f) => f.edits)));
    return after !== undefined && after <= before;
  };
  if (await parsesAsWell(chosen)) return [...chosen];
  const good: ChosenFix[] = [];
  // One parse per fix: bounded by the number of fixes in the pass.
  for (const fix of chosen) {
    if (await parsesAsWell([fix])) good.push(fix);
    else onSkip(`line ${fix.line + 1}: fix skipped ("${fix.title}"): the fixed text would not parse`);
  }
  if (good.length > 1 && !(await parsesAsWell(good))) {
    onSkip(`fixes skipped together (${good.length}): the text with all of them would not parse; each alone is left for the editor`);
    return [];
  }
  return good;
}

export interface FixOutcome {
  text: string;
  /** Fixes applied over all passes. */
  applied: number;
  passes: number;
  /** The analysis of the final text. */
  result: AnalysisResult;
}

/**
 * Analyses, applies what fits (and parses no worse), re-analyses: at most MAX_FIX_PASSES passes, fewer once a
 * pass applies nothing. `onSkip` is told of each fix left out because its result would not parse.
 */
export async function fixText(
  text: string,
  analyse: (text: string) => Promise<AnalysisResult | undefined>,
  first: AnalysisResult | undefined,
  language: Language,
  onSkip: (message: string) => void = () => undefined,
  unsafe = false,
): Promise<FixOutcome | undefined> {
  let result = first ?? await analyse(text);
  if (!result) return undefined;
  let applied = 0;
  let passes = 0;
  // Bounded by MAX_FIX_PASSES.
  while (passes < MAX_FIX_PASSES) {
    const chosen = await fixesThatParse(text, compatibleFixes(text, result.diagnostics, unsafe), language, onSkip);
    if (!chosen.length) break;
    passes++;
    const next = applyEdits(text, chosen.flatMap((f) => f.edits));
    const analysed = await analyse(next);
    if (!analysed) break;
    text = next;
    result = analysed;
    applied += chosen.length;
  }
  return { text, applied, passes, result };
}

/** A unified diff `git apply` takes (a/ and b/ prefixes, paths with forward slashes). */
export function unifiedDiff(shownPath: string, before: string, after: string): string {
  if (before === after) return '';
  const patch = createTwoFilesPatch(`a/${shownPath}`, `b/${shownPath}`, before, after, undefined, undefined, { context: 3 });
  // jsdiff starts with an `Index:`-less `===` line; git apply ignores text before `---`, but keep the output clean.
  return patch.replace(/^=+\n/, '');
}
