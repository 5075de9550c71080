import { CodeActionKind, type CodeAction, type Diagnostic as LspDiagnostic, type TextEdit as LspTextEdit } from 'vscode-languageserver/node';
import { comparePositions, type Diagnostic, type Language } from '../core';
import { compatibleFixes } from '../core/fixCheck';
import { DISABLE_RULE_COMMAND, OPEN_RULE_DOCS_COMMAND } from '../core/hoverMarkdown';
import { ignoreOnLineEdit } from '../core/suppress';
import { toLspDiagnostic, toLspEdit } from './convert';

/** The server's "show documentation" for clients without our extension: opens the rule's page through window/showDocument. */
export const SERVER_SHOW_DOCS_COMMAND = 'concurrencyLens.server.showDocumentation';

export const FIX_ALL_KIND = `${CodeActionKind.SourceFixAll}.concurrencyLens`;

export interface ActionDocument {
  uri: string;
  language: Language;
  lineText(line: number): string;
}

export const overlaps = (a: Diagnostic['range'], b: Diagnostic['range']): boolean =>
  comparePositions(a.start, b.end) <= 0 && comparePositions(b.start, a.end) <= 0;

/**
 * Quick fixes for the diagnostics touching `range`: each rule's fixes (unsafe ones labelled), then "ignore on this line",
 * "show documentation" and "disable this rule" (once per rule).
 */
export function quickFixes(doc: ActionDocument, diagnostics: readonly Diagnostic[], range: Diagnostic['range'], disableCommand = DISABLE_RULE_COMMAND): CodeAction[] {
  const actions: CodeAction[] = [];
  const perRule: CodeAction[] = [];
  const rulesSeen = new Set<string>();
  for (const d of diagnostics) {
    if (!overlaps(d.range, range)) continue;
    const lsp: LspDiagnostic = toLspDiagnostic(doc.uri, d);
    for (const fix of d.fixes) {
      actions.push({
        // Unsafe fixes are offered here, never on save: the title says so, as Ruff's do.
        title: fix.applicability === 'unsafe' ? `${fix.title} (unsafe fix)` : fix.title,
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
    if (rulesSeen.has(d.code)) continue;
    rulesSeen.add(d.code);
    const docs = `Show documentation for ${d.code}`;
    // Our VS Code client opens the page shipped with it; other editors ask the server (window/showDocument).
    const docsCommand = disableCommand === DISABLE_RULE_COMMAND ? OPEN_RULE_DOCS_COMMAND : SERVER_SHOW_DOCS_COMMAND;
    perRule.push({ title: docs, kind: CodeActionKind.QuickFix, diagnostics: [lsp], command: { title: docs, command: docsCommand, arguments: [d.code] } });
    const title = `Disable rule ${d.code} in this workspace`;
    perRule.push({ title, kind: CodeActionKind.QuickFix, diagnostics: [lsp], command: { title, command: disableCommand, arguments: disableCommand === DISABLE_RULE_COMMAND ? [d.code] : [d.code, doc.uri] } });
  }
  return [...actions, ...perRule];
}

/**
 * Every diagnostic's preferred fix that is safe, in one edit, for `source.fixAll` (on save or by command): the same
 * choice as the CLI's `--fix` pass (compatibleFixes); fixes that touch an earlier one are left for the next save (their
 * text would no longer be where the fix expects it).
 */
export function fixAllEdits(text: string, diagnostics: readonly Diagnostic[]): LspTextEdit[] {
  return compatibleFixes(text, diagnostics).flatMap((f) => f.edits).map(toLspEdit);
}
