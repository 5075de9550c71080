import * as fs from 'node:fs';
import * as path from 'node:path';

/** The repository's root, found from the compiled bench script's folder (out/bench/ or bench/). */
export function findRepoRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'bench', 'peers', 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('bench/peers not found');
    dir = parent;
  }
  return dir;
}
