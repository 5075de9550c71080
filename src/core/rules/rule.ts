import type { Node, Tree } from 'web-tree-sitter';
import type { PythonSemantics } from '../python/semantics';
import type { TsSemantics } from '../ts/semantics';
import type { LineIndex } from '../text';
import type { AnalysisSettings, Diagnostic, Language, RuleMeta } from '../types';

/** What a rule reports; the core fills in severity (from settings) and defaults. */
export type Report = Omit<Diagnostic, 'severity' | 'related' | 'tags' | 'fixes'> & Partial<Pick<Diagnostic, 'related' | 'tags' | 'fixes' | 'severity'>>;

export interface RuleContext {
  readonly language: Language;
  readonly tree: Tree;
  readonly root: Node;
  readonly text: string;
  readonly lines: LineIndex;
  readonly settings: AnalysisSettings;
  /** The file's path, relative to the workspace or command line and '/'-separated; undefined for unsaved text. */
  readonly path?: string;
  /** Reads another project file by a path like `path`; undefined when the host offers none or the file is unavailable. */
  readonly readFile?: (path: string) => string | undefined;
  /** The source files of the package holding a path (from the CLI and the language server): where a function's callers may be. */
  readonly listFiles?: (near: string) => readonly string[];
  /** Name resolution for Python files, built once per analysis and shared by every rule. */
  python(): PythonSemantics;
  /** Name resolution for TS/JS files, likewise. */
  ts(): TsSemantics;
  report(diagnostic: Report): void;
}

export interface Rule {
  readonly meta: RuleMeta;
  /** Cheap test on the raw text: false means the rule cannot match, so parsing work is skipped. */
  mayMatch?(text: string, settings?: AnalysisSettings): boolean;
  check(context: RuleContext): void;
}
