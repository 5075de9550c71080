import * as vscode from 'vscode';
import type { AnalysisSettings, Severity } from '../core';

export const SECTION = 'concurrencyLens';

export interface ExtensionSettings {
  enabled: boolean;
  analysis: AnalysisSettings;
  /** Files larger than this are not analysed in the editor (the CLI has its own flag). */
  maxFileBytes: number;
  debounceMs: number;
  hover: 'full' | 'short' | 'off';
}

const SEVERITIES = new Set(['error', 'warning', 'information', 'hint', 'off']);

export function readSettings(scope?: vscode.ConfigurationScope): ExtensionSettings {
  const config = vscode.workspace.getConfiguration(SECTION, scope);
  const rules = config.get<Record<string, string>>('rules', {});
  const ruleSeverity: Record<string, Severity | 'off'> = {};
  for (const [slug, value] of Object.entries(rules)) {
    if (SEVERITIES.has(value)) ruleSeverity[slug] = value as Severity | 'off';
  }
  return {
    enabled: config.get<boolean>('enable', true),
    analysis: { pythonFreeThreaded: config.get<boolean>('python.freeThreaded', false), ruleSeverity },
    maxFileBytes: Math.max(1, config.get<number>('maxFileSizeKB', 2048)) * 1024,
    debounceMs: Math.max(0, config.get<number>('debounceMs', 300)),
    hover: config.get<'full' | 'short' | 'off'>('hover', 'full'),
  };
}

/** Sets one rule's severity (or 'off') in the user's settings, keeping the other rules' entries. */
export async function setRuleSeverity(slug: string, value: Severity | 'off', target = vscode.ConfigurationTarget.Workspace): Promise<void> {
  const config = vscode.workspace.getConfiguration(SECTION);
  const rules = { ...config.get<Record<string, string>>('rules', {}), [slug]: value };
  const useWorkspace = target === vscode.ConfigurationTarget.Workspace && vscode.workspace.workspaceFolders?.length;
  await config.update('rules', rules, useWorkspace ? target : vscode.ConfigurationTarget.Global);
}
