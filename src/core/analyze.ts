import type { ParsedDocument, SkipReason } from './document';
import type { Node } from 'web-tree-sitter';
import { inScope, TreeFacts } from './analysis';
import type { IncrementalAnalysis } from './incremental';
import type { Report, Rule, RuleContext } from './rules/rule';
import { allRules } from './rules';
import { findSuppressions, isSuppressed } from './suppress';
import { defaultSettings, type AnalysisSettings, type Diagnostic, type Language } from './types';

export { IncrementalAnalysis } from './incremental';

export { TreeFacts } from './analysis';

export interface AnalysisResult {
  language: Language;
  diagnostics: Diagnostic[];
  /** Set when the text was not analysed at all. */
  skipped?: SkipReason;
  /** The tree has syntax errors; rules still ran on the parts that parsed. */
  hasSyntaxErrors: boolean;
  /** Rules that threw: a bug of ours, reported instead of hiding every other finding. */
  ruleErrors: { rule: string; message: string }[];
}

/** Each rule's peer codes (Ruff, flake8-async): a `# noqa` naming one of them also silences the rule. */
const peerCodes = new Map(allRules.map((r) => [r.meta.slug, r.meta.peerCodes ?? []]));

export function rulesFor(language: Language, settings: AnalysisSettings, only?: readonly string[]): Rule[] {
  return allRules.filter((rule) =>
    rule.meta.languages.includes(language)
    && settings.ruleSeverity[rule.meta.slug] !== 'off'
    && (!only || only.includes(rule.meta.slug)));
}

export interface AnalyzeOptions {
  settings?: AnalysisSettings;
  /** Only these rules (by slug). */
  only?: readonly string[];
  facts?: TreeFacts;
  /** The file's path (workspace- or command-line-relative, '/'-separated): some rules read where a file sits (`scripts/`). */
  path?: string;
  /** Reads another file of the project by such a path (a local module a name is imported from); undefined when unavailable. */
  readFile?: (path: string) => string | undefined;
  /** The source files of the package holding `near` (same path form), for finding a function's callers; absent: not looked for. */
  listFiles?: (near: string) => readonly string[];
  /** The document's earlier analyses, kept for the next: an edit's analysis then re-analyses only what it may change. */
  incremental?: IncrementalAnalysis;
  /** Told each rule's slug before it runs, so a host watching the time can say which one overran. */
  onRule?: (slug: string) => void;
}

export function analyzeDocument(doc: ParsedDocument, options: AnalyzeOptions = {}): AnalysisResult {
  const settings = options.settings ?? defaultSettings;
  const result: AnalysisResult = { language: doc.language, diagnostics: [], hasSyntaxErrors: false, ruleErrors: [] };
  const tree = doc.tree;
  if (!tree) {
    result.skipped = doc.skipped;
    return result;
  }
  result.hasSyntaxErrors = tree.rootNode.hasError;
  const facts = options.facts ?? new TreeFacts(tree);
  const text = doc.text;
  const rules = rulesFor(doc.language, settings, options.only).filter((rule) => !rule.mayMatch || rule.mayMatch(text, settings));
  const run = (scope: readonly Node[] | undefined) => {
    const diagnostics: Diagnostic[] = [];
    const errors: AnalysisResult['ruleErrors'] = [];
    for (const rule of rules) {
      const severity = settings.ruleSeverity[rule.meta.slug];
      const context: RuleContext = {
        language: doc.language,
        tree,
        root: tree.rootNode,
        text,
        lines: doc.lines,
        settings,
        path: options.path,
        readFile: options.readFile,
        listFiles: options.listFiles,
        ...(scope ? { scope } : {}),
        python: () => facts.python(),
        ts: () => facts.ts(),
        report: (r: Report) => {
          // An analysis of some functions keeps only what it found in them: the rest is the last analysis's.
          if (scope && !inScope({ scope }, doc.lines.offsetAt(r.range.start))) return;
          diagnostics.push({
            related: [], tags: [], fixes: [], ...r,
            code: r.code,
            severity: severity && severity !== 'off' ? severity : r.severity ?? rule.meta.defaultSeverity,
          });
        },
      };
      options.onRule?.(rule.meta.slug);
      try {
        rule.check(context);
      } catch (error) {
        errors.push({ rule: rule.meta.slug, message: error instanceof Error ? error.message : String(error) });
      }
    }
    result.ruleErrors = errors;
    return { diagnostics, failed: errors.length > 0 };
  };
  result.diagnostics = options.incremental
    ? options.incremental.analyse({ language: doc.language, tree, text, lines: doc.lines, settings, only: options.only, path: options.path, readFile: options.readFile, listFiles: options.listFiles, facts }, run).diagnostics
    : run(undefined).diagnostics;
  const suppressed = findSuppressions(tree, text, doc.language);
  result.diagnostics = result.diagnostics
    .filter((d) => !isSuppressed(suppressed, d, peerCodes.get(d.code)))
    .sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.column - b.range.start.column || a.code.localeCompare(b.code));
  return result;
}
