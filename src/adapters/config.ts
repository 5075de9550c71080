import * as vscode from 'vscode';
import type { Severity } from '../core';

export const SECTION = 'concurrencyLens';

/** The free-threaded setting, for the client's own pages (the server reads all settings itself). */
export function freeThreaded(): boolean {
  return vscode.workspace.getConfiguration(SECTION).get<boolean>('python.freeThreaded', false);
}

/** Sets one rule's severity (or 'off') in the user's settings, keeping the other rules' entries. */
export async function setRuleSeverity(slug: string, value: Severity | 'off', target = vscode.ConfigurationTarget.Workspace): Promise<void> {
  const config = vscode.workspace.getConfiguration(SECTION);
  const rules = { ...config.get<Record<string, string>>('rules', {}), [slug]: value };
  const useWorkspace = target === vscode.ConfigurationTarget.Workspace && vscode.workspace.workspaceFolders?.length;
  await config.update('rules', rules, useWorkspace ? target : vscode.ConfigurationTarget.Global);
}
