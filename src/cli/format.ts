import { allRules, type Diagnostic, type Language, type Range, type Severity } from '../core';
import { ruleDocsUrl } from '../core/docs';

export interface FileReport {
  path: string;
  language: Language;
  diagnostics: Diagnostic[];
}

/** A file the run could not check fully (a rule that threw, an analysis that overran or failed, an unreadable file). */
export interface RunProblem {
  path: string;
  message: string;
}

/**
 * Text from the repository (file names, source text in messages) as one safe line of a terminal or CI log: control
 * characters (ANSI/OSC escapes, CR, LF), C1 controls, line separators and bidirectional overrides are written as
 * escapes, so nothing it contains can move the cursor, recolour the terminal or start a new line.
 */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16)}`;
  });
}

/**
 * JSON text with the characters JSON.stringify leaves raw but a terminal may act on (DEL, C1 controls such as CSI,
 * line separators, bidirectional overrides) written as `\\u` escapes: the same JSON value, safe to print.
 */
function jsonText(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(/[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A path as the start of an output line: printable, and never read as a GitHub Actions command (`::error ...`). */
export function printablePath(path: string): string {
  const safe = printable(path);
  return /^\s*::/.test(safe) ? `./${safe.trimStart()}` : safe;
}

/** The JSON format's ranges are 1-based in lines and columns (columns count UTF-16 code units). */
function oneBased(range: Range) {
  return {
    start: { line: range.start.line + 1, column: range.start.column + 1 },
    end: { line: range.end.line + 1, column: range.end.column + 1 },
  };
}

export function formatText(reports: FileReport[]): string {
  let out = '';
  for (const report of reports) {
    for (const d of report.diagnostics) {
      out += `${printablePath(report.path)}:${d.range.start.line + 1}:${d.range.start.column + 1}: ${d.severity} ${d.code} ${printable(d.message)}\n`;
    }
  }
  return out;
}

/**
 * Fixed shape (version 1) that other tools may rely on. `errors`, only when there are any: files not fully checked
 * (the exit status is then 2).
 */
export function formatJson(reports: FileReport[], problems: readonly RunProblem[] = []): string {
  return jsonText({
    version: 1,
    files: reports.map((r) => ({
      path: r.path,
      language: r.language,
      diagnostics: r.diagnostics.map((d) => ({
        code: d.code,
        severity: d.severity,
        message: d.message,
        ...(d.detail ? { detail: d.detail } : {}),
        range: oneBased(d.range),
        fixes: d.fixes.map((f) => ({ title: f.title, applicability: f.applicability, edits: f.edits.map((e) => ({ range: oneBased(e.range), newText: e.newText })) })),
      })),
    })),
    ...(problems.length ? { errors: problems.map((p) => ({ path: p.path, message: p.message })) } : {}),
  });
}

const sarifLevel: Record<Severity, string> = { error: 'error', warning: 'warning', information: 'note', hint: 'note' };

function region(range: Range) {
  const r = oneBased(range);
  return { startLine: r.start.line, startColumn: r.start.column, endLine: r.end.line, endColumn: r.end.column };
}

/** SARIF 2.1.0, as GitHub code scanning accepts it. */
export function formatSarif(reports: FileReport[], version: string, problems: readonly RunProblem[] = []): string {
  const rules = allRules.map((rule) => ({
    id: rule.meta.slug,
    name: rule.meta.slug,
    shortDescription: { text: rule.meta.docs.summary },
    fullDescription: { text: rule.meta.docs.why.replace(/\s+/g, ' ') },
    helpUri: ruleDocsUrl(rule.meta.slug),
    defaultConfiguration: { level: sarifLevel[rule.meta.defaultSeverity] },
  }));
  const results = reports.flatMap((report) => report.diagnostics.map((d) => ({
    ruleId: d.code,
    ruleIndex: rules.findIndex((r) => r.id === d.code),
    level: sarifLevel[d.severity],
    message: { text: d.message },
    locations: [{ physicalLocation: { artifactLocation: { uri: report.path }, region: region(d.range) } }],
    relatedLocations: d.related.map((rel, id) => ({
      id,
      message: { text: rel.message },
      // A hop in another file: its path is relative to where the command ran, as report.path is.
      physicalLocation: { artifactLocation: { uri: rel.path ?? report.path }, region: region(rel.range) },
    })),
    fixes: d.fixes.map((f) => ({
      description: { text: f.title },
      artifactChanges: [{
        artifactLocation: { uri: report.path },
        replacements: f.edits.map((e) => ({ deletedRegion: region(e.range), insertedContent: { text: e.newText } })),
      }],
    })),
  })));
  return jsonText({
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{
      tool: { driver: { name: 'Concurrency Lens', version, informationUri: ruleDocsUrl(''), rules } },
      // Files not fully checked: the run did not succeed, and says where.
      invocations: [{
        executionSuccessful: problems.length === 0,
        toolExecutionNotifications: problems.map((p) => ({
          level: 'error',
          message: { text: p.message },
          ...(p.path ? { locations: [{ physicalLocation: { artifactLocation: { uri: p.path } } }] } : {}),
        })),
      }],
      results,
    }],
  });
}
