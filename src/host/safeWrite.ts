// Every file the tool writes goes through here. A repository is untrusted input: it can commit a symlink where we
// write (a cache folder, a temp file's name, a baseline, a source to fix) to make us overwrite a file of the user's.
// So a write stays inside the project root, follows no symlink on the way, and lands by an exclusive temp file
// (random name, O_EXCL) renamed over the target only when the target is a plain file.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * A write refused for safety ('refused': a symlink, outside the root) or that failed ('failed': permissions, disk);
 * nothing was written. `file` is the path asked for.
 */
export class UnsafeWriteError extends Error {
  constructor(readonly file: string, readonly reason: string, readonly kind: 'refused' | 'failed' = 'refused') {
    super(`${file}: not written: ${reason}`);
  }
}

export interface SafeWriteOptions {
  /** Mode of a new file (an existing file keeps its own). */
  mode?: number;
  /** Create missing folders between the root and the file (each one checked as it is made). */
  createFolders?: boolean;
  /** Only create the file: an existing one (or anything at its name) is left alone. Returns false then. */
  onlyIfAbsent?: boolean;
}

function lstatOrUndefined(file: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

const errorCode = (error: unknown): string => (error as NodeJS.ErrnoException).code ?? String(error);

/**
 * The folder of `target` checked (and made, when asked) component by component from `root`: each must be a real
 * folder, not a symlink. Throws UnsafeWriteError naming `shown`.
 */
function checkedFolder(root: string, target: string, shown: string, create: boolean): string {
  const relative = path.relative(root, target);
  if (!relative || relative.startsWith('..') || path.isAbsolute(relative)) {
    throw new UnsafeWriteError(shown, `it is outside the project folder ${root}`);
  }
  const parts = relative.split(path.sep);
  let folder = root;
  // One step per path component: bounded by the path's length.
  for (const part of parts.slice(0, -1)) {
    folder = path.join(folder, part);
    let stat = lstatOrUndefined(folder);
    if (!stat && create) {
      try {
        // mkdir does not follow a symlink at its last component (a dangling link makes it fail with EEXIST).
        fs.mkdirSync(folder, { mode: 0o755 });
      } catch (error) {
        if (errorCode(error) !== 'EEXIST') throw new UnsafeWriteError(shown, `cannot create the folder ${folder} (${errorCode(error)})`, 'failed');
      }
      stat = fs.lstatSync(folder, { throwIfNoEntry: false });
      if (!stat) throw new UnsafeWriteError(shown, `cannot create the folder ${folder}`, 'failed');
    }
    if (!stat) throw new UnsafeWriteError(shown, `the folder ${folder} does not exist`);
    if (stat.isSymbolicLink()) throw new UnsafeWriteError(shown, `${folder} is a symbolic link`);
    if (!stat.isDirectory()) throw new UnsafeWriteError(shown, `${folder} is not a folder`);
  }
  return folder;
}

/** A fresh name beside `file` for its temp file: random, so a repository cannot plant a link at it ahead of time. */
export function temporaryName(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${crypto.randomBytes(8).toString('hex')}.tmp`);
}

/**
 * Writes `data` to `target` (absolute, or relative to `root`), inside `root`, through no symlink. Returns false when
 * `onlyIfAbsent` found something there already; throws UnsafeWriteError (nothing written) when refused or failed.
 */
export function writeFileInside(root: string, target: string, data: string | Uint8Array, options: SafeWriteOptions = {}): boolean {
  const absoluteRoot = path.resolve(root);
  const file = path.resolve(absoluteRoot, target);
  const shown = target;
  if (options.createFolders) {
    // The root itself is the user's choice (it may be a symlink, like /tmp on macOS); only what is below it is checked.
    try {
      fs.mkdirSync(absoluteRoot, { recursive: true });
    } catch (error) {
      throw new UnsafeWriteError(shown, `cannot create the folder ${absoluteRoot} (${errorCode(error)})`, 'failed');
    }
  }
  let existing: fs.Stats | undefined;
  try {
    checkedFolder(absoluteRoot, file, shown, options.createFolders === true);
    existing = lstatOrUndefined(file);
  } catch (error) {
    if (error instanceof UnsafeWriteError) throw error;
    throw new UnsafeWriteError(shown, `cannot inspect it (${errorCode(error)})`, 'failed');
  }
  if (existing && options.onlyIfAbsent) {
    if (existing.isSymbolicLink()) throw new UnsafeWriteError(shown, 'it is a symbolic link');
    return false;
  }
  if (existing?.isSymbolicLink()) throw new UnsafeWriteError(shown, 'it is a symbolic link');
  if (existing && !existing.isFile()) throw new UnsafeWriteError(shown, 'it is not a regular file');
  if (existing) {
    // A rename would replace a file the user made read-only; writing in place would not have.
    try {
      fs.accessSync(file, fs.constants.W_OK);
    } catch (error) {
      throw new UnsafeWriteError(shown, `it is not writable (${errorCode(error)})`, 'failed');
    }
  }
  const mode = existing ? existing.mode & 0o7777 : options.mode ?? 0o644;
  const temp = temporaryName(file);
  let fd: number | undefined;
  try {
    // 'wx': O_CREAT | O_EXCL, which never follows a symlink and fails on any existing name.
    fd = fs.openSync(temp, 'wx', 0o600);
    fs.writeFileSync(fd, data);
    fs.fchmodSync(fd, mode);
    fs.closeSync(fd);
    fd = undefined;
    // The target is checked again just before the rename: rename would replace a symlink put there meanwhile.
    const now = lstatOrUndefined(file);
    if (now?.isSymbolicLink()) throw new UnsafeWriteError(shown, 'it is a symbolic link');
    if (options.onlyIfAbsent && now) return false;
    fs.renameSync(temp, file);
    return true;
  } catch (error) {
    if (fd !== undefined) fs.closeSync(fd);
    try {
      fs.unlinkSync(temp);
    } catch {
      // Never created, or already renamed.
    }
    if (error instanceof UnsafeWriteError) throw error;
    throw new UnsafeWriteError(shown, `cannot write it (${errorCode(error)})`, 'failed');
  }
}

/** Whether `file` (inside `root`) can be read without following a symlink: every component a real folder or file. */
export function plainFileInside(root: string, file: string): boolean {
  try {
    checkedFolder(path.resolve(root), path.resolve(root, file), file, false);
    return lstatOrUndefined(path.resolve(root, file))?.isFile() === true;
  } catch {
    return false;
  }
}
