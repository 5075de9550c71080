// "Disable this rule" for editors without our extension: the edit that sets a rule to "off" in the project's
// configuration file (the one the CLI reads too), computed as text so the client can apply (and undo) it.
import { parse as parseToml } from 'smol-toml';
import { findConfig, parseConfig, type ReadFile } from './config';

export interface ConfigEdit {
  /** The configuration file to write (absolute). */
  file: string;
  /** Its whole new text. */
  text: string;
  /** The file does not exist yet. */
  create: boolean;
}

const dirOf = (file: string): string => file.replace(/[\\/][^\\/]*$/, '') || '/';

/**
 * Sets `slug` to "off" in the nearest configuration file of `documentPath` (walking up, but never above `root`), or in
 * a new `concurrency-lens.json` at `root`. Undefined when the file exists but cannot be edited safely (a syntax error,
 * a layout this code does not know): the result is always checked by parsing it back.
 */
export function disableRuleEdit(documentPath: string, root: string, slug: string, readFile: ReadFile): ConfigEdit | undefined {
  const found = findConfig(dirOf(documentPath), readFile);
  // A config file that does not parse: a new file beside it would be passed over, and editing it would guess.
  if (!found.config && found.errors.length) return undefined;
  const file = found.config?.path;
  const sep = root.includes('\\') && !root.includes('/') ? '\\' : '/';
  if (!file || !(file === root || file.startsWith(root.endsWith(sep) ? root : root + sep))) {
    const fresh = `${root.replace(/[\\/]$/, '')}${sep}concurrency-lens.json`;
    const existing = readFile(fresh);
    if (existing !== undefined) return editJson(fresh, existing, slug);
    return { file: fresh, text: `${JSON.stringify({ rules: { [slug]: 'off' } }, null, 2)}\n`, create: true };
  }
  const text = readFile(file);
  if (text === undefined) return undefined;
  return file.endsWith('.json') ? editJson(file, text, slug) : editToml(file, text, slug);
}

function editJson(file: string, text: string, slug: string): ConfigEdit | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  const config = raw as Record<string, unknown>;
  const rules = config.rules && typeof config.rules === 'object' && !Array.isArray(config.rules) ? config.rules as Record<string, unknown> : {};
  const indent = /^\{\s*\n([ \t]+)"/.exec(text)?.[1] ?? '  ';
  const next = `${JSON.stringify({ ...config, rules: { ...rules, [slug]: 'off' } }, null, indent)}\n`;
  return checked({ file, text: next, create: false }, slug);
}

/** Adds `"slug" = "off"` to the table's `rules`: an inline table on one line, a `[tool.concurrency-lens.rules]` table, or a new key. */
function editToml(file: string, text: string, slug: string): ConfigEdit | undefined {
  try {
    parseToml(text);
  } catch {
    return undefined;
  }
  const lines = text.split('\n');
  const entry = `${JSON.stringify(slug)} = "off"`;
  const header = (name: string) => lines.findIndex((l) => l.trim().replace(/\s+/g, '') === `[${name}]`);
  const rulesTable = header('tool.concurrency-lens.rules');
  const table = header('tool.concurrency-lens');
  if (rulesTable >= 0) {
    lines.splice(rulesTable + 1, 0, entry);
  } else if (table >= 0) {
    // The table's own lines: up to the next header.
    let end = table + 1;
    while (end < lines.length && !/^\s*\[/.test(lines[end])) end++;
    const inline = lines.slice(table + 1, end).findIndex((l) => /^\s*rules\s*=\s*\{.*\}\s*(#.*)?$/.test(l));
    if (inline >= 0) {
      const at = table + 1 + inline;
      lines[at] = lines[at].replace(/\{\s*(\}?)/, (_, close: string) => (close ? `{ ${entry} }` : `{ ${entry}, `));
    } else if (lines.slice(table + 1, end).some((l) => /^\s*rules\s*=/.test(l))) {
      return undefined;
    } else {
      lines.splice(table + 1, 0, `rules = { ${entry} }`);
    }
  } else {
    return undefined;
  }
  return checked({ file, text: lines.join('\n'), create: false }, slug);
}

/** The edit, if its text parses as a configuration that turns the rule off; never a half-edited file. */
function checked(edit: ConfigEdit, slug: string): ConfigEdit | undefined {
  const load = parseConfig(edit.file, edit.text);
  return load.config?.rules[slug] === 'off' && !load.errors.length ? edit : undefined;
}
