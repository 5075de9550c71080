import * as fs from 'node:fs';
import * as path from 'node:path';

function up(from: string): string | undefined {
  let dir = from;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'media'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** The repository root: the nearest folder up from here (or, for an out-of-tree build, from the cwd) holding package.json. */
export function repoRoot(): string {
  const root = up(__dirname) ?? up(process.cwd());
  if (!root) throw new Error('repository root (package.json) not found above ' + __dirname + ' or the cwd');
  return root;
}
