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

/** The package's source files as paths relative to `root` ('/'-separated), listed once per folder in `listed`. */
export function packageFiles(root: string, near: string, listed: Map<string, readonly string[]>): readonly string[] {
  const dir = packageDir(root, near);
  let files = listed.get(dir);
  if (!files) {
    // The CLI's walker: dependency folders, virtual environments and .gitignore'd paths are skipped.
    files = collectFiles([dir], [], MAX_LISTED).map((file) => path.relative(root, file).split(path.sep).join('/'));
    listed.set(dir, files);
  }
  return files;
}
