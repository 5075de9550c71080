import type { Node, Point, Tree } from 'web-tree-sitter';
import type { Position, Range } from './types';

// The one line model: lines end at \n, \r\n or a lone \r (as LSP and VS Code count them), columns are UTF-16 code
// units. Tree-sitter's rows count only \n, so a node's position comes from its offsets through the LineIndex of the
// text its tree was parsed from, never from its `row`.

/** Offsets (UTF-16 code units) <-> line/column, for one immutable text. */
export class LineIndex {
  private readonly lineStarts: number[];
  /** Starts of tree-sitter's rows (after each \n only), built when first needed. */
  private treeRowStarts: number[] | undefined;

  constructor(readonly text: string, lineStarts?: number[]) {
    if (lineStarts) {
      this.lineStarts = lineStarts;
      return;
    }
    const starts = [0];
    scanBreaks(text, 0, text.length, starts);
    this.lineStarts = starts;
  }

  /**
   * The index of `next`, which is this text with [start, oldEnd) replaced by `inserted`: the line starts before the edit
   * kept, those in it found, those after it moved. No scan of the whole text (an edit of a large file costs its size).
   */
  edited(start: number, oldEnd: number, inserted: string, next: string): LineIndex {
    const delta = inserted.length - (oldEnd - start);
    const old = this.lineStarts;
    // From the start of the line before the edit's: a break just before it (a \r whose \n the edit adds) is found again.
    const from = this.lineStart(this.positionAt(Math.max(0, start - 1)).line);
    const starts: number[] = [];
    for (const s of old) {
      if (s > from) break;
      starts.push(s);
    }
    // Through the inserted text (a \r it ends with is read with the \n after it).
    const resume = scanBreaks(next, from, start + inserted.length, starts);
    // Breaks that begin at or after `resume` lie in the text after the edit, unchanged: their starts, moved.
    for (let k = upperBound(old, resume - delta); k < old.length; k++) starts.push(old[k] + delta);
    const index = new LineIndex(next, starts);
    if (this.withoutCr && !inserted.includes('\r')) index.withoutCr = true;
    return index;
  }

  /** The text has no \r: tree-sitter's rows are then its lines (known when cheap to know). */
  private withoutCr: boolean | undefined;

  get lineCount(): number {
    return this.lineStarts.length;
  }

  positionAt(offset: number): Position {
    const clamped = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid] <= clamped) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, column: clamped - this.lineStarts[lo] };
  }

  offsetAt(position: Position): number {
    if (position.line < 0) return 0;
    if (position.line >= this.lineStarts.length) return this.text.length;
    return Math.min(this.lineStarts[position.line] + position.column, this.lineEnd(position.line));
  }

  lineStart(line: number): number {
    return this.lineStarts[Math.max(0, Math.min(line, this.lineStarts.length - 1))];
  }

  /** Offset of the end of the line's content, before its line break. */
  lineEnd(line: number): number {
    if (line + 1 >= this.lineStarts.length) return this.text.length;
    let end = this.lineStarts[line + 1];
    if (this.text.charCodeAt(end - 1) === 10) end--;
    if (this.text.charCodeAt(end - 1) === 13) end--;
    return end;
  }

  lineText(line: number): string {
    return this.text.slice(this.lineStart(line), this.lineEnd(line));
  }

  /** The line break the file uses most (the first one found on a tie), for lines inserted where no line says otherwise. */
  get eol(): string {
    // The text never changes: counted once (every fix that inserts a line asks).
    this.usualEol ??= this.countEol();
    return this.usualEol;
  }

  private usualEol: string | undefined;

  private countEol(): string {
    const counts = new Map<string, number>();
    let best = '\n';
    let bestCount = 0;
    for (let line = 0; line + 1 < this.lineStarts.length; line++) {
      const own = this.breakOf(line);
      const count = (counts.get(own) ?? 0) + 1;
      counts.set(own, count);
      if (count > bestCount) {
        best = own;
        bestCount = count;
      }
    }
    return best;
  }

  /** The line break ending `line` ('' for the last line when the text does not end with one). */
  breakOf(line: number): string {
    if (line < 0 || line + 1 >= this.lineStarts.length) return '';
    return this.text.slice(this.lineEnd(line), this.lineStarts[line + 1]);
  }

  /**
   * The line break for a line inserted after `line`: its own, else the nearest earlier line's, else the file's
   * usual one (a file with mixed endings keeps each part's style).
   */
  eolNear(line: number): string {
    // Bounded by the line number.
    for (let l = Math.min(line, this.lineStarts.length - 2); l >= 0; l--) {
      const own = this.breakOf(l);
      if (own) return own;
    }
    return this.eol;
  }

  /** Tree-sitter's point for an offset: rows count only \n (for edits told to a tree). */
  treePointAt(offset: number): Point {
    this.withoutCr ??= !this.text.includes('\r');
    if (this.withoutCr) {
      const at = this.positionAt(offset);
      return { row: at.line, column: at.column };
    }
    if (!this.treeRowStarts) {
      const starts = [0];
      for (let i = this.text.indexOf('\n'); i >= 0; i = this.text.indexOf('\n', i + 1)) starts.push(i + 1);
      this.treeRowStarts = starts;
    }
    const starts = this.treeRowStarts;
    const clamped = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= clamped) lo = mid;
      else hi = mid - 1;
    }
    return { row: lo, column: clamped - starts[lo] };
  }
}

