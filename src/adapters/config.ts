import * as vscode from 'vscode';
import { ruleBySlug, type Severity } from '../core';

export const SECTION = 'concurrencyLens';

/** The free-threaded setting, for the client's own pages (the server reads all settings itself). */
export function freeThreaded(): boolean {
  return vscode.workspace.getConfiguration(SECTION).get<boolean>('python.freeThreaded', false);
}

/** Where a rule setting was written, and what was there before (undefined: no entry for the rule). */
export interface RuleSettingChange {
  target: vscode.ConfigurationTarget;
  previous: string | undefined;
}

/** Sets one rule's severity (or 'off') in the user's settings, keeping the other rules' entries. */
export async function setRuleSeverity(slug: string, value: Severity | 'off', target = vscode.ConfigurationTarget.Workspace): Promise<RuleSettingChange> {
  const config = vscode.workspace.getConfiguration(SECTION);
  const useWorkspace = target === vscode.ConfigurationTarget.Workspace && vscode.workspace.workspaceFolders?.length;
  const written = useWorkspace ? target : vscode.ConfigurationTarget.Global;
  const inspected = config.inspect<Record<string, string>>('rules');
  const current = (written === vscode.ConfigurationTarget.Global ? inspected?.globalValue : inspected?.workspaceValue) ?? {};
  const previous = Object.prototype.hasOwnProperty.call(current, slug) ? current[slug] : undefined;
  await config.update('rules', { ...current, [slug]: value }, written);
  return { target: written, previous };
}

/** Puts a rule's entry back as it was before `change` (removing it when there was none). */
export async function undoRuleSetting(slug: string, change: RuleSettingChange): Promise<void> {
  const config = vscode.workspace.getConfiguration(SECTION);
  const inspected = config.inspect<Record<string, string>>('rules');
  const current = { ...((change.target === vscode.ConfigurationTarget.Global ? inspected?.globalValue : inspected?.workspaceValue) ?? {}) };
  if (change.previous === undefined) delete current[slug];
  else current[slug] = change.previous;
  await config.update('rules', Object.keys(current).length ? current : undefined, change.target);
}

/** "Disable rule in this workspace": writes the setting, says where, and offers to undo it. */
export async function disableRule(slug: unknown, value: Severity | 'off' = 'off'): Promise<void> {
  // Only known slugs: the argument becomes a key of the user's settings.
  if (typeof slug !== 'string' || !ruleBySlug(slug)) return;
  const change = await setRuleSeverity(slug, value);
  const workspaceFile = vscode.workspace.workspaceFile;
  const where = change.target === vscode.ConfigurationTarget.Global ? 'your user settings'
    : workspaceFile && workspaceFile.scheme !== 'untitled' ? `the workspace file ${workspaceFile.path.slice(workspaceFile.path.lastIndexOf('/') + 1)}`
      : '.vscode/settings.json (workspace settings)';
  // Not awaited: the command is done once the setting is written; the notification stays until the user answers.
  void vscode.window.showInformationMessage(`Concurrency Lens: wrote "concurrencyLens.rules": { "${slug}": "${value}" } to ${where}.`, 'Undo', 'Open Settings')
    .then(async (choice) => {
      if (choice === 'Undo') await undoRuleSetting(slug, change);
      else if (choice === 'Open Settings') {
        await vscode.commands.executeCommand(change.target === vscode.ConfigurationTarget.Global ? 'workbench.action.openSettingsJson' : 'workbench.action.openWorkspaceSettingsFile');
      }
    });
}
