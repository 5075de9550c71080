// Project configuration shared by the CLI and the language server: `[tool.concurrency-lens]` in pyproject.toml,
// or concurrency-lens.json, found by walking up from the analysed file. Pure functions over file contents
// (the caller supplies `readFile`), so the same code runs in the CLI, the server and the tests.
import { parse as parseToml, type TomlError } from 'smol-toml';
import { allRules } from './rules';
import type { AnalysisSettings, BlockingName, Severity } from './types';
import { dict, dictFrom } from './dict';
import { compileGlob, GlobError, type Glob } from './glob';

export const CONFIG_FILES = ['concurrency-lens.json', 'pyproject.toml'] as const;
const TOOL_TABLE = 'concurrency-lens';

export interface ProjectConfig {
  /** The config file, as given to the loader (absolute in practice). */
  path: string;
  /** Its folder: `exclude` and `per-file-ignores` globs are relative to it. */
  dir: string;
  rules: Record<string, Severity | 'off'>;
  exclude: string[];
  perFileIgnores: Record<string, string[]>;
  blockingExtra: BlockingName[];
  blockingAllow: string[];
  pythonFreeThreaded?: boolean;
  /** "3.8" .. "3.14". */
  pythonTargetVersion?: string;
  followCallsMaxDepth?: number;
  /** `cold-severity`: what findings in cold code (scripts, sequential mains, tests, one-shot hooks) become. */
  coldSeverity?: 'hint' | 'off';
}

export interface ConfigError {
  file: string;
  /** Dotted key path, e.g. `blocking.extra[2].name`; absent for a syntax error. */
  key?: string;
  /** 1-based, when the parser knows it. */
  line?: number;
  column?: number;
  message: string;
}

export interface ConfigLoad {
  /** Undefined when the file holds no configuration (a pyproject.toml without the table) or is unusable. */
  config?: ProjectConfig;
  errors: ConfigError[];
}

/** Reads a file's text, or undefined when there is none. */
export type ReadFile = (path: string) => string | undefined;

export function formatConfigError(e: ConfigError): string {
  const where = e.line !== undefined ? `${e.file}:${e.line}${e.column !== undefined ? `:${e.column}` : ''}` : e.file;
  return `${where}: ${e.key ? `${e.key}: ` : ''}${e.message}`;
}

const SEVERITIES = new Set(['error', 'warning', 'information', 'hint', 'off']);
// Read lazily: the rules import this module (targetMinor), so allRules is not ready at load time.
let ruleSlugs: Set<string> | undefined;
const knownRules = (): Set<string> => (ruleSlugs ??= new Set(allRules.map((r) => r.meta.slug)));
const TARGET_VERSION = /^3\.(\d+)$/;
const MIN_MINOR = 8;
const MAX_MINOR = 14;
// Python dotted names, optionally `builtins.`; TS/JS `module#export` or `module#Class.method` (module as imported).
const PYTHON_NAME = /^[A-Za-z_]\w*(\.[A-Za-z_]\w*)+$/;
const TS_NAME = /^[^#\s]+#[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)?$/;

const dirname = (p: string): string => {
  const i = Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\'));
  return i <= 0 ? (i === 0 ? p.slice(0, 1) : '.') : p.slice(0, i);
};
const join = (dir: string, name: string): string => (dir.endsWith('/') || dir.endsWith('\\') ? dir + name : `${dir}/${name}`);
const toPosix = (p: string): string => p.replace(/\\/g, '/');

function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, column: offset - start + 1 };
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);

/**
 * Parses one config file's text. A pyproject.toml without `[tool.concurrency-lens]` gives no config and no errors:
 * the walk then goes on to the parent folder.
 */
