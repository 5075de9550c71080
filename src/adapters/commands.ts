import * as vscode from 'vscode';
import { allRules } from '../core/rules';
import { OPEN_RULE_DOCS_COMMAND } from '../core/hoverMarkdown';
import type { ServerClient } from './client';
import type { Log } from './log';

// Palette commands: fix-all for the open file, check the workspace, a rule's page, and the walkthrough's example.

export const FIX_ALL_COMMAND = 'concurrencyLens.fixAll';
export const CHECK_WORKSPACE_COMMAND = 'concurrencyLens.checkWorkspace';
export const SHOW_RULE_DOCS_COMMAND = 'concurrencyLens.showRuleDocs';
export const OPEN_EXAMPLE_COMMAND = 'concurrencyLens.walkthrough.openExample';
const FIX_ALL_KIND = vscode.CodeActionKind.SourceFixAll.append('concurrencyLens');

/** The walkthrough's first step: a file that shows a finding and its fix without anything to install. */
const EXAMPLE = [
  'import asyncio',
  'import time',
  '',
  '',
  'async def fetch(name):',
  '    time.sleep(1)  # each fetch waits a second; the others should run meanwhile',
  '    return name',
  '',
  '',
  'async def main():',
  '    print(await asyncio.gather(fetch("a"), fetch("b"), fetch("c")))',
  '',
  '',
  'asyncio.run(main())',
  '',
].join('\n');

/**
 * Applies the server's fix-all for the active file (the same action as `source.fixAll.concurrencyLens` on save, which
 * offers only the safe fixes), and says how many problems it fixed.
 */
async function fixAll(log: Log): Promise<boolean> {
  const editor = vscode.window.activeTextEditor;
  if (!editor) return false;
  const document = editor.document;
  const before = vscode.languages.getDiagnostics(document.uri).filter((d) => d.source === 'concurrency-lens').length;
  const whole = new vscode.Range(0, 0, document.lineCount, 0);
  const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', document.uri, whole, FIX_ALL_KIND.value) ?? [];
  const action = actions.find((a) => a.kind && FIX_ALL_KIND.contains(a.kind) && a.edit);
  if (!action?.edit) {
    void vscode.window.showInformationMessage('Concurrency Lens: no safe fixes in this file.');
    return false;
  }
  const applied = await vscode.workspace.applyEdit(action.edit);
  if (!applied) {
    log.error(`Fix all: the edit to ${document.uri.toString()} was not applied.`);
    return false;
  }
  log.info(`Fix all: applied the safe fixes in ${vscode.workspace.asRelativePath(document.uri)} (${before} problems before).`);
  return true;
}

export function registerCommands(context: vscode.ExtensionContext, server: ServerClient, log: Log): void {
  context.subscriptions.push(
    vscode.commands.registerCommand(FIX_ALL_COMMAND, () => fixAll(log)),
    vscode.commands.registerCommand(CHECK_WORKSPACE_COMMAND, () => server.checkWorkspace()),
    vscode.commands.registerCommand(SHOW_RULE_DOCS_COMMAND, async (slug?: unknown) => {
      const picked = typeof slug === 'string' ? slug : (await vscode.window.showQuickPick(
        allRules.map((r) => ({ label: r.meta.slug, description: r.meta.languages.includes('python') && r.meta.languages.length > 1 ? 'Python, TS/JS' : r.meta.languages.includes('python') ? 'Python' : 'TS/JS', detail: r.meta.docs.summary })),
        { title: 'Concurrency Lens: rule documentation', matchOnDetail: true },
      ))?.label;
      if (picked) await vscode.commands.executeCommand(OPEN_RULE_DOCS_COMMAND, picked);
    }),
    vscode.commands.registerCommand(OPEN_EXAMPLE_COMMAND, async () => {
      const document = await vscode.workspace.openTextDocument({ language: 'python', content: EXAMPLE });
      const editor = await vscode.window.showTextDocument(document);
      const line = EXAMPLE.split('\n').findIndex((l) => l.includes('time.sleep'));
      editor.selection = new vscode.Selection(line, 4, line, 14);
    }),
  );
}
