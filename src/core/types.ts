// The analysis core's public data shapes. Nothing here (or anywhere under src/core)
// may import `vscode`: the same core runs in the extension, the CLI and the tests.

export type Language = 'python' | 'typescript' | 'tsx' | 'javascript';

export type Severity = 'error' | 'warning' | 'information' | 'hint';

/** 0-based line, 0-based column in UTF-16 code units (what VS Code and web-tree-sitter use). */
export interface Position {
  line: number;
  column: number;
}

export interface Range {
  start: Position;
  end: Position;
}

export interface TextEdit {
  range: Range;
  newText: string;
}

/**
 * As Ruff has it: `safe` keeps what the program does and only removes the blocking (`time.sleep` → `await asyncio.sleep`);
 * `unsafe` may change scheduling, ordering, the thread that runs the code, or types. Fix-all and `--fix` apply only safe fixes.
 */
export type FixApplicability = 'safe' | 'unsafe';

export interface Fix {
  title: string;
  edits: TextEdit[];
  /** The safest fix of a diagnostic; at most one per diagnostic. */
  preferred?: boolean;
  applicability: FixApplicability;
}

/** The fix that fix-all (and `--fix`) applies to a diagnostic: its preferred one, when its applicability is allowed. */
export function fixToApply(diagnostic: Pick<Diagnostic, 'fixes'>, unsafe = false): Fix | undefined {
  const fix = diagnostic.fixes.find((f) => f.preferred);
  return fix && (unsafe || fix.applicability === 'safe') ? fix : undefined;
}

export interface RelatedLocation {
  range: Range;
  message: string;
  /** The file the range is in, a path like the analysed file's (project-relative, '/'-separated); absent: the analysed file. */
  path?: string;
}

export type DiagnosticTag = 'deprecated' | 'unnecessary';

export interface Diagnostic {
  /** The rule's slug; stable, and the name of its page under docs/rules/. */
  code: string;
  severity: Severity;
  /** One sentence, at most MESSAGE_LIMIT characters before its locations (see message.ts). */
  message: string;
  /** What the message had no room for: the explanation and the advice (the hover's "More", the CLI's JSON). */
  detail?: string;
  range: Range;
  related: RelatedLocation[];
  tags: DiagnosticTag[];
  fixes: Fix[];
}

export interface RuleDocs {
  /** One line: what the rule flags. */
  summary: string;
  /** Markdown: what exactly it flags (and what not). */
  what: string;
  /** Markdown: why it is wrong. */
  why: string;
  /** Code that triggers it. */
  example: string;
  /** The same code written correctly. */
  instead: string;
  /** Extra sections (e.g. the API catalogue of a rule), markdown, optional. */
  notes?: string;
}

export interface RuleMeta {
  slug: string;
  languages: readonly Language[];
  defaultSeverity: Severity;
  docs: RuleDocs;
  /**
   * Codes of peer linters (Ruff, flake8-async) for the same finding: in Python, `# noqa: CODE` with one of them, or a bare
   * `# noqa`, also silences this rule on that line (`# ruff: noqa[: CODE]` for the file), as Ruff users expect.
   */
  peerCodes?: readonly string[];
}

/** User settings the rules may read (mirrors the extension's configuration). */
export interface AnalysisSettings {
  /** The Python interpreter is free-threaded (3.13t/3.14t): threads run Python code in parallel. */
  pythonFreeThreaded: boolean;
  /** Per-rule severity override, or 'off'. */
  ruleSeverity: Record<string, Severity | 'off'>;
  /** How many calls deep blocking-call-in-async follows the project's own functions (0: not at all); default 5. */
  followCallsMaxDepth?: number;
  /** The project's own blocking functions (config `blocking.extra`): Python `pkg.mod.f`, TS/JS `module#export`. */
  blockingExtra?: BlockingName[];
  /** Names never treated as blocking (config `blocking.allow`), same spelling. */
  blockingAllow?: string[];
  /** Oldest Python the project supports, "3.8".."3.14" (config `python.target-version`): fixes needing newer are not offered. */
  pythonTargetVersion?: string;
  /**
   * What a finding in a cold function (a script, a sequential `main`, a test, a one-shot build hook: little else is waiting)
   * becomes: `hint` (default) or `off` (not reported).
   */
  coldSeverity?: 'hint' | 'off';
}

export interface BlockingName {
  name: string;
  /** Shown instead of the generic advice. */
  message?: string;
}

export const defaultSettings: AnalysisSettings = {
  pythonFreeThreaded: false,
  ruleSeverity: {},
};

export function rangeContains(outer: Range, p: Position): boolean {
  return comparePositions(outer.start, p) <= 0 && comparePositions(p, outer.end) <= 0;
}

export function comparePositions(a: Position, b: Position): number {
  return a.line !== b.line ? a.line - b.line : a.column - b.column;
}
