import * as vscode from 'vscode';
import type { Severity } from './core';
import { DISABLE_RULE_COMMAND } from './core/hoverMarkdown';
import { ServerClient } from './adapters/client';
import { disableRule } from './adapters/config';
import { registerKnowledgeCommands } from './adapters/knowledge';
import { Log } from './adapters/log';
import { registerVisualiser } from './adapters/visualiser';

let server: ServerClient | undefined;

// Only wiring: analysis runs in the language server (dist/server.js); every behaviour lives in an adapter.
export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const started = performance.now();
  const log = new Log();
  server = new ServerClient(context, log);
  context.subscriptions.push(
    log,
    server,
    vscode.commands.registerCommand(DISABLE_RULE_COMMAND, (slug: unknown, value: Severity | 'off' = 'off') => disableRule(slug, value)),
    vscode.commands.registerCommand('concurrencyLens.showOutput', () => log.channel.show()),
  );
  registerKnowledgeCommands(context);
  context.subscriptions.push(registerVisualiser(context, server, log));
  await server.start();
  log.info(`Concurrency Lens activated; language server ready ${(performance.now() - started).toFixed(1)} ms after activation began.`);
}

export async function deactivate(): Promise<void> {
  await server?.dispose();
  server = undefined;
}