/**
 * Pushes the line starts of the breaks beginning in [from, to) of `text` (from a line's start); returns where the scan
 * stopped (a \r\n pair straddling `to` is read whole).
 */
function scanBreaks(text: string, from: number, to: number, starts: number[]): number {
  let i = from;
  for (; i < to; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 10) starts.push(i + 1);
    else if (ch === 13) {
      if (text.charCodeAt(i + 1) === 10) i++;
      starts.push(i + 1);
    }
  }
  return i;
}

/** The first index of the sorted `values` whose value is greater than `value`. */
function upperBound(values: readonly number[], value: number): number {
  let low = 0;
  let high = values.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (values[mid] <= value) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** The line index of the text each tree was parsed from (registered by parseText). */
const treeLines = new WeakMap<Tree, LineIndex | string>();

export function registerTreeText(tree: Tree, text: string | LineIndex): void {
  treeLines.set(tree, text);
}

/** The LineIndex of the text `tree` was parsed from, if it was registered. */
export function linesOfTree(tree: Tree): LineIndex | undefined {
  const known = treeLines.get(tree);
  if (typeof known !== 'string') return known;
  const index = new LineIndex(known);
  treeLines.set(tree, index);
  return index;
}

type Located = Pick<Node, 'startIndex' | 'endIndex' | 'startPosition' | 'endPosition'> & { tree?: Tree };

/** Where a node starts, in the one line model. */
export function startOf(node: Located): Position {
  const lines = node.tree && linesOfTree(node.tree);
  // A tree not parsed by parseText (none in the tool) falls back to tree-sitter's rows.
  // eslint-disable-next-line no-restricted-syntax
  return lines ? lines.positionAt(node.startIndex) : { line: node.startPosition.row, column: node.startPosition.column };
}

/** Where a node ends, in the one line model. */
export function endOf(node: Located): Position {
  const lines = node.tree && linesOfTree(node.tree);
  // eslint-disable-next-line no-restricted-syntax
  return lines ? lines.positionAt(node.endIndex) : { line: node.endPosition.row, column: node.endPosition.column };
}

/** The (0-based) line a node starts on. */
export function lineOf(node: Located): number {
  return startOf(node).line;
}

export function rangeOf(node: Located): Range {
  return { start: startOf(node), end: endOf(node) };
}

export function emptyRangeAt(position: Position): Range {
  return { start: position, end: position };
}

/** Applies non-overlapping edits (any order) to a text. Used by tests, the CLI's --fix and bench. */
export function applyEdits(text: string, edits: readonly { range: Range; newText: string }[]): string {
  const index = new LineIndex(text);
  const withOffsets = edits
    .map((e) => ({ start: index.offsetAt(e.range.start), end: index.offsetAt(e.range.end), newText: e.newText }))
    .sort((a, b) => b.start - a.start || b.end - a.end);
  let result = text;
  let lastStart = Infinity;
  for (const e of withOffsets) {
    if (e.end > lastStart) throw new Error('overlapping edits');
    result = result.slice(0, e.start) + e.newText + result.slice(e.end);
    lastStart = e.start;
  }
  return result;
}

/** Answers about the last text asked about: an analysis asks the same whole-text questions once per finding. */
let answeredText: string | undefined;
let answers = new Map<string, unknown>();

/** `compute()` once per `text` and `key` (the last text's answers are kept; a new text starts afresh). */
export function perText<T>(text: string, key: string, compute: () => T): T {
  if (text !== answeredText) {
    answeredText = text;
    answers = new Map();
  }
  if (!answers.has(key)) answers.set(key, compute());
  return answers.get(key) as T;
}
