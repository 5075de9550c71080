// The persistent cache of other files' summaries (following calls): the CLI's `.concurrency-lens-cache/` in the folder
// the command runs from, the language server's in the editor's storage for the workspace. A stale entry cannot mislead: each key holds the file's path, its content's hash and the
// settings it depends on. The cache is an optimisation only: unreadable or corrupt means empty, never an error.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { StoredSummary } from '../core/project/packed';
import type { FileUnits } from '../core/context/graph';
import { plainFileInside, UnsafeWriteError, writeFileInside } from './safeWrite';
import { dict, dictFrom } from '../core/dict';

export const CACHE_DIR = '.concurrency-lens-cache';
const FILE = 'summaries.json';
/** Bumped when summaries or the call graph's units change shape; with the release, it names what wrote the file. */
const FORMAT = 14;

interface CacheFile {
  version: string;
  summaries: Record<string, StoredSummary>;
  /** The call graph's units of files, by the key of the summary each was made with (the CLI's). */
  units?: Record<string, FileUnits>;
  /** Files' results and what they depend on (the CLI's; checked by its reader, src/cli/resultCache.ts). */
  results?: unknown;
}

/** What a cache file written by `release` says it is. */
export function cacheStamp(release: string): string {
  return `${release}/${FORMAT}`;
}

/**
 * The summaries in the cache folder `dir`, when it holds a well-formed file of this release. `root` is the folder
 * the cache belongs to: a cache reached through a symlink below it is not read.
 */
export function loadCache(dir: string, release: string, root = dir): Record<string, StoredSummary> | undefined {
  return loadCacheFile(dir, release, root)?.summaries;
}

/** The summaries and the call graph's units in the cache folder `dir` (see loadCache). */
export function loadCacheFile(dir: string, release: string, root = dir): { summaries: Record<string, StoredSummary>; units?: Record<string, FileUnits>; results?: unknown } | undefined {
  try {
    if (!plainFileInside(root, path.join(dir, FILE))) return undefined;
    const parsed = JSON.parse(fs.readFileSync(path.join(dir, FILE), 'utf8')) as Partial<CacheFile>;
    if (parsed.version !== cacheStamp(release) || !parsed.summaries || typeof parsed.summaries !== 'object') return undefined;
    const units = parsed.units && typeof parsed.units === 'object' ? parsed.units : undefined;
    return { summaries: parsed.summaries, ...(units ? { units } : {}), ...(parsed.results !== undefined ? { results: parsed.results } : {}) };
  } catch {
    return undefined;
  }
}

/** The units to keep: this run's, then the loaded ones, each only with its summary kept beside it. */
export function mergeUnits(loaded: Record<string, FileUnits> | undefined, used: Record<string, FileUnits>, summaries: Record<string, StoredSummary>): Record<string, FileUnits> {
  const merged = dict<FileUnits>();
  for (const [key, found] of [...Object.entries(used), ...Object.entries(loaded ?? {})]) {
    if (Object.hasOwn(summaries, key) && !Object.hasOwn(merged, key)) merged[key] = found;
  }
  return merged;
}

/** Most entries kept: about as many files as the in-memory cache holds. */
const MAX_ENTRIES = 20_000;

/**
 * What to keep: every summary this run used, and the loaded ones of files this run did not look at (a run over a
 * few files keeps what a whole-project run learnt). A file's older versions go.
 */
export function mergeCache(loaded: Record<string, StoredSummary> | undefined, used: Record<string, StoredSummary>): Record<string, StoredSummary> {
  const pathOf = (key: string) => key.slice(0, key.indexOf('\n'));
  const seen = new Set(Object.keys(used).map(pathOf));
  const merged = dictFrom(Object.entries(used));
  let count = Object.keys(merged).length;
  for (const [key, summary] of Object.entries(loaded ?? {})) {
    if (count >= MAX_ENTRIES) break;
    if (seen.has(pathOf(key)) || Object.hasOwn(merged, key)) continue;
    merged[key] = summary;
    count++;
  }
  return merged;
}

/**
 * Writes the cache atomically (an exclusive temp file renamed over the old one), with a .gitignore so it is never
 * committed, inside `root` and through no symlink (see safeWrite). A cache that cannot be written (a read-only
 * checkout) is skipped silently: the next run computes the summaries again. One refused for safety (a symlinked
 * folder or file: a repository can commit those) is returned, for the caller to report; nothing is written then.
 */
export function saveCache(dir: string, release: string, summaries: Record<string, StoredSummary>, root = dir, units?: Record<string, FileUnits>, results?: unknown): UnsafeWriteError | undefined {
  try {
    writeFileInside(root, path.join(dir, '.gitignore'), '# Written by concurrency-lens: a cache, safe to delete.\n*\n', { createFolders: true, onlyIfAbsent: true });
    writeFileInside(root, path.join(dir, FILE), JSON.stringify({ version: cacheStamp(release), summaries, ...(units ? { units } : {}), ...(results !== undefined ? { results } : {}) } satisfies CacheFile), { mode: 0o600 });
    return undefined;
  } catch (error) {
    if (error instanceof UnsafeWriteError && error.kind === 'refused') return error;
    return undefined;
  }
}
