// --baseline / --write-baseline: the baseline file on disk; paths in it are relative to its folder.
import * as fs from 'fs';
import * as path from 'path';
import { baselineEntries, filterBaseline, parseBaseline, serializeBaseline, type Baseline, type BaselineEntry } from '../core/baseline';
import type { Diagnostic } from '../core';
import { writeFileInside } from '../host/safeWrite';

export class BaselineError extends Error {}

export class BaselineFile {
  private constructor(readonly file: string, private readonly baseline: Baseline) {}

  static load(cwd: string, name: string): BaselineFile {
    const file = path.resolve(cwd, name);
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (error) {
      throw new BaselineError(`${name}: cannot read the baseline (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
    try {
      return new BaselineFile(file, parseBaseline(text));
    } catch (error) {
      throw new BaselineError(`${name}: not a baseline file: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  static empty(cwd: string, name: string): BaselineFile {
    return new BaselineFile(path.resolve(cwd, name), { version: 1, files: {} });
  }

  private key(sourceFile: string): string {
    return path.relative(path.dirname(this.file), sourceFile).split(path.sep).join('/');
  }

  /** The findings of `sourceFile` that the baseline does not record. */
  newFindings(sourceFile: string, text: string, diagnostics: readonly Diagnostic[]): Diagnostic[] {
    return filterBaseline(text, diagnostics, this.baseline.files[this.key(sourceFile)]);
  }

  record(sourceFile: string, text: string, diagnostics: readonly Diagnostic[]): void {
    const entries: BaselineEntry[] = baselineEntries(text, diagnostics);
    if (entries.length) this.baseline.files[this.key(sourceFile)] = entries;
  }

  /**
   * Writes the file inside `root` (the folder the command runs in; or the named file's own folder when it is
   * outside), through no symlink. Throws UnsafeWriteError (nothing written) when refused.
   */
  save(root: string): void {
    const relative = path.relative(root, this.file);
    const inside = relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
    writeFileInside(inside ? root : path.dirname(this.file), this.file, serializeBaseline(this.baseline), { mode: 0o644 });
  }
}
