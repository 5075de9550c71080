import * as fs from 'fs';
import * as path from 'path';
import ignore, { type Ignore } from 'ignore';
import { languageFromPath } from '../core/parser';
import { CACHE_DIR } from '../host/summaryCache';

export interface WalkProblem {
  path: string;
  message: string;
}

// Folders that hold installed or generated code, never the user's own: dependencies, caches, virtual envs, and build
// output (`dist` as Ruff excludes it by default, and the JS frameworks' output folders).
const SKIPPED_DIRS = new Set([
  'node_modules', CACHE_DIR, '.git', '.hg', '.svn', '__pycache__', '.venv', 'venv', '.tox', '.nox', '.mypy_cache', '.pytest_cache',
  '.ruff_cache', 'site-packages', 'dist', '_build', 'buck-out', '.next', '.nuxt', '.svelte-kit', '.output', '.turbo',
]);
/** Minified bundles (`jquery.min.js`): a build's output or a vendored library, never the user's own code. */
const MINIFIED = /\.min\.[cm]?js$/i;

interface IgnoreLayer {
  base: string;
  rules: Ignore;
}

function ignoredBy(layers: IgnoreLayer[], file: string, isDir: boolean): boolean {
  for (const layer of layers) {
    const relative = path.relative(layer.base, file).split(path.sep).join('/');
    if (!relative || relative.startsWith('..')) continue;
    if (layer.rules.ignores(isDir ? `${relative}/` : relative)) return true;
  }
  return false;
}

function readGitignore(dir: string): IgnoreLayer | undefined {
  const file = path.join(dir, '.gitignore');
  try {
    return { base: dir, rules: ignore().add(fs.readFileSync(file, 'utf8')) };
  } catch {
    return undefined;
  }
}

/**
 * Source files under the given paths, in a stable order. Named files are always taken;
 * folders are walked, skipping dependency and build-output folders, virtual envs (a `pyvenv.cfg` marks one), minified
 * bundles and `.gitignore`d paths below them; a named folder itself is always walked, even inside `node_modules` (some
 * projects keep their source there).
 * The walk stops once it has `limit` files.
 */
export function collectFiles(paths: string[], problems: WalkProblem[], limit = Infinity): string[] {
  const files: string[] = [];
  for (const start of paths) {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(start);
    } catch {
      problems.push({ path: start, message: 'no such file or directory' });
      continue;
    }
    if (stat.isFile()) {
      if (languageFromPath(start)) files.push(start);
      else problems.push({ path: start, message: 'not a Python, TypeScript or JavaScript file' });
      continue;
    }
    walk(start, [], files, problems, 0, limit);
  }
  return [...new Set(files)];
}

function walk(dir: string, layers: IgnoreLayer[], files: string[], problems: WalkProblem[], depth: number, limit: number): void {
  if (depth > 64 || files.length >= limit) return;
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch (error) {
    problems.push({ path: dir, message: `cannot read folder (${(error as NodeJS.ErrnoException).code})` });
    return;
  }
  if (entries.some((e) => e.name === 'pyvenv.cfg')) return;
  const own = readGitignore(dir);
  const active = own ? [...layers, own] : layers;
  entries.sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (SKIPPED_DIRS.has(entry.name) || ignoredBy(active, full, true)) continue;
      walk(full, active, files, problems, depth + 1, limit);
    } else if (entry.isFile() && languageFromPath(entry.name) && !MINIFIED.test(entry.name) && !ignoredBy(active, full, false)) {
      files.push(full);
    }
    if (files.length >= limit) return;
  }
}
