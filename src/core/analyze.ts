import type { ParsedDocument, SkipReason } from './document';
import { TreeFacts } from './analysis';
import type { Report, Rule, RuleContext } from './rules/rule';
import { allRules } from './rules';
import { findSuppressions, isSuppressed } from './suppress';
import { defaultSettings, type AnalysisSettings, type Diagnostic, type Language } from './types';

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
  for (const rule of rulesFor(doc.language, settings, options.only)) {
    if (rule.mayMatch && !rule.mayMatch(text, settings)) continue;
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
      python: () => facts.python(),
      ts: () => facts.ts(),
      report: (r: Report) => result.diagnostics.push({
        related: [], tags: [], fixes: [], ...r,
        code: r.code,
        severity: severity && severity !== 'off' ? severity : r.severity ?? rule.meta.defaultSeverity,
      }),
    };
    options.onRule?.(rule.meta.slug);
    try {
      rule.check(context);
    } catch (error) {
      result.ruleErrors.push({ rule: rule.meta.slug, message: error instanceof Error ? error.message : String(error) });
    }
  }
  const suppressed = findSuppressions(tree, text, doc.language);
  result.diagnostics = result.diagnostics
    .filter((d) => !isSuppressed(suppressed, d, peerCodes.get(d.code)))
    .sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.column - b.range.start.column || a.code.localeCompare(b.code));
  return result;
}
