// The source files of the package holding a file: what the call graph reads. The worker lists them for its analyses;
// the CLI lists the same ones to share the graph's work among its workers.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { collectFiles } from '../cli/walk';

/** Files listed per package at most. */
const MAX_LISTED = 5_000;
/** Folders walked up from a file to its package's root at most. */
const MAX_UP = 12;
const PACKAGE_MANIFESTS = ['package.json', 'pyproject.toml', 'setup.py', 'setup.cfg'];

/** The folder of the package holding `near` (relative to `root`): the nearest with a manifest, never above `root`. */
export function packageDir(root: string, near: string): string {
  let dir = path.dirname(path.resolve(root, near));
  for (let up = 0; up < MAX_UP && dir.startsWith(root) && dir !== root; up++) {
    if (PACKAGE_MANIFESTS.some((m) => fs.existsSync(path.join(dir, m)))) break;
    dir = path.dirname(dir);
  }
  return dir;
}

/** Folders and file names of test suites. */
const TEST_FOLDERS = new Set(['test', 'tests', '__tests__', 'spec']);
const TEST_FILE = /^(test_.*\.py|.*_test\.py|conftest\.py|.*\.(test|spec)\.[cm]?[jt]sx?)$/;

/**
 * A test suite's file, by where it sits. The call graph leaves these out: a test's calls never make a function hot (what
 * a test gathers runs beside that test only) and, for a public function, never cold either, so reading them (often as
 * much code as the package) bought nothing but time. A checked test file still reads the package.
 */
export function isTestSuitePath(relative: string): boolean {
  const segments = relative.split('/');
  return TEST_FILE.test(segments[segments.length - 1]) || segments.slice(0, -1).some((s) => TEST_FOLDERS.has(s));
}

/** The package's source files as paths relative to `root` ('/'-separated), test suites left out, listed once per folder in `listed`. */
export function packageFiles(root: string, near: string, listed: Map<string, readonly string[]>): readonly string[] {
  const dir = packageDir(root, near);
  let files = listed.get(dir);
  if (!files) {
    // The CLI's walker: dependency folders, virtual environments and .gitignore'd paths are skipped.
    files = collectFiles([dir], [], MAX_LISTED).map((file) => path.relative(root, file).split(path.sep).join('/')).filter((file) => !isTestSuitePath(file));
    listed.set(dir, files);
  }
  return files;
}
