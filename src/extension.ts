import * as vscode from 'vscode';
import { languageFromId, loadLanguage, type Severity } from './core';
import { CodeActionsAdapter, DISABLE_RULE_COMMAND } from './adapters/codeActions';
import { readSettings, SECTION, setRuleSeverity } from './adapters/config';
import { DiagnosticsAdapter } from './adapters/diagnostics';
import { DocumentStore } from './adapters/documents';
import { registerHover } from './adapters/hover';
import { registerVisualiser } from './adapters/visualiser';
import { Log } from './adapters/log';

const SELECTOR: vscode.DocumentSelector = ['python', 'typescript', 'typescriptreact', 'javascript', 'javascriptreact'].map((language) => ({ language }));

// Only wiring: every behaviour lives in an adapter or in the core.
export function activate(context: vscode.ExtensionContext): void {
  const started = performance.now();
  const log = new Log();
  let settings = readSettings();
  const store = new DocumentStore(() => settings, log);
  const diagnostics = new DiagnosticsAdapter(store, context.extensionUri);

  context.subscriptions.push(
    log,
    store,
    diagnostics,
    vscode.languages.registerCodeActionsProvider(SELECTOR, new CodeActionsAdapter(diagnostics), CodeActionsAdapter.metadata),
    vscode.commands.registerCommand(DISABLE_RULE_COMMAND, (slug: string, value: Severity | 'off' = 'off') => setRuleSeverity(slug, value)),
    vscode.commands.registerCommand('concurrencyLens.showOutput', () => log.channel.show()),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (!e.affectsConfiguration(SECTION)) return;
      settings = readSettings();
      store.refreshAll();
    }),
  );

  registerHover(context, store, () => settings);
  context.subscriptions.push(registerVisualiser(context, store, log, () => settings));

  store.refreshAll();
  log.info(`Concurrency Lens activated in ${(performance.now() - started).toFixed(1)} ms.`);
  // Grammars load lazily; timing the first one (the active editor's language) tells how long until diagnostics can appear.
  const language = languageFromId(vscode.window.activeTextEditor?.document.languageId ?? '');
  if (language) {
    const grammarStart = performance.now();
    void loadLanguage(language).then(
      () => log.info(`Parser for ${language} ready in ${(performance.now() - grammarStart).toFixed(1)} ms (${(performance.now() - started).toFixed(1)} ms after activation began).`),
      (error: unknown) => log.error('Loading the parser failed', error),
    );
  }
}

export function deactivate(): void {
  // Disposables registered on the context clean up.
}
