import * as vscode from 'vscode';
import type { Severity } from './core';
import { DISABLE_RULE_COMMAND } from './core/hoverMarkdown';
import { ServerClient } from './adapters/client';
import { registerCommands } from './adapters/commands';
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
  registerCommands(context, server, log);
  context.subscriptions.push(registerVisualiser(context, server, log));
  await server.start();
  const version = (context.extension.packageJSON as { version?: string }).version ?? '';
  // scripts/start.mjs and the e2e harness read "activated in N ms" from the log.
  log.info(`Concurrency Lens ${version} activated in ${(performance.now() - started).toFixed(1)} ms (language server ready).`);
}

export async function deactivate(): Promise<void> {
  await server?.dispose();
  server = undefined;
}
