import { Edit, type Tree } from 'web-tree-sitter';
import { syntaxProblemCount, type ParsedDocument } from './document';
import { getLoadedParser, parseText } from './parser';
import type { Diagnostic, Fix, TextEdit } from './types';

// A fix is offered only if the text it produces parses at least as well as the text it fixes (no more ERROR or
// MISSING nodes): a fix that breaks the syntax is a bug of ours, and every host (CLI, editor, fix-all) leaves it out.

/** Fixes checked per analysis at most; any beyond are not offered (a file with that many findings is unusual). */
export const MAX_CHECKED_FIXES = 200;

export interface DroppedFix {
  rule: string;
  title: string;
  /** The diagnostic's line (0-based). */
  line: number;
  why: 'would not parse' | 'not checked' | 'would not parse with the others';
}

/** Tree-sitter's point after inserting `text` at `start`. */
function pointAfter(start: { row: number; column: number }, text: string): { row: number; column: number } {
  const lastBreak = text.lastIndexOf('\n');
  if (lastBreak < 0) return { row: start.row, column: start.column + text.length };
  let rows = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) rows++;
  return { row: start.row + rows, column: text.length - lastBreak - 1 };
}

/** How many syntax problems the text has after `fix`, reparsed incrementally from a copy of the document's tree. */
function problemsAfter(doc: ParsedDocument, tree: Tree, fix: Pick<Fix, 'edits'>): number | undefined {
  const parser = getLoadedParser(doc.language);
  if (!parser) return undefined;
  const lines = doc.lines;
  const edits = fix.edits
    .map((e) => ({ start: lines.offsetAt(e.range.start), end: lines.offsetAt(e.range.end), newText: e.newText }))
    .sort((a, b) => b.start - a.start);
  if (edits.some((e, i) => e.end < e.start || (i > 0 && e.end > edits[i - 1].start))) return undefined;
  const copy = tree.copy();
  let text = doc.text;
  try {
    // Last edit first: the text before each edit is still the document's, so its points are the document's.
    for (const e of edits) {
      const startPosition = lines.treePointAt(e.start);
      copy.edit(new Edit({
        startIndex: e.start,
        oldEndIndex: e.end,
        newEndIndex: e.start + e.newText.length,
        startPosition,
        oldEndPosition: lines.treePointAt(e.end),
        newEndPosition: pointAfter(startPosition, e.newText),
      }));
      text = text.slice(0, e.start) + e.newText + text.slice(e.end);
    }
    const fixed = parseText(parser, text, copy, { timeoutMs: 1_000 });
    if (!fixed) return undefined;
    try {
      return syntaxProblemCount(fixed);
    } finally {
      fixed.delete();
    }
  } finally {
    copy.delete();
  }
}

/** Removes from `diagnostics` the fixes whose result would parse worse than the document; returns what it removed. */
export function dropFixesThatBreakSyntax(doc: ParsedDocument, diagnostics: Diagnostic[]): DroppedFix[] {
  const tree = doc.tree;
  if (!tree) return [];
  const before = syntaxProblemCount(tree);
  const dropped: DroppedFix[] = [];
  let checked = 0;
  for (const diagnostic of diagnostics) {
    if (!diagnostic.fixes.length) continue;
    diagnostic.fixes = diagnostic.fixes.filter((fix) => {
      const after = checked++ < MAX_CHECKED_FIXES ? problemsAfter(doc, tree, fix) : undefined;
      const keep = after !== undefined && after <= before;
      if (!keep) dropped.push({ rule: diagnostic.code, title: fix.title, line: diagnostic.range.start.line, why: after === undefined ? 'not checked' : 'would not parse' });
      return keep;
    });
  }
  if (checked < MAX_CHECKED_FIXES) dropped.push(...unpreferFixesThatBreakTogether(doc, tree, before, diagnostics));
  return dropped;
}

/**
 * `--fix` and the editor's fix-all apply every diagnostic's preferred fix that does not touch an earlier one, all
 * together. Fixes sound alone can still clash as text: when the set parses worse, the fixes that tip it over stop
 * being preferred (each is still offered on its own).
 */
function unpreferFixesThatBreakTogether(doc: ParsedDocument, tree: Tree, before: number, diagnostics: Diagnostic[]): DroppedFix[] {
  const lines = doc.lines;
  const taken: { start: number; end: number }[] = [];
  const chosen: { diagnostic: Diagnostic; fix: Fix }[] = [];
  for (const diagnostic of diagnostics) {
    const fix = diagnostic.fixes.find((f) => f.preferred);
    if (!fix) continue;
    const spans = fix.edits.map((e) => ({ start: lines.offsetAt(e.range.start), end: lines.offsetAt(e.range.end) }));
    if (spans.some((s) => taken.some((t) => s.start <= t.end && t.start <= s.end))) continue;
    taken.push(...spans);
    chosen.push({ diagnostic, fix });
  }
  const parsesAsWell = (edits: TextEdit[]): boolean => (problemsAfter(doc, tree, { edits }) ?? Infinity) <= before;
  if (chosen.length < 2 || parsesAsWell(chosen.flatMap((c) => c.fix.edits))) return [];
  const dropped: DroppedFix[] = [];
  let kept: TextEdit[] = [];
  // One reparse per chosen fix: bounded by the number of diagnostics.
  for (const { diagnostic, fix } of chosen) {
    const trial = [...kept, ...fix.edits];
    if (parsesAsWell(trial)) kept = trial;
    else {
      fix.preferred = false;
      dropped.push({ rule: diagnostic.code, title: fix.title, line: diagnostic.range.start.line, why: 'would not parse with the others' });
    }
  }
  return dropped;
}