export function parseConfig(file: string, text: string): ConfigLoad {
  const errors: ConfigError[] = [];
  let raw: unknown;
  if (file.endsWith('.toml')) {
    let doc: Record<string, unknown>;
    try {
      doc = parseToml(text);
    } catch (error) {
      const e = error as TomlError;
      return { errors: [{ file, line: e.line, column: e.column, message: `invalid TOML: ${String(e.message).split('\n')[0].replace(/^Invalid TOML document: /, '')}` }] };
    }
    const tool = doc.tool;
    if (!isRecord(tool) || !Object.hasOwn(tool, TOOL_TABLE)) return { errors };
    raw = tool[TOOL_TABLE];
    if (!isRecord(raw)) return { errors: [{ file, key: `tool.${TOOL_TABLE}`, message: 'must be a table' }] };
  } else {
    try {
      raw = JSON.parse(text);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const at = /position (\d+)/.exec(message);
      const place = at ? lineColumn(text, Number(at[1])) : text.trim() === '' ? lineColumn(text, 0) : {};
      return { errors: [{ file, ...place, message: `invalid JSON: ${jsonProblem(message)}` }] };
    }
    if (!isRecord(raw)) return { errors: [{ file, message: 'must be a JSON object' }] };
    delete raw.$schema;
  }
  const config = validate(file, raw, errors);
  return { config, errors };
}

/**
 * What JSON.parse said, without the text it quotes: a config file may be a symlink to any file (`~/.ssh/id_rsa`), and
 * its bytes must not reach a log or a CI run's output.
 */
