import type { AnalysisContext } from '../analysis';
import type { AnalysisSettings, Diagnostic, RuleMeta } from '../types';

/** What a rule reports; the core fills in severity (from settings) and defaults. */
export type Report = Omit<Diagnostic, 'severity' | 'related' | 'tags' | 'fixes'> & Partial<Pick<Diagnostic, 'related' | 'tags' | 'fixes' | 'severity'>>;

export interface RuleContext extends AnalysisContext {
  report(diagnostic: Report): void;
}

export interface Rule {
  readonly meta: RuleMeta;
  /** Cheap test on the raw text: false means the rule cannot match, so parsing work is skipped. */
  mayMatch?(text: string, settings?: AnalysisSettings): boolean;
  check(context: RuleContext): void;
}
