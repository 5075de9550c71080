import { CodeActionKind, type CodeAction, type Diagnostic as LspDiagnostic, type TextEdit as LspTextEdit } from 'vscode-languageserver/node';
import { comparePositions, type Diagnostic, type Language } from '../core';
import { compatibleFixes } from '../core/fixCheck';
import { DISABLE_RULE_COMMAND } from '../core/hoverMarkdown';
import { ignoreOnLineEdit } from '../core/suppress';
import { toLspDiagnostic, toLspEdit } from './convert';

export const FIX_ALL_KIND = `${CodeActionKind.SourceFixAll}.concurrencyLens`;

export interface ActionDocument {
  uri: string;
  language: Language;
  lineText(line: number): string;
}

export const overlaps = (a: Diagnostic['range'], b: Diagnostic['range']): boolean =>
  comparePositions(a.start, b.end) <= 0 && comparePositions(b.start, a.end) <= 0;

/** Quick fixes for the diagnostics touching `range`: each rule's fixes, then "ignore on this line" and "disable this rule". */
export function quickFixes(doc: ActionDocument, diagnostics: readonly Diagnostic[], range: Diagnostic['range'], disableCommand = DISABLE_RULE_COMMAND): CodeAction[] {
  const actions: CodeAction[] = [];
  for (const d of diagnostics) {
    if (!overlaps(d.range, range)) continue;
    const lsp: LspDiagnostic = toLspDiagnostic(doc.uri, d);
    for (const fix of d.fixes) {
      actions.push({
        title: fix.title,
        kind: CodeActionKind.QuickFix,
        diagnostics: [lsp],
        isPreferred: fix.preferred === true,
        edit: { changes: { [doc.uri]: fix.edits.map(toLspEdit) } },
      });
    }
    const line = d.range.start.line;
    actions.push({
      title: `Ignore ${d.code} on this line`,
      kind: CodeActionKind.QuickFix,
      diagnostics: [lsp],
      edit: { changes: { [doc.uri]: [toLspEdit(ignoreOnLineEdit(doc.language, line, doc.lineText(line), d.code))] } },
    });
    const title = `Disable rule ${d.code} in this workspace`;
    actions.push({ title, kind: CodeActionKind.QuickFix, diagnostics: [lsp], command: { title, command: disableCommand, arguments: disableCommand === DISABLE_RULE_COMMAND ? [d.code] : [d.code, doc.uri] } });
  }
  return actions;
}

/**
 * Every diagnostic's preferred fix, in one edit, for `editor.codeActionsOnSave`: the same choice as the CLI's `--fix`
 * pass (compatibleFixes); fixes that touch an earlier one are left for the next save (their text would no longer be
 * where the fix expects it).
 */
export function fixAllEdits(text: string, diagnostics: readonly Diagnostic[]): LspTextEdit[] {
  return compatibleFixes(text, diagnostics).flatMap((f) => f.edits).map(toLspEdit);
}
