// The CLI's cache of results: a file's findings are reused when nothing they depend on changed: its text, its settings,
// every project file its analysis read (found or not: a module created since changes where an import leads) and the
// files of each package its call graph listed. A run over an unchanged tree analyses nothing; an edit re-analyses the
// files whose results read the edited one (for the call graph: every file of its package). Stored beside the summaries.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AnalysisResult, AnalysisSettings, Diagnostic, Language, Position, Range } from '../core';
import { dict, dictFrom } from '../core/dict';
import { packageFiles } from '../host/packageFiles';
import { projectFileText, within } from '../host/projectFiles';
import type { Dependencies } from '../host/protocol';

/** One file's reusable result. `reads` and `lists` index the cache's `files` and `listings` tables. */
export interface StoredResult {
  key: string;
  reads: number[];
  lists: { near: string; listing: number }[];
  language: Language;
  diagnostics: Diagnostic[];
  hasSyntaxErrors: boolean;
}

/** What the cache file keeps: paths with their contents' hashes (null: absent) and listings, shared by the results. */
export interface StoredResults {
  files: [string, string | null][];
  /** Each listing: its files (indexes into `files`). */
  listings: number[][];
  results: Record<string, StoredResult>;
}

/** Results kept at most (as many files as the summaries). */
const MAX_RESULTS = 20_000;

const hash = (text: string): string => createHash('sha256').update(text).digest('base64');

const isPosition = (p: unknown): boolean => typeof p === 'object' && p !== null && Number.isInteger((p as Position).line) && Number.isInteger((p as Position).column);
const isRange = (r: unknown): boolean => typeof r === 'object' && r !== null && isPosition((r as Range).start) && isPosition((r as Range).end);
const SEVERITIES = new Set(['error', 'warning', 'information', 'hint']);
const TAGS = new Set(['deprecated', 'unnecessary']);
const LANGUAGES = new Set<unknown>(['python', 'typescript', 'tsx', 'javascript'] satisfies Language[]);

/** A stored finding the formatters can print (a damaged cache file is no entry, never a crash). */
function wellFormed(d: Diagnostic): boolean {
  return typeof d === 'object' && d !== null && typeof d.code === 'string' && SEVERITIES.has(d.severity) && typeof d.message === 'string'
    && (d.detail === undefined || typeof d.detail === 'string') && isRange(d.range)
    && Array.isArray(d.related) && d.related.every((r) => isRange(r?.range) && typeof r.message === 'string' && (r.path === undefined || typeof r.path === 'string'))
    && Array.isArray(d.tags) && d.tags.every((t) => TAGS.has(t))
    && Array.isArray(d.fixes) && d.fixes.every((f) => typeof f?.title === 'string' && (f.applicability === 'safe' || f.applicability === 'unsafe')
      && Array.isArray(f.edits) && f.edits.every((e) => isRange(e?.range) && typeof e.newText === 'string'));
}

export class ResultCache {
  private readonly contents = new Map<string, string | null>();
  /** The content hashes the stored results were made with (one table: they were saved by one run). */
  private recorded = new Map<string, string | null>();
  private readonly listed = new Map<string, readonly string[]>();
  private readonly fresh = dict<{ key: string; result: AnalysisResult; dependencies: Dependencies }>();
  private readonly loaded: Record<string, { key: string; reads: string[]; lists: { near: string; files: string[] }[]; result: StoredResult }>;

  /** `stored`: what an earlier run saved (checked here: anything malformed is no entry). */
  constructor(private readonly root: string, stored: unknown) {
    this.loaded = dict();
    try {
      const s = stored as StoredResults;
      if (!s || !Array.isArray(s.files) || !Array.isArray(s.listings) || typeof s.results !== 'object' || !s.results) return;
      const pathAt = (i: number): string => {
        const entry = s.files[i];
        if (!Array.isArray(entry) || typeof entry[0] !== 'string') throw new Error('bad index');
        return entry[0];
      };
      for (const [shown, r] of Object.entries(s.results)) {
        if (typeof r?.key !== 'string' || !Array.isArray(r.reads) || !Array.isArray(r.lists) || !Array.isArray(r.diagnostics) || !r.diagnostics.every(wellFormed)
          || typeof r.hasSyntaxErrors !== 'boolean' || !LANGUAGES.has(r.language)) continue;
        const lists = r.lists.map((l) => {
          const listing = s.listings[l.listing];
          // A listing is of a package inside the project: a stored path that leads out of it is no entry's.
          if (typeof l.near !== 'string' || !within(root, path.resolve(root, l.near)) || !Array.isArray(listing)) throw new Error('bad listing');
          return { near: l.near, files: listing.map(pathAt) };
        });
        this.loaded[shown] = { key: r.key, reads: r.reads.map(pathAt), lists, result: r };
      }
      this.recorded = new Map(s.files.filter((f) => Array.isArray(f) && typeof f[0] === 'string' && (typeof f[1] === 'string' || f[1] === null)));
    } catch {
      this.loaded = dict();
    }
  }

