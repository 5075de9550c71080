import { syntaxProblemCount, type ParsedDocument } from './document';
import { getLoadedParser, parseText } from './parser';
import { LineIndex } from './text';
import { fixToApply, type Diagnostic, type Fix, type TextEdit } from './types';

// A fix is offered only if the text it produces parses at least as well as the text it fixes (no more ERROR or
// MISSING nodes): a fix that breaks the syntax is a bug of ours, and every host (CLI, editor, fix-all) leaves it out.

/**
 * Reparses per check at most (each costs about a parse of the file): fixes beyond are not offered, or, for fix-all,
 * left for the next one.
 */
export const MAX_CHECKED_FIXES = 20;

export interface DroppedFix {
  rule: string;
  title: string;
  /** The diagnostic's line (0-based). */
  line: number;
  why: 'would not parse' | 'not checked' | 'would not parse with the others';
}

export interface ChosenFix {
  title: string;
  /** The diagnostic's line (for messages). */
  line: number;
  edits: TextEdit[];
  diagnostic: Diagnostic;
  fix: Fix;
}

/**
 * The preferred fixes of the diagnostics that can go in together: what `--fix` applies in a pass and the editor's
 * fix-all applies at once. A fix touching (or even abutting) an edit already taken, or whose own edits touch, waits
 * for the next pass: after this one its text may have moved.
 */
export function compatibleFixes(text: string | LineIndex, diagnostics: readonly Diagnostic[], unsafe = false): ChosenFix[] {
  const index = typeof text === 'string' ? new LineIndex(text) : text;
  const taken: { start: number; end: number }[] = [];
  const chosen: ChosenFix[] = [];
  for (const diagnostic of diagnostics) {
    const fix = fixToApply(diagnostic, unsafe);
    if (!fix) continue;
    const spans = fix.edits.map((e) => ({ start: index.offsetAt(e.range.start), end: index.offsetAt(e.range.end) }));
    const clash = spans.some((s, i) => taken.some((t) => s.start <= t.end && t.start <= s.end)
      || spans.some((o, j) => j !== i && s.start <= o.end && o.start <= s.end));
    if (clash) continue;
    taken.push(...spans);
    chosen.push({ title: fix.title, line: diagnostic.range.start.line, edits: fix.edits, diagnostic, fix });
  }
  return chosen;
}

/**
 * How many syntax problems the text has after `fix`. A fresh parse, not an incremental one: on a text that is already
 * broken, error recovery after an incremental reparse can count differently from the parse the file will get.
 */
function problemsAfter(doc: ParsedDocument, fix: Pick<Fix, 'edits'>): number | undefined {
  const lines = doc.lines;
  const edits = fix.edits
    .map((e) => ({ start: lines.offsetAt(e.range.start), end: lines.offsetAt(e.range.end), newText: e.newText }))
    .sort((a, b) => b.start - a.start);
  if (edits.some((e, i) => e.end < e.start || (i > 0 && e.end > edits[i - 1].start))) return undefined;
  let text = doc.text;
  // Last edit first: each one's offsets are still the document's.
  for (const e of edits) text = text.slice(0, e.start) + e.newText + text.slice(e.end);
  return freshProblems(doc, text);
}

/** The syntax problems of `text` parsed afresh in the document's language. */
function freshProblems(doc: ParsedDocument, text: string): number | undefined {
  const parser = getLoadedParser(doc.language);
  if (!parser) return undefined;
  const fixed = parseText(parser, text, undefined, { timeoutMs: 1_000 });
  if (!fixed) return undefined;
  try {
    return syntaxProblemCount(fixed);
  } finally {
    fixed.delete();
  }
}

/**
 * 'each' (the quick fixes at the cursor): removes from `diagnostics` every fix whose result would parse worse than
 * the document. 'together' (fix-all): checks the preferred fixes fix-all applies, as one text (see
 * unpreferFixesThatBreakTogether). Returns what it removed or stopped preferring.
 */
export function dropFixesThatBreakSyntax(doc: ParsedDocument, diagnostics: Diagnostic[], mode: 'each' | 'together' = 'each'): DroppedFix[] {
  // The document's own tree came from incremental reparses: its count is taken afresh too, like the fixed texts'.
  const before = doc.tree ? freshProblems(doc, doc.text) : undefined;
  if (before === undefined) return [];
  if (mode === 'together') return unpreferFixesThatBreakTogether(doc, before, diagnostics);
  const dropped: DroppedFix[] = [];
  let checked = 0;
  for (const diagnostic of diagnostics) {
    if (!diagnostic.fixes.length) continue;
    diagnostic.fixes = diagnostic.fixes.filter((fix) => {
      const after = checked++ < MAX_CHECKED_FIXES ? problemsAfter(doc, fix) : undefined;
      const keep = after !== undefined && after <= before;
      if (!keep) dropped.push({ rule: diagnostic.code, title: fix.title, line: diagnostic.range.start.line, why: after === undefined ? 'not checked' : 'would not parse' });
      return keep;
    });
  }
  return dropped;
}

/**
 * The editor's fix-all applies the preferred fixes compatibleFixes chooses, all together: one parse checks the set.
 * When it parses worse (a fix broken alone, or fixes that clash as text), the set is built again one fix at a time
 * and the first that tips it over stops being preferred (it is still offered on its own, after its own check); the
 * choice is then made again, since a fix it blocked may now go in. Past MAX_CHECKED_FIXES parses, what is left
 * waits for the next fix-all.
 */
function unpreferFixesThatBreakTogether(doc: ParsedDocument, before: number, diagnostics: Diagnostic[]): DroppedFix[] {
  const parsesAsWell = (edits: TextEdit[]): boolean => (problemsAfter(doc, { edits }) ?? Infinity) <= before;
  const dropped: DroppedFix[] = [];
  const unprefer = (c: ChosenFix, why: DroppedFix['why']): void => {
    c.fix.preferred = false;
    dropped.push({ rule: c.diagnostic.code, title: c.title, line: c.line, why });
  };
  let parses = 0;
  // Each round unprefers at least one fix: bounded by the number of fixes (and the parses by MAX_CHECKED_FIXES).
  for (;;) {
    const chosen = compatibleFixes(doc.lines, diagnostics);
    if (!chosen.length) return dropped;
    if (parses >= MAX_CHECKED_FIXES) {
      for (const c of chosen) unprefer(c, 'not checked');
      continue;
    }
    parses++;
    if (parsesAsWell(chosen.flatMap((c) => c.edits))) return dropped;
    let kept: TextEdit[] = [];
    for (const c of chosen) {
      if (parses >= MAX_CHECKED_FIXES) {
        unprefer(c, 'not checked');
        break;
      }
      parses++;
      const trial = [...kept, ...c.edits];
      if (!parsesAsWell(trial)) {
        unprefer(c, kept.length ? 'would not parse with the others' : 'would not parse');
        break;
      }
      kept = trial;
    }
  }
}
