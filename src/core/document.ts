import { Edit, type Point, type Tree } from 'web-tree-sitter';
import { deeperThan, getParser, MAX_TREE_DEPTH, parseText } from './parser';

export { deeperThan, MAX_TREE_DEPTH } from './parser';
import { LineIndex, registerTreeText } from './text';
import type { Language } from './types';

const TS_FAMILY: Language[] = ['typescript', 'tsx', 'javascript'];

/** A change as VS Code reports it: replace `rangeLength` code units at `rangeOffset` with `text`. */
export interface ContentChange {
  rangeOffset: number;
  rangeLength: number;
  text: string;
}

export interface InputLimits {
  /** Texts longer than this (UTF-16 code units) are not parsed. */
  maxLength: number;
  /** A parse taking longer than this is abandoned. */
  parseTimeoutMs: number;
}

export const defaultLimits: InputLimits = { maxLength: 20_000_000, parseTimeoutMs: 60_000 };

export type SkipReason = 'too-large' | 'binary' | 'parse-timeout' | 'too-deep';

/** Why a file was not analysed, in words for a log line or a diagnostic. */
export function describeSkip(reason: SkipReason): string {
  switch (reason) {
    case 'too-large': return 'the file is over the size limit';
    case 'binary': return 'the file holds binary content (a NUL character)';
    case 'parse-timeout': return 'parsing took longer than its time limit';
    case 'too-deep': return `its syntax nests deeper than ${MAX_TREE_DEPTH} levels, which only broken or generated code does`;
  }
}

/**
 * How many ERROR and MISSING nodes a tree has: how badly it parses. The walk enters only subtrees that hold an error,
 * each node at most once.
 */
export function syntaxProblemCount(tree: Tree): number {
  if (!tree.rootNode.hasError) return 0;
  const cursor = tree.walk();
  let count = 0;
  try {
    for (;;) {
      const node = cursor.currentNode;
      if (node.isError || node.isMissing) count++;
      if (node.hasError && !node.isMissing && cursor.gotoFirstChild()) continue;
      while (!cursor.gotoNextSibling()) {
        if (!cursor.gotoParent()) return count;
      }
    }
  } finally {
    cursor.delete();
  }
}

/** `syntaxProblemCount` of `text` parsed afresh; undefined when it cannot be parsed (limits). */
export async function syntaxProblems(language: Language, text: string, limits: InputLimits = defaultLimits): Promise<number | undefined> {
  if (precheck(text, limits)) return undefined;
  const tree = parseText(await getParser(language), text, undefined, { timeoutMs: limits.parseTimeoutMs });
  if (!tree) return undefined;
  try {
    return syntaxProblemCount(tree);
  } finally {
    tree.delete();
  }
}

/** Why a text gets no analysis, decided before parsing. */
export function precheck(text: string, limits: InputLimits): SkipReason | undefined {
  if (text.length > limits.maxLength) return 'too-large';
  // NUL never appears in source text; it marks binary content.
  if (text.slice(0, 8192).includes('\u0000')) return 'binary';
  return undefined;
}

/**
 * One open document: its text, its syntax tree, and incremental reparsing.
 * Trees live in wasm memory, so a document must be disposed.
 */
/** Tree-sitter's point after `text` typed at `start` (rows count only \n; columns in code units, as treePointAt's). */
function pointAfter(start: Point, text: string): Point {
  const last = text.lastIndexOf('\n');
  if (last < 0) return { row: start.row, column: start.column + text.length };
  let rows = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) rows++;
  return { row: start.row + rows, column: text.length - last - 1 };
}

export class ParsedDocument {
  private treeValue: Tree | undefined;
  private indexValue: LineIndex;
  private releasedValue = false;
  skipped: SkipReason | undefined;
  version = 0;

  private constructor(readonly language: Language, private textValue: string, private readonly limits: InputLimits) {
    this.indexValue = new LineIndex(textValue);
  }