  /** The key of a file's analysis: its path, language, text, settings and rules, and the build that analyses. */
  static key(build: string, shown: string, language: Language, text: string, settings: AnalysisSettings, only: readonly string[] | undefined): string {
    return hash(JSON.stringify([build, shown, language, settings, only ?? null, hash(text)]));
  }

  /**
   * What analyses: the release and the scripts' own content (the bundle's CLI and worker), so that another build of the
   * same release never reuses this one's results.
   */
  static build(release: string, scripts: readonly string[]): string {
    const parts = scripts.map((script) => {
      try {
        return hash(fs.readFileSync(script, 'utf8'));
      } catch {
        return 'unreadable';
      }
    });
    return hash(JSON.stringify([release, ...parts]));
  }

  /** The stored result of `shown` under `key`, when every file and listing it depends on is as it was. */
  lookup(shown: string, key: string): AnalysisResult | undefined {
    const entry = this.loaded[shown];
    if (!entry || entry.key !== key) return undefined;
    const same = (file: string) => this.recorded.has(file) && this.recorded.get(file) === this.contentOf(file);
    // Bounded by the entry's recorded reads and listings.
    for (const { near, files } of entry.lists) {
      const now = packageFiles(this.root, near, this.listed);
      if (now.length !== files.length || now.some((f, i) => f !== files[i]) || !files.every(same)) return undefined;
    }
    if (!entry.reads.every(same)) return undefined;
    this.fresh[shown] = { key, result: { language: entry.result.language, diagnostics: entry.result.diagnostics, hasSyntaxErrors: entry.result.hasSyntaxErrors, ruleErrors: [] }, dependencies: { reads: entry.reads, listings: dictFrom(entry.lists.map((l) => [l.near, l.files])) } };
    return this.fresh[shown].result;
  }

  /** Keeps a result this run computed: only a complete one (no rule failed, nothing skipped). */
  record(shown: string, key: string, result: AnalysisResult, dependencies: Dependencies | undefined): void {
    if (!dependencies || result.skipped || result.ruleErrors.length) return;
    this.fresh[shown] = { key, result, dependencies };
  }

  /** This run's results (computed or reused), with the hashes of what they read as the files are now. */
  toStore(): StoredResults {
    const files: [string, string | null][] = [];
    const fileIndex = new Map<string, number>();
    const indexOf = (file: string): number => {
      let i = fileIndex.get(file);
      if (i === undefined) {
        i = files.length;
        files.push([file, this.contentOf(file)]);
        fileIndex.set(file, i);
      }
      return i;
    };
    const listings: number[][] = [];
    const listingIndex = new Map<string, number>();
    const results = dict<StoredResult>();
    for (const [shown, { key, result, dependencies }] of Object.entries(this.fresh).slice(0, MAX_RESULTS)) {
      const lists = Object.entries(dependencies.listings).map(([near, listed]) => {
        const id = listed.join('\n');
        let listing = listingIndex.get(id);
        if (listing === undefined) {
          listing = listings.length;
          listings.push(listed.map(indexOf));
          listingIndex.set(id, listing);
        }
        return { near, listing };
      });
      results[shown] = { key, reads: dependencies.reads.map(indexOf), lists, language: result.language, diagnostics: result.diagnostics, hasSyntaxErrors: result.hasSyntaxErrors };
    }
    return { files, listings, results };
  }

  /** A project file's content hash as the analysis would read it (null: absent or outside the project), once per run. */
  private contentOf(file: string): string | null {
    let known = this.contents.get(file);
    if (known === undefined) {
      const text = projectFileText(this.root, file);
      known = text === undefined ? null : hash(text);
      this.contents.set(file, known);
    }
    return known;
  }
}
