import * as vscode from 'vscode';
import { SOURCE, toWorkspaceEdit } from './convert';
import type { DiagnosticsAdapter } from './diagnostics';

export const DISABLE_RULE_COMMAND = 'concurrencyLens.disableRule';

/** Quick fixes from the core, plus "ignore on this line" and "disable this rule" for each of our diagnostics. */
export class CodeActionsAdapter implements vscode.CodeActionProvider {
  static readonly metadata: vscode.CodeActionProviderMetadata = { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] };

  constructor(private readonly diagnostics: DiagnosticsAdapter) {}

  provideCodeActions(document: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    const actions: vscode.CodeAction[] = [];
    for (const diagnostic of context.diagnostics) {
      if (diagnostic.source !== SOURCE) continue;
      const core = this.diagnostics.coreDiagnostic(diagnostic);
      if (!core) continue;
      for (const fix of core.fixes) {
        const action = new vscode.CodeAction(fix.title, vscode.CodeActionKind.QuickFix);
        action.edit = toWorkspaceEdit(document.uri, fix.edits);
        action.diagnostics = [diagnostic];
        action.isPreferred = fix.preferred === true;
        actions.push(action);
      }
      actions.push(this.ignoreOnLine(document, diagnostic, core.code));
      const disable = new vscode.CodeAction(`Disable rule ${core.code} in this workspace`, vscode.CodeActionKind.QuickFix);
      disable.command = { title: disable.title, command: DISABLE_RULE_COMMAND, arguments: [core.code] };
      disable.diagnostics = [diagnostic];
      actions.push(disable);
    }
    return actions;
  }

  private ignoreOnLine(document: vscode.TextDocument, diagnostic: vscode.Diagnostic, slug: string): vscode.CodeAction {
    const line = document.lineAt(diagnostic.range.start.line);
    const marker = document.languageId === 'python' ? '#' : '//';
    const existing = /concurrency-lens:\s*ignore\[([^\]]*)\]/.exec(line.text);
    const edit = new vscode.WorkspaceEdit();
    if (existing) {
      // Add the slug to an existing ignore list on this line.
      const start = line.range.start.translate(0, existing.index + existing[0].length - 1);
      edit.insert(document.uri, start, `, ${slug}`);
    } else {
      edit.insert(document.uri, line.range.end, `  ${marker} concurrency-lens: ignore[${slug}]`);
    }
    const action = new vscode.CodeAction(`Ignore ${slug} on this line`, vscode.CodeActionKind.QuickFix);
    action.edit = edit;
    action.diagnostics = [diagnostic];
    return action;
  }
}
