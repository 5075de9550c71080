// What every layer above the language one reads about the file under analysis: its tree, text, settings, where it sits
// in the project and its name resolution. Rules add `report` (rules/rule.ts); effects and context only read.
import type { Node, Tree } from 'web-tree-sitter';
import { PythonSemantics } from './python/semantics';
import { TsSemantics } from './ts/semantics';
import type { LineIndex } from './text';
import type { AnalysisSettings, Language } from './types';

export interface AnalysisContext {
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
  /**
   * When set, only these functions are analysed (an edit's incremental analysis): rules start their searches from code
   * inside them and report only there; what they read elsewhere is read as usual.
   */
  readonly scope?: readonly Node[];
  /** Name resolution for Python files, built once per analysis and shared by every rule. */
  python(): PythonSemantics;
  /** Name resolution for TS/JS files, likewise. */
  ts(): TsSemantics;
}

/** Whether the offset `index` lies in the analysis's scope (always, without one). */
export function inScope(context: Pick<AnalysisContext, 'scope'>, index: number): boolean {
  return !context.scope || context.scope.some((fn) => fn.startIndex <= index && index < fn.endIndex);
}

/** Lazily built per-tree facts, shared between rules and later features (hovers, visualiser). */
export class TreeFacts {
  private pythonSemantics: PythonSemantics | undefined;
  private tsSemantics: TsSemantics | undefined;
  constructor(readonly tree: Tree) {}
  python(): PythonSemantics {
    this.pythonSemantics ??= new PythonSemantics(this.tree);
    return this.pythonSemantics;
  }
  ts(): TsSemantics {
    this.tsSemantics ??= new TsSemantics(this.tree);
    return this.tsSemantics;
  }
}