  static async create(language: Language, text: string, limits: InputLimits = defaultLimits): Promise<ParsedDocument> {
    const doc = new ParsedDocument(language, text, limits);
    await getParser(language);
    // A TS/JS file's analysis reads the project's other TS/JS files (following calls, facades), whatever their dialect.
    if (language !== 'python') await Promise.all(TS_FAMILY.map((other) => getParser(other)));
    await doc.reparse(undefined);
    return doc;
  }

  get text(): string {
    return this.textValue;
  }

  get lines(): LineIndex {
    return this.indexValue;
  }

  /** Undefined when the text was skipped (see `skipped`). */
  get tree(): Tree | undefined {
    return this.treeValue;
  }

  /** Applies changes (in the order given, each against the text left by the previous) and reparses from the old tree. */
  async applyChanges(changes: readonly ContentChange[]): Promise<void> {
    // A change that does not fit the text it applies to is refused before anything changes: the text, its line index
    // and its tree stay consistent, and the caller's request fails alone.
    let length = this.textValue.length;
    for (const change of changes) {
      const { rangeOffset: start, rangeLength } = change;
      if (!Number.isInteger(start) || !Number.isInteger(rangeLength) || start < 0 || rangeLength < 0 || start + rangeLength > length || typeof change.text !== 'string') {
        throw new RangeError(`a change at ${String(start)} of length ${String(rangeLength)} does not fit a text of ${length} characters`);
      }
      length += change.text.length - rangeLength;
    }
    let text = this.textValue;
    let lines = this.indexValue;
    const old = this.treeValue;
    for (const change of changes) {
      const before = lines;
      const start = change.rangeOffset;
      const oldEnd = start + change.rangeLength;
      const next = text.slice(0, start) + change.text + text.slice(oldEnd);
      // Each index from the last one: an edit costs the lines it touches, not the file's.
      lines = before.edited(start, oldEnd, change.text, next);
      const startPosition = before.treePointAt(start);
      old?.edit(new Edit({
        startIndex: start,
        oldEndIndex: oldEnd,
        newEndIndex: start + change.text.length,
        // Tree-sitter's own points (rows count only \n), whatever the LSP lines are.
        startPosition,
        oldEndPosition: before.treePointAt(oldEnd),
        newEndPosition: pointAfter(startPosition, change.text),
      }));
      text = next;
    }
    this.setText(text, lines);
    await this.reparse(old);
  }

  /** Replaces the whole text (no incremental reuse). */
  async replaceText(text: string): Promise<void> {
    this.setText(text);
    await this.reparse(undefined);
  }

  private setText(text: string, lines = new LineIndex(text)): void {
    this.textValue = text;
    this.indexValue = lines;
    this.version++;
  }

  /** The tree was dropped to save memory (`release`): `restore` parses the text again. */
  get released(): boolean {
    return this.releasedValue;
  }

  /** Frees the tree's wasm memory, keeping the text: a host holding many documents keeps trees for the ones in use. */
  release(): void {
    if (!this.treeValue) return;
    this.treeValue.delete();
    this.treeValue = undefined;
    this.releasedValue = true;
  }

  /** Parses a released document's text again (nothing when it was not released). An edit restores it too. */
  async restore(): Promise<void> {
    if (this.releasedValue) await this.reparse(undefined);
  }

  private async reparse(old: Tree | undefined): Promise<void> {
    this.releasedValue = false;
    this.skipped = precheck(this.textValue, this.limits);
    let tree: Tree | undefined;
    if (!this.skipped) {
      const parser = await getParser(this.language);
      tree = parseText(parser, this.textValue, old, { timeoutMs: this.limits.parseTimeoutMs }) ?? undefined;
      if (tree) registerTreeText(tree, this.indexValue);
      if (!tree) this.skipped = 'parse-timeout';
      else if (deeperThan(tree, MAX_TREE_DEPTH)) {
        this.skipped = 'too-deep';
        tree.delete();
        tree = undefined;
      }
    }
    if (this.treeValue && this.treeValue !== tree) this.treeValue.delete();
    this.treeValue = tree;
  }

  dispose(): void {
    this.treeValue?.delete();
    this.treeValue = undefined;
  }
}
