import type { AnalysisSettings, Severity } from '../core';
import type { ConfigurationPreference } from '../core/config';
import type { HoverMode } from '../core/hover';
import { DEFAULT_FOLLOW_DEPTH } from '../core/project/project';
import { clampBudget, DEFAULT_BUDGET_MS, MIN_BUDGET_MS } from '../host/analysisHost';
import { dict } from '../core/dict';

// The `concurrencyLens` settings as any LSP client sends them (VS Code nests dotted keys: python.freeThreaded).

export interface ServerSettings {
  enabled: boolean;
  analysis: AnalysisSettings;
  /** Settings keys the user set (editorFirst lets only those override a project's config file). */
  explicit: Set<string>;
  configurationPreference: ConfigurationPreference;
  /** A baseline file (workspace-relative or absolute): findings recorded in it are not shown. */
  baseline?: string;
  maxFileBytes: number;
  debounceMs: number;
  hover: HoverMode;
  budgetMs: number;
}

const SEVERITIES = new Set(['error', 'warning', 'information', 'hint', 'off']);

const record = (value: unknown): Record<string, unknown> =>
  value && typeof value === 'object' && !Array.isArray(value) ? value as Record<string, unknown> : {};

function number(value: unknown, fallback: number, min: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? Math.max(min, value) : fallback;
}

/** Reads what the client sent, keeping a default for anything missing or malformed. */
export function parseSettings(raw: unknown): ServerSettings {
  const config = record(raw);
  const ruleSeverity = dict<Severity | 'off'>();
  for (const [slug, value] of Object.entries(record(config.rules))) {
    if (typeof value === 'string' && SEVERITIES.has(value)) ruleSeverity[slug] = value as Severity | 'off';
  }
  const python = record(config.python);
  const freeThreaded = python.freeThreaded ?? config['python.freeThreaded'];
  const hover = config.hover;
  const explicit = new Set(Object.keys(ruleSeverity).map((slug) => `ruleSeverity.${slug}`));
  if (freeThreaded === true) explicit.add('pythonFreeThreaded');
  const followCalls = record(config.followCalls);
  const rawDepth = followCalls.maxDepth ?? config['followCalls.maxDepth'];
  const followCallsMaxDepth = typeof rawDepth === 'number' && Number.isInteger(rawDepth) && rawDepth >= 0 && rawDepth <= 10 ? rawDepth : undefined;
  if (followCallsMaxDepth !== undefined && followCallsMaxDepth !== DEFAULT_FOLLOW_DEPTH) explicit.add('followCallsMaxDepth');
  const preference = config.configurationPreference;
  // Only "off" needs passing on: "hint" is the analysis default.
  const coldSeverity = config.coldSeverity === 'off' ? 'off' as const : undefined;
  if (coldSeverity) explicit.add('coldSeverity');
  return {
    enabled: config.enable !== false,
    analysis: {
      pythonFreeThreaded: freeThreaded === true, ruleSeverity,
      ...(followCallsMaxDepth !== undefined ? { followCallsMaxDepth } : {}),
      ...(coldSeverity ? { coldSeverity } : {}),
    },
    explicit,
    configurationPreference: preference === 'editorFirst' || preference === 'editorOnly' ? preference : 'filesFirst',
    baseline: typeof config.baseline === 'string' && config.baseline.trim() ? config.baseline.trim() : undefined,
    maxFileBytes: number(config.maxFileSizeKB, 2048, 1) * 1024,
    debounceMs: number(config.debounceMs, 300, 0),
    hover: hover === 'full' || hover === 'off' ? hover : 'short',
    budgetMs: clampBudget(number(config.analysisBudgetMs, DEFAULT_BUDGET_MS, MIN_BUDGET_MS)),
  };
}