function jsonProblem(message: string): string {
  const described = message.replace(/ in JSON at position \d+.*$/s, '');
  if (/^Unexpected token\b/.test(described)) return 'unexpected character';
  return /^(Unexpected end of JSON input|Expected [^"]*|Unexpected non-whitespace character after JSON|Bad (control|escaped) character in string literal|Unterminated string)$/.test(described) ? described : 'not valid JSON';
}

function validate(file: string, raw: Record<string, unknown>, errors: ConfigError[]): ProjectConfig {
  const config: ProjectConfig = { path: file, dir: dirname(file), rules: dict(), exclude: [], perFileIgnores: dict(), blockingExtra: [], blockingAllow: [] };
  const bad = (key: string, message: string) => errors.push({ file, key, message });
  const stringList = (key: string, value: unknown): string[] => {
    if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
      bad(key, 'must be a list of strings');
      return [];
    }
    return value as string[];
  };
  const slugList = (key: string, value: unknown): string[] => stringList(key, value).filter((slug, i) => {
    if (knownRules().has(slug)) return true;
    bad(`${key}[${i}]`, `unknown rule '${slug}' (known: ${[...knownRules()].join(', ')})`);
    return false;
  });
  const table = (key: string, value: unknown, known: readonly string[]): Record<string, unknown> => {
    if (!isRecord(value)) {
      bad(key, 'must be a table (object)');
      return {};
    }
    for (const k of Object.keys(value)) if (!known.includes(k)) bad(`${key}.${k}`, `unknown key (known: ${known.join(', ')})`);
    return value;
  };

  for (const [key, value] of Object.entries(raw)) {
    switch (key) {
      case 'rules':
        if (!isRecord(value)) { bad(key, 'must be a table of rule slug → severity'); break; }
        for (const [slug, severity] of Object.entries(value)) {
          if (!knownRules().has(slug)) bad(`rules.${slug}`, `unknown rule (known: ${[...knownRules()].join(', ')})`);
          else if (typeof severity !== 'string' || !SEVERITIES.has(severity)) bad(`rules.${slug}`, `must be one of error, warning, information, hint, off (got ${JSON.stringify(severity)})`);
          else config.rules[slug] = severity as Severity | 'off';
        }
        break;
      case 'exclude':
        config.exclude = globList(key, value, stringList, bad);
        break;
      case 'per-file-ignores':
        if (!isRecord(value)) { bad(key, 'must be a table of glob → list of rule slugs'); break; }
        for (const [glob, slugs] of Object.entries(value)) {
          if (globList(`${key}."${glob}"`, [glob], stringList, bad).length) config.perFileIgnores[glob] = slugList(`${key}."${glob}"`, slugs);
        }
        break;
      case 'blocking': {
        const blocking = table(key, value, ['extra', 'allow']);
        if ('extra' in blocking) config.blockingExtra = blockingExtra(blocking.extra, bad);
        if ('allow' in blocking) {
          config.blockingAllow = stringList('blocking.allow', blocking.allow).filter((name, i) => {
            if (PYTHON_NAME.test(name) || TS_NAME.test(name)) return true;
            bad(`blocking.allow[${i}]`, nameProblem(name));
            return false;
          });
        }
        break;
      }
      case 'python': {
        const python = table(key, value, ['free-threaded', 'target-version']);
        if ('free-threaded' in python) {
          if (typeof python['free-threaded'] === 'boolean') config.pythonFreeThreaded = python['free-threaded'];
          else bad('python.free-threaded', 'must be true or false');
        }
        if ('target-version' in python) {
          const version = python['target-version'];
          const minor = typeof version === 'string' ? TARGET_VERSION.exec(version) : null;
          if (minor && Number(minor[1]) >= MIN_MINOR && Number(minor[1]) <= MAX_MINOR) config.pythonTargetVersion = version as string;
          else bad('python.target-version', `must be a string "3.${MIN_MINOR}" .. "3.${MAX_MINOR}" (got ${JSON.stringify(version)})`);
        }
        break;
      }
      case 'follow-calls': {
        const follow = table(key, value, ['max-depth']);
        if ('max-depth' in follow) {
          const depth = follow['max-depth'];
          if (typeof depth === 'number' && Number.isInteger(depth) && depth >= 0 && depth <= 10) config.followCallsMaxDepth = depth;
          else bad('follow-calls.max-depth', `must be a whole number 0..10 (got ${JSON.stringify(depth)})`);
        }
        break;
      }
      case 'cold-severity':
        if (value === 'hint' || value === 'off') config.coldSeverity = value;
        else bad(key, `must be "hint" or "off" (got ${JSON.stringify(value)})`);
        break;
      default:
        bad(key, 'unknown key (known: rules, exclude, per-file-ignores, blocking, python, follow-calls, cold-severity)');
    }
  }
  return config;
}

function globList(key: string, value: unknown, stringList: (k: string, v: unknown) => string[], bad: (k: string, m: string) => void): string[] {
  return stringList(key, value).filter((glob) => {
    const problem = globProblem(glob);
    if (problem) bad(key, problem);
    return !problem;
  });
}

/** What is wrong with a glob of `exclude`, `per-file-ignores` or `--exclude` (relative to its base folder), if anything. */
export function globProblem(glob: string): string | undefined {
  // Quoted short: the glob may be enormous.
  const shown = JSON.stringify(glob.length > 60 ? `${glob.slice(0, 60)}...` : glob);
  if (glob.trim() === '' || glob.startsWith('/') || /^[A-Za-z]:/.test(glob)) return `${shown} must be a non-empty glob relative to the config file's folder`;
  try {
    compileGlob(glob);
    return undefined;
  } catch (error) {
    if (error instanceof GlobError) return `the glob ${shown} ${error.message}`;
    throw error;
  }
}

function nameProblem(name: string): string {
  return `'${name}' is not a qualified name: Python \`package.module.function\` / \`package.module.Class.method\`, `
    + 'TS/JS `module#export` / `module#Class.method`';
}

function blockingExtra(value: unknown, bad: (k: string, m: string) => void): BlockingName[] {
  if (!Array.isArray(value)) {
    bad('blocking.extra', 'must be a list of names or { name, message } tables');
    return [];
  }
  const result: BlockingName[] = [];
  value.forEach((item: unknown, i) => {
    const key = `blocking.extra[${i}]`;
    const entry: unknown = typeof item === 'string' ? { name: item } : item;
    if (!isRecord(entry)) { bad(key, 'must be a name or a { name, message } table'); return; }
    for (const k of Object.keys(entry)) if (k !== 'name' && k !== 'message') bad(`${key}.${k}`, 'unknown key (known: name, message)');
    if (typeof entry.name !== 'string') { bad(`${key}.name`, 'must be a string'); return; }
    if (!PYTHON_NAME.test(entry.name) && !TS_NAME.test(entry.name)) { bad(`${key}.name`, nameProblem(entry.name)); return; }
    if (entry.message !== undefined && typeof entry.message !== 'string') { bad(`${key}.message`, 'must be a string'); return; }
    result.push(entry.message === undefined ? { name: entry.name } : { name: entry.name, message: entry.message });
  });
  return result;
}

const cache = new Map<string, { text: string; load: ConfigLoad }>();
const CACHE_LIMIT = 256;

function parseCached(file: string, text: string): ConfigLoad {
  const hit = cache.get(file);
  if (hit && hit.text === text) return hit.load;
  const load = parseConfig(file, text);
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
  cache.set(file, { text, load });
  return load;
}

/**
 * The nearest config file at or above `fromDir`: concurrency-lens.json, or a pyproject.toml that has the table
 * (one without it is passed over). Stops after 64 folders or at the file-system root (dirname stops changing).
 */
export function findConfig(fromDir: string, readFile: ReadFile): ConfigLoad {
  let dir = fromDir;
  for (let depth = 0; depth < 64; depth++) {
    for (const name of CONFIG_FILES) {
      const file = join(dir, name);
      const text = readFile(file);
      if (text === undefined) continue;
      const load = parseCached(file, text);
      if (load.config || load.errors.length) return load;
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return { errors: [] };
}

/**
 * The config for `filePath` (nearest one walking up from its folder). findConfig caches parsing per config path
 * and text, so a server may call this on every analysis: an edited config file is picked up at the next call.
 */
export function loadConfigForFile(filePath: string, readFile: ReadFile): ConfigLoad {
  return findConfig(dirname(filePath), readFile);
}

/** A config path relative to its folder, or undefined when the file lies outside it. */
function relativeTo(config: ProjectConfig, filePath: string): string | undefined {
  const dir = toPosix(config.dir).replace(/\/$/, '');
  const file = toPosix(filePath);
  if (!file.startsWith(`${dir}/`)) return undefined;
  return file.slice(dir.length + 1);
}

const matchers = new Map<string, Glob | null>();
/**
 * Whether a glob matches a path relative to the glob's base (forward slashes). A glob without a slash matches at any
 * depth, as in .gitignore, Ruff and ESLint (`test_*.py`); a folder glob (`build`, `tests/**`) also covers everything
 * below it. A glob over the limits (config errors where it was written) matches nothing.
 */
export function matchesGlob(glob: string, relative: string): boolean {
  let matcher = matchers.get(glob);
  if (matcher === undefined) {
    try {
      matcher = compileGlob(glob);
    } catch {
      matcher = null;
    }
    if (matchers.size > 1024) matchers.clear();
    matchers.set(glob, matcher);
  }
  return matcher !== null && matcher.matches(relative);
}

/** The file matches the config's `exclude` (globs relative to the config file's folder). */
export function isExcluded(config: ProjectConfig | undefined, filePath: string): boolean {
  const relative = config ? relativeTo(config, filePath) : undefined;
  return relative !== undefined && config!.exclude.some((g) => matchesGlob(g, relative));
}

/** Rule slugs `per-file-ignores` silences for this file. */
export function ignoredRules(config: ProjectConfig | undefined, filePath: string): Set<string> {
  const result = new Set<string>();
  const relative = config ? relativeTo(config, filePath) : undefined;
  if (relative === undefined) return result;
  for (const [glob, slugs] of Object.entries(config!.perFileIgnores)) if (matchesGlob(glob, relative)) for (const s of slugs) result.add(s);
  return result;
}

export type ConfigurationPreference = 'filesFirst' | 'editorFirst' | 'editorOnly';

/** Which editor settings the user set explicitly (editorFirst lets only those override the file). */
export interface EditorSettings {
  settings: AnalysisSettings;
  /** Settings keys the user set (`ruleSeverity.<slug>` per rule, or `pythonFreeThreaded`); all when absent. */
  explicit?: ReadonlySet<string>;
}

/**
 * The settings a file is analysed with. filesFirst: the file wins where it speaks, editor settings fill the rest;
 * editorFirst: editor settings the user set win, the file fills the rest; editorOnly: the file is ignored.
 * `per-file-ignores` always apply (they only exist in the file) except under editorOnly.
 */
export function effectiveSettings(
  fileConfig: ProjectConfig | undefined,
  editor: AnalysisSettings | EditorSettings,
  mode: ConfigurationPreference = 'filesFirst',
  filePath?: string,
): AnalysisSettings {
  const { settings, explicit } = 'settings' in editor ? editor : { settings: editor, explicit: undefined };
  if (!fileConfig || mode === 'editorOnly') return { ...settings, ruleSeverity: dictFrom(Object.entries(settings.ruleSeverity)) };
  const editorSet = (key: string) => (explicit ? explicit.has(key) : true);
  const ruleSeverity = dict<Severity | 'off'>();
  if (mode === 'filesFirst') {
    Object.assign(ruleSeverity, settings.ruleSeverity, fileConfig.rules);
  } else {
    Object.assign(ruleSeverity, fileConfig.rules);
    for (const [slug, severity] of Object.entries(settings.ruleSeverity)) if (editorSet(`ruleSeverity.${slug}`)) ruleSeverity[slug] = severity;
  }
  let pythonFreeThreaded = settings.pythonFreeThreaded;
  if (fileConfig.pythonFreeThreaded !== undefined && (mode === 'filesFirst' || !editorSet('pythonFreeThreaded'))) pythonFreeThreaded = fileConfig.pythonFreeThreaded;
  let coldSeverity = settings.coldSeverity;
  if (fileConfig.coldSeverity !== undefined && (mode === 'filesFirst' || !editorSet('coldSeverity'))) coldSeverity = fileConfig.coldSeverity;
  if (filePath) for (const slug of ignoredRules(fileConfig, filePath)) ruleSeverity[slug] = 'off';
  return {
    ...settings,
    pythonFreeThreaded,
    ...(coldSeverity !== undefined ? { coldSeverity } : {}),
    ruleSeverity,
    blockingExtra: [...(settings.blockingExtra ?? []), ...fileConfig.blockingExtra],
    blockingAllow: [...(settings.blockingAllow ?? []), ...fileConfig.blockingAllow],
    pythonTargetVersion: fileConfig.pythonTargetVersion ?? settings.pythonTargetVersion,
    followCallsMaxDepth: fileConfig.followCallsMaxDepth !== undefined && (mode === 'filesFirst' || !editorSet('followCallsMaxDepth'))
      ? fileConfig.followCallsMaxDepth : settings.followCallsMaxDepth,
  };
}

/** "3.9" → 9 (the minor version), for comparisons; undefined means the newest. */
export function targetMinor(version: string | undefined): number | undefined {
  const m = version ? TARGET_VERSION.exec(version) : null;
  return m ? Number(m[1]) : undefined;
}

export interface DocumentConfig {
  /** What to analyse the document with. */
  settings: AnalysisSettings;
  /** The config's `exclude` covers it: publish no diagnostics. */
  excluded: boolean;
  /** The config file that applied (for watching it and for placing `errors`). */
  configPath?: string;
  /** Problems of that file: show them on the config file, never drop them. */
  errors: ConfigError[];
}

/**
 * Everything a language server needs for one open document, in one call (cheap to repeat: parsing is cached by
 * config path and text). Under editorOnly the file is not read at all.
 */
export function settingsForDocument(
  filePath: string,
  editor: AnalysisSettings | EditorSettings,
  mode: ConfigurationPreference,
  readFile: ReadFile,
): DocumentConfig {
  if (mode === 'editorOnly') return { settings: effectiveSettings(undefined, editor, mode), excluded: false, errors: [] };
  const load = loadConfigForFile(filePath, readFile);
  return {
    settings: effectiveSettings(load.config, editor, mode, filePath),
    excluded: isExcluded(load.config, filePath),
    configPath: load.config?.path ?? load.errors[0]?.file,
    errors: load.errors,
  };
}
