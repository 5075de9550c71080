// Baselines: today's findings recorded so only new ones are reported. A finding is recorded by file, rule and a
// fingerprint of the flagged code that survives lines moving: rule + flagged text + its line's text (whitespace
// collapsed) + which occurrence of that same key it is in the file. Pure: the CLI and the server both use it.
import { createHash } from 'crypto';
import { LineIndex } from './text';
import type { Diagnostic } from './types';
import { dict, dictFrom } from './dict';

export const BASELINE_VERSION = 1;

export interface BaselineEntry {
  rule: string;
  fingerprint: string;
  /** For people reading the file; not compared. */
  message?: string;
}

export interface Baseline {
  version: number;
  /** Path relative to the baseline file's folder, forward slashes → recorded findings. */
  files: Record<string, BaselineEntry[]>;
}

const collapse = (s: string): string => s.replace(/\s+/g, ' ').trim();

/** One fingerprint per diagnostic, in order. */
export function fingerprints(text: string, diagnostics: readonly Diagnostic[]): string[] {
  const lines = new LineIndex(text);
  const seen = new Map<string, number>();
  return diagnostics.map((d) => {
    const start = lines.offsetAt(d.range.start);
    const end = lines.offsetAt(d.range.end);
    const lineStart = lines.offsetAt({ line: d.range.start.line, column: 0 });
    const nextLine = text.indexOf('\n', start);
    const lineText = text.slice(lineStart, nextLine === -1 ? text.length : nextLine);
    const key = `${d.code}\u0000${collapse(text.slice(start, end))}\u0000${collapse(lineText)}`;
    const occurrence = seen.get(key) ?? 0;
    seen.set(key, occurrence + 1);
    return createHash('sha256').update(`${key}\u0000${occurrence}`).digest('hex').slice(0, 16);
  });
}

export function baselineEntries(text: string, diagnostics: readonly Diagnostic[]): BaselineEntry[] {
  const prints = fingerprints(text, diagnostics);
  return diagnostics.map((d, i) => ({ rule: d.code, fingerprint: prints[i], message: d.message }));
}

/** The diagnostics not recorded in `recorded` (the baseline's entries for this file). */
export function filterBaseline(text: string, diagnostics: readonly Diagnostic[], recorded: readonly BaselineEntry[] | undefined): Diagnostic[] {
  if (!recorded?.length) return [...diagnostics];
  const known = new Set(recorded.map((e) => `${e.rule}\u0000${e.fingerprint}`));
  const prints = fingerprints(text, diagnostics);
  return diagnostics.filter((d, i) => !known.has(`${d.code}\u0000${prints[i]}`));
}

export function serializeBaseline(baseline: Baseline): string {
  const files = dict<BaselineEntry[]>();
  for (const key of Object.keys(baseline.files).sort()) if (baseline.files[key].length) files[key] = baseline.files[key];
  return JSON.stringify({ version: BASELINE_VERSION, files }, null, 2) + '\n';
}

/** Parses a baseline file's text; throws an Error saying what is wrong. */
export function parseBaseline(text: string): Baseline {
  const raw = JSON.parse(text) as unknown;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error('not a JSON object');
  const { version, files } = raw as { version?: unknown; files?: unknown };
  if (version !== BASELINE_VERSION) throw new Error(`unsupported baseline version ${JSON.stringify(version)} (expected ${BASELINE_VERSION})`);
  if (typeof files !== 'object' || files === null || Array.isArray(files)) throw new Error('`files` must be an object');
  for (const [file, entries] of Object.entries(files)) {
    const valid = (e: unknown) => typeof e === 'object' && e !== null && typeof (e as BaselineEntry).rule === 'string' && typeof (e as BaselineEntry).fingerprint === 'string';
    if (!Array.isArray(entries) || !entries.every(valid)) {
      throw new Error(`entries of '${file}' must be a list of { rule, fingerprint }`);
    }
  }
  return { version, files: dictFrom(Object.entries(files as Record<string, BaselineEntry[]>)) };
}
