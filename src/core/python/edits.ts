import type { Node } from 'web-tree-sitter';
import { endOf, rangeOf, startOf, type LineIndex } from '../text';
import type { TextEdit } from '../types';

// Source edits shared by the Python rules' quick fixes.

/** The simple statement (or compound statement) that contains `node` directly in a block or module. */
export function statementOf(node: Node): Node | undefined {
  let current: Node | null = node;
  while (current && current.parent && current.parent.type !== 'block' && current.parent.type !== 'module') {
    current = current.parent;
  }
  return current && current.parent ? current : undefined;
}

/** True when nothing but whitespace shares the statement's lines (no `a; b`, no code after it). */
export function standsAlone(statement: Node, lines: LineIndex): boolean {
  const start = startOf(statement);
  const end = endOf(statement);
  const before = lines.lineText(start.line).slice(0, start.column);
  const after = lines.lineText(end.line).slice(end.column);
  return before.trim() === '' && (after.trim() === '' || after.trim().startsWith('#'));
}

/** Deletes a statement together with its whole line(s) and the line break, or undefined when it shares a line. */
export function deleteStatement(statement: Node, lines: LineIndex): TextEdit | undefined {
  if (!standsAlone(statement, lines)) return undefined;
  const startLine = startOf(statement).line;
  const endLine = endOf(statement).line;
  const last = endLine + 1 < lines.lineCount
    ? { line: endLine + 1, column: 0 }
    : { line: endLine, column: lines.lineText(endLine).length };
  return { range: { start: { line: startLine, column: 0 }, end: last }, newText: '' };
}

export function indentationOf(line: string): string {
  return /^[ \t]*/.exec(line)![0];
}

/** Adds `name=value` to a call's arguments, or replaces the value of an existing `name=` keyword. */
export function setKeywordArgument(call: Node, name: string, value: string): TextEdit | undefined {
  const args = call.childForFieldName('arguments');
  if (!args || args.type !== 'argument_list') return undefined;
  for (const arg of args.namedChildren) {
    if (arg?.type === 'keyword_argument' && arg.childForFieldName('name')?.text === name) {
      const current = arg.childForFieldName('value')!;
      return { range: rangeOf(current), newText: value };
    }
  }
  const items = args.namedChildren.filter((n): n is Node => n !== null && n.type !== 'comment');
  const closing = args.lastChild!;
  const at = startOf(closing);
  if (items.length === 0) return { range: { start: at, end: at }, newText: `${name}=${value}` };
  const last = items[items.length - 1];
  // A trailing comma after the last argument is already there: add after it.
  const hasTrailingComma = args.children.some((c) => c?.type === ',' && c.startIndex >= last.endIndex);
  if (hasTrailingComma) return { range: { start: at, end: at }, newText: `${name}=${value}` };
  const end = endOf(last);
  return { range: { start: end, end }, newText: `, ${name}=${value}` };
}

/**
 * Inserts `statement` (e.g. 'import asyncio') among the module's leading imports: after the docstring,
 * `from __future__` imports and the other top-level imports at the top, never above a shebang or coding line.
 */
export function addImport(root: Node, lines: LineIndex, statement: string): TextEdit {
  let after: Node | undefined;
  let first = true;
  for (const child of root.namedChildren) {
    if (!child) continue;
    if (child.type === 'comment') continue;
    const isDocstring = first && child.type === 'expression_statement' && child.namedChildren[0]?.type === 'string';
    first = false;
    if (isDocstring || child.type === 'import_statement' || child.type === 'import_from_statement' || child.type === 'future_import_statement') {
      after = child;
      continue;
    }
    break;
  }
  if (after) {
    const afterEnd = endOf(after).line;
    const line = afterEnd + 1;
    // The line break of the line it goes after: a file with mixed endings keeps each part's.
    const eol = lines.eolNear(afterEnd);
    if (line >= lines.lineCount || (line === lines.lineCount - 1 && lines.lineText(line) === '' && !lines.text.endsWith(eol))) {
      const end = { line: afterEnd, column: lines.lineText(afterEnd).length };
      return { range: { start: end, end }, newText: `${eol}${statement}` };
    }
    return { range: { start: { line, column: 0 }, end: { line, column: 0 } }, newText: `${statement}${eol}` };
  }
  // Keep a shebang and a coding declaration on the first lines.
  let line = 0;
  while (line < Math.min(2, lines.lineCount) && /^#(!|.*coding[:=])/.test(lines.lineText(line))) line++;
  const eol = line > 0 ? lines.eolNear(line - 1) : lines.eol;
  if (line >= lines.lineCount) {
    const end = { line: line - 1, column: lines.lineText(line - 1).length };
    return { range: { start: end, end }, newText: `${eol}${statement}${eol}` };
  }
  return { range: { start: { line, column: 0 }, end: { line, column: 0 } }, newText: `${statement}${eol}` };
}
