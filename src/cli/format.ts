import { allRules, type Diagnostic, type Language, type Range, type Severity } from '../core';
import { ruleDocsUrl } from '../core/docs';

export interface FileReport {
  path: string;
  language: Language;
  diagnostics: Diagnostic[];
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
      out += `${report.path}:${d.range.start.line + 1}:${d.range.start.column + 1}: ${d.severity} ${d.code} ${d.message}\n`;
    }
  }
  return out;
}

/** Fixed shape (version 1) that other tools may rely on. */
export function formatJson(reports: FileReport[]): string {
  return JSON.stringify({
    version: 1,
    files: reports.map((r) => ({
      path: r.path,
      language: r.language,
      diagnostics: r.diagnostics.map((d) => ({
        code: d.code,
        severity: d.severity,
        message: d.message,
        range: oneBased(d.range),
        fixes: d.fixes.map((f) => ({ title: f.title, applicability: f.applicability, edits: f.edits.map((e) => ({ range: oneBased(e.range), newText: e.newText })) })),
      })),
    })),
  }, null, 2);
}

const sarifLevel: Record<Severity, string> = { error: 'error', warning: 'warning', information: 'note', hint: 'note' };

function region(range: Range) {
  const r = oneBased(range);
  return { startLine: r.start.line, startColumn: r.start.column, endLine: r.end.line, endColumn: r.end.column };
}

/** SARIF 2.1.0, as GitHub code scanning accepts it. */
export function formatSarif(reports: FileReport[], version: string): string {
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
  return JSON.stringify({
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{
      tool: { driver: { name: 'Concurrency Lens', version, informationUri: ruleDocsUrl(''), rules } },
      results,
    }],
  }, null, 2);
}
