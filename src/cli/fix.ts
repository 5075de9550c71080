// `--fix` and `--diff`: each finding's preferred fix applied, pass after pass, until nothing more applies.
// Only safe fixes unless `--unsafe-fixes` (as Ruff's `--fix` / `--unsafe-fixes`).
import { createTwoFilesPatch } from 'diff';
import { applyEdits, fixToApply, LineIndex, type AnalysisResult, type Diagnostic, type TextEdit } from '../core';

export const MAX_FIX_PASSES = 5;

/**
 * The edits of every diagnostic's preferred fix that can go in together. A fix touching (or even abutting) an edit
 * already taken waits for the next pass: after this one its text may have moved. Returns the edits and how many fixes.
 */
export function compatibleFixEdits(text: string, diagnostics: readonly Diagnostic[], unsafe = false): { edits: TextEdit[]; fixes: number } {
  const index = new LineIndex(text);
  const taken: { start: number; end: number }[] = [];
  const edits: TextEdit[] = [];
  let fixes = 0;
  for (const diagnostic of diagnostics) {
    const fix = fixToApply(diagnostic, unsafe);
    if (!fix) continue;
    const spans = fix.edits.map((e) => ({ start: index.offsetAt(e.range.start), end: index.offsetAt(e.range.end) }));
    const clash = spans.some((s, i) => taken.some((t) => s.start <= t.end && t.start <= s.end)
      || spans.some((o, j) => j !== i && s.start <= o.end && o.start <= s.end));
    if (clash) continue;
    taken.push(...spans);
    edits.push(...fix.edits);
    fixes++;
  }
  return { edits, fixes };
}

export interface FixOutcome {
  text: string;
  /** Fixes applied over all passes. */
  applied: number;
  passes: number;
  /** The analysis of the final text. */
  result: AnalysisResult;
}

/** Analyses, applies what fits, re-analyses: at most MAX_FIX_PASSES passes, fewer once a pass applies nothing. */
export async function fixText(
  text: string,
  analyse: (text: string) => Promise<AnalysisResult | undefined>,
  first?: AnalysisResult,
  unsafe = false,
): Promise<FixOutcome | undefined> {
  let result = first ?? await analyse(text);
  if (!result) return undefined;
  let applied = 0;
  let passes = 0;
  // Bounded by MAX_FIX_PASSES.
  while (passes < MAX_FIX_PASSES) {
    const { edits, fixes } = compatibleFixEdits(text, result.diagnostics, unsafe);
    if (!fixes) break;
    passes++;
    const next = applyEdits(text, edits);
    const analysed = await analyse(next);
    if (!analysed) break;
    text = next;
    result = analysed;
    applied += fixes;
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
