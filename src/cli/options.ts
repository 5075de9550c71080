// The options of project configuration, fixing and baselines, parsed apart from main.ts's own.
import { globProblem } from '../core/config';

export class OptionError extends Error {}

export interface ProjectOptions {
  config?: string;
  exclude: string[];
  stdinFilename?: string;
  fix: boolean;
  diff: boolean;
  /** `--unsafe-fixes`: `--fix` and `--diff` also apply fixes that may change scheduling, threads or types. */
  unsafeFixes: boolean;
  baseline?: string;
  writeBaseline?: string;
  /** Settings keys given as flags (they win over the config file): 'pythonFreeThreaded'. */
  setByFlags: Set<string>;
}

export function defaultProjectOptions(): ProjectOptions {
  return { exclude: [], fix: false, diff: false, unsafeFixes: false, setByFlags: new Set() };
}

/** Takes one option if it is ours; `value()` reads its argument. */
export function parseProjectOption(name: string, value: () => string, options: ProjectOptions): boolean {
  switch (name) {
    case '--config': options.config = value(); return true;
    case '--exclude': options.exclude.push(value()); return true;
    case '--stdin-filename': options.stdinFilename = value(); return true;
    case '--fix': options.fix = true; return true;
    case '--diff': options.diff = true; return true;
    case '--unsafe-fixes': options.unsafeFixes = true; return true;
    case '--baseline': options.baseline = value(); return true;
    case '--write-baseline': options.writeBaseline = value(); return true;
    default: return false;
  }
}

export function checkProjectOptions(options: ProjectOptions & { paths: string[] }): void {
  for (const glob of options.exclude) {
    const problem = globProblem(glob);
    if (problem) throw new OptionError(`--exclude: ${problem}`);
  }
  if (options.fix && options.diff) throw new OptionError('--fix and --diff cannot be combined (--diff shows what --fix would write)');
  if (options.unsafeFixes && !options.fix && !options.diff) throw new OptionError('--unsafe-fixes goes with --fix or --diff');
  if (options.stdinFilename !== undefined && options.paths.length) throw new OptionError('--stdin-filename reads stdin: give no paths');
  if (options.baseline !== undefined && options.writeBaseline !== undefined) throw new OptionError('--baseline and --write-baseline cannot be combined');
  if (options.writeBaseline !== undefined && (options.fix || options.diff)) throw new OptionError('--write-baseline records findings: not with --fix or --diff');
}
