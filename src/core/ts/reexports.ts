import type { Node } from 'web-tree-sitter';
import { getLoadedParser, languageFromPath, parseOtherFile } from '../parser';
import { normalizeModule } from './semantics';

/**
 * What a name imported from a local module stands for when that module only re-exports another one:
 * `import { readFileSync } from './fs'` with `./fs.ts` holding `export * from 'node:fs'` is 'fs.readFileSync'.
 * The other file is read through the host's reader; when it cannot be read (unsaved text, an editor without one), nothing
 * is guessed.
 */

/** Reads a project file by its path, relative like the analysed file's ('/'-separated); undefined when unavailable. */
export type FileReader = (path: string) => string | undefined;

/** Re-exports of one file: `export * from 'm'` modules, and `export { a as b } from 'm'` by exported name. */
interface Reexports {
  star: string[];
  named: Map<string, string>;
  /** Names the file exports from its own declarations: they shadow an `export *`. */
  own: Set<string>;
}

const EXTENSIONS = ['', '.ts', '.tsx', '.mts', '.cts', '.js', '.mjs', '.cjs', '/index.ts', '/index.js', '/index.mjs'];
/** Files larger than this are not parsed for their re-exports (a facade module is small). */
const MAX_FACADE_CHARS = 200_000;
/** How many local facades a chain may pass through (`./a` re-exports `./b` re-exports `fs`). */
const MAX_CHAIN = 3;

function normalizePath(path: string): string {
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length && out[out.length - 1] !== '..') out.pop();
      else out.push('..');
    } else {
      out.push(part);
    }
  }
  return out.join('/');
}

function dirname(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '' : path.slice(0, slash);
}

function stringValue(node: Node | null | undefined): string | undefined {
  return node?.type === 'string' ? node.text.slice(1, -1) : undefined;
}

export class ReexportResolver {
  private readonly files = new Map<string, { path: string; reexports: Reexports } | null>();

  constructor(private readonly read: FileReader, private readonly fromPath: string) {}

  /**
   * The qualified name `qualified` stands for, when its module is a local specifier ('./fs.readFileSync') whose file
   * re-exports a package; else undefined.
   */
  resolve(qualified: string): string | undefined {
    if (!qualified.startsWith('.')) return undefined;
    const slash = qualified.lastIndexOf('/');
    // The specifier may itself hold dots (`./fs.js`): try each split after its last `/`, the longest specifier first.
    for (let dot = qualified.lastIndexOf('.'); dot > slash && dot > 0; dot = qualified.lastIndexOf('.', dot - 1)) {
      const specifier = qualified.slice(0, dot);
      const members = qualified.slice(dot + 1).split('.');
      const found = this.follow(this.fromPath, specifier, members[0], 0);
      if (found) return [found, ...members.slice(1)].join('.');
    }
    return undefined;
  }

  private follow(from: string, specifier: string, member: string, depth: number): string | undefined {
    if (depth >= MAX_CHAIN) return undefined;
    const file = this.load(from, specifier);
    if (!file) return undefined;
    const named = file.reexports.named.get(member);
    if (named !== undefined) {
      const dot = named.indexOf('\u0000');
      const [module, original] = [named.slice(0, dot), named.slice(dot + 1)];
      if (module.startsWith('.')) return this.follow(file.path, module, original, depth + 1);
      return original === '*' ? module : `${module}.${original}`;
    }
    // `export *` re-exports every name but `default`; a name the file declares itself is not known here, so only a
    // facade with a single `export *` answers.
    if (file.reexports.star.length === 1 && !file.reexports.own.has(member)) {
      const module = file.reexports.star[0];
      return module.startsWith('.') ? this.follow(file.path, module, member, depth + 1) : `${module}.${member}`;
    }
    return undefined;
  }

  private load(from: string, specifier: string): { path: string; reexports: Reexports } | undefined {
    const base = normalizePath(`${dirname(from)}/${specifier}`);
    const candidates = EXTENSIONS.map((e) => base + e);
    // `./fs.js` written for a `./fs.ts` source (TypeScript's ESM convention).
    if (/\.[cm]?js$/.test(base)) candidates.push(base.replace(/\.([cm]?)js$/, '.$1ts'));
    for (const path of candidates) {
      const known = this.files.get(path);
      if (known !== undefined) {
        if (known) return known;
        continue;
      }
      const language = languageFromPath(path);
      const text = language && language !== 'python' ? this.read(path) : undefined;
      // Any loaded JS/TS grammar reads `export ... from` lines alike (the analysed file's is always loaded).
      const parser = language ? getLoadedParser(language) ?? getLoadedParser('typescript') ?? getLoadedParser('javascript') : undefined;
      if (text === undefined || !parser || text.length > MAX_FACADE_CHARS) {
        this.files.set(path, null);
        continue;
      }
      const tree = parseOtherFile(parser, text, 200);
      const entry = tree ? { path, reexports: reexportsOf(tree.rootNode) } : null;
      tree?.delete();
      this.files.set(path, entry);
      if (entry) return entry;
    }
    return undefined;
  }
}

function reexportsOf(root: Node): Reexports {
  const result: Reexports = { star: [], named: new Map(), own: new Set() };
  for (const statement of root.namedChildren) {
    if (statement?.type !== 'export_statement') continue;
    const source = stringValue(statement.childForFieldName('source'));
    if (source === undefined) {
      // `export function readFileSync() {}`, `export const x = ...`, `export { a as readFileSync }`: the file's own.
      const declaration = statement.childForFieldName('declaration');
      const name = declaration?.childForFieldName('name');
      if (name) result.own.add(name.text);
      for (const child of declaration?.namedChildren ?? []) {
        const declared = child?.type === 'variable_declarator' ? child.childForFieldName('name') : undefined;
        if (declared) result.own.add(declared.text);
      }
      for (const specifier of statement.namedChildren.find((c) => c?.type === 'export_clause')?.namedChildren ?? []) {
        const exported = specifier?.childForFieldName('alias') ?? specifier?.childForFieldName('name');
        if (exported) result.own.add(stringValue(exported) ?? exported.text);
      }
      continue;
    }
    const module = source.startsWith('.') ? source : normalizeModule(source);
    const clause = statement.namedChildren.find((c) => c?.type === 'export_clause');
    const namespace = statement.namedChildren.find((c) => c?.type === 'namespace_export');
    if (clause) {
      for (const specifier of clause.namedChildren) {
        if (specifier?.type !== 'export_specifier') continue;
        const name = specifier.childForFieldName('name');
        const alias = specifier.childForFieldName('alias') ?? name;
        if (name && alias) result.named.set(stringValue(alias) ?? alias.text, `${module}\u0000${stringValue(name) ?? name.text}`);
      }
    } else if (namespace) {
      const id = namespace.namedChildren[0];
      if (id) result.named.set(stringValue(id) ?? id.text, `${module}\u0000*`);
    } else {
      result.star.push(module);
    }
  }
  return result;
}
