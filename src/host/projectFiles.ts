// Reading a project's files as the analysis sees them: only what really sits inside the project root, never through a
// symlink that leads out of it. The worker reads modules this way; the CLI's cache of results checks them the same way.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The file's text when it really is inside the project (through symlinks too: `lib -> /` is not followed out). */
export function readInside(realRoot: string | undefined, absolute: string): string | undefined {
  try {
    const real = fs.realpathSync.native(absolute);
    return realRoot !== undefined && within(realRoot, real) ? fs.readFileSync(real, 'utf8') : undefined;
  } catch {
    return undefined;
  }
}

/** Whether `file` is `root` or below it (both absolute and normalised). */
export function within(root: string, file: string): boolean {
  const relative = path.relative(root, file);
  return relative === '' || (relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative));
}

const realRoots = new Map<string, string | undefined>();
/** The project root with its own symlinks resolved (a checkout may itself sit behind one), once per root. */
export function realRootOf(root: string): string | undefined {
  if (!realRoots.has(root)) {
    let real: string | undefined;
    try {
      real = fs.realpathSync.native(root);
    } catch {
      real = undefined;
    }
    if (realRoots.size > 64) realRoots.clear();
    realRoots.set(root, real);
  }
  return realRoots.get(root);
}

/** The text of `relative` ('/'-separated, below `root`) as the worker's reader gives it: undefined when absent or outside. */
export function projectFileText(root: string, relative: string): string | undefined {
  const absolute = path.resolve(root, relative);
  return within(root, absolute) ? readInside(realRootOf(root), absolute) : undefined;
}
