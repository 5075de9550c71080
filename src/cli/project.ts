// The CLI's view of project configuration: the nearest config file per analysed file (or --config for all),
// --exclude globs, and the settings each file is analysed with.
import * as fs from 'fs';
import * as path from 'path';
import {
  effectiveSettings, formatConfigError, isExcluded, loadConfigForFile, matchesGlob, parseConfig,
  type ConfigError, type ConfigLoad, type ProjectConfig,
} from '../core/config';
import type { AnalysisSettings } from '../core';

const readFile = (p: string): string | undefined => {
  try {
    return fs.readFileSync(p, 'utf8');
  } catch {
    return undefined;
  }
};

export class ProjectConfigs {
  private readonly explicit: ConfigLoad | undefined;
  private readonly errors = new Map<string, ConfigError[]>();

  /** `configPath`: --config, used for every file; otherwise each file's nearest config file. */
  constructor(private readonly cwd: string, configPath: string | undefined, private readonly excludeGlobs: readonly string[]) {
    if (configPath === undefined) return;
    const file = path.resolve(cwd, configPath);
    const text = readFile(file);
    if (text === undefined) {
      this.explicit = { errors: [{ file, message: 'cannot read the --config file' }] };
    } else {
      const load = parseConfig(file, text);
      this.explicit = load.config || load.errors.length ? load : { errors: [{ file, message: 'has no [tool.concurrency-lens] table' }] };
    }
    this.note(this.explicit);
  }

  private note(load: ConfigLoad): void {
    for (const e of load.errors) if (!this.errors.has(e.file)) this.errors.set(e.file, load.errors.filter((x) => x.file === e.file));
  }

  /** Each folder's nearest config, and each candidate config file, read once per run: a run checks a snapshot of the tree. */
  private readonly byFolder = new Map<string, ConfigLoad>();
  private readonly candidates = new Map<string, string | undefined>();
  private readonly readOnce = (file: string): string | undefined => {
    if (!this.candidates.has(file)) this.candidates.set(file, readFile(file));
    return this.candidates.get(file);
  };

  configFor(file: string): ProjectConfig | undefined {
    const folder = path.dirname(file);
    let load = this.explicit ?? this.byFolder.get(folder);
    if (!load) {
      load = loadConfigForFile(file, this.readOnce);
      this.byFolder.set(folder, load);
      this.note(load);
    }
    return load.config;
  }

  /** Every config problem met so far, one line each: `file[:line[:col]]: key: message`. */
  problems(): string[] {
    return [...this.errors.values()].flat().map((e) => formatConfigError({ ...e, file: path.relative(this.cwd, e.file) || e.file }));
  }

  excluded(file: string): boolean {
    const relative = path.relative(this.cwd, file).split(path.sep).join('/');
    if (this.excludeGlobs.some((g) => matchesGlob(g, relative))) return true;
    return isExcluded(this.configFor(file), file);
  }

  /** CLI flags act as editor settings the user set: they win over the file (editorFirst), the file fills the rest. */
  settingsFor(file: string, cli: AnalysisSettings, setByFlags: ReadonlySet<string>): AnalysisSettings {
    return effectiveSettings(this.configFor(file), { settings: cli, explicit: setByFlags }, 'editorFirst', file);
  }
}
