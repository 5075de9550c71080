// The core's entry points for hosts (extension, CLI, tests, bench).
import { analyzeDocument, rulesFor, type AnalysisResult, type AnalyzeOptions } from './analyze';
import { defaultLimits, ParsedDocument, type InputLimits } from './document';
import { defaultSettings, type Language } from './types';

export * from './types';
export { analyzeDocument, IncrementalAnalysis, rulesFor, TreeFacts, type AnalysisResult, type AnalyzeOptions } from './analyze';
export { ParsedDocument, defaultLimits, describeSkip, MAX_TREE_DEPTH, precheck, syntaxProblemCount, syntaxProblems, type ContentChange, type InputLimits, type SkipReason } from './document';
export { languageFamilyOfPath, languageFromId, languageFromPath, loadLanguage, setWasmDirectory } from './parser';
export { allRules, ruleBySlug } from './rules';
export { applyEdits, LineIndex } from './text';

/** Parses and analyses a text once, freeing the tree afterwards. */
export async function analyzeText(text: string, language: Language, options: AnalyzeOptions & { limits?: InputLimits } = {}): Promise<AnalysisResult> {
  // Most files cannot match any rule: skip the parse entirely (the CLI's main speed-up on large trees).
  const settings = options.settings ?? defaultSettings;
  const rules = rulesFor(language, settings, options.only);
  if (rules.every((rule) => rule.mayMatch && !rule.mayMatch(text, settings))) {
    return { language, diagnostics: [], hasSyntaxErrors: false, ruleErrors: [] };
  }
  const doc = await ParsedDocument.create(language, text, options.limits ?? defaultLimits);
  try {
    return analyzeDocument(doc, options);
  } finally {
    doc.dispose();
  }
}
