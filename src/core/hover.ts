import type { Node } from 'web-tree-sitter';
import { findKnowledge, type KnowledgeEntry, type KnowledgeLanguage } from '../knowledge/schema';
import type { TreeFacts } from './analyze';
import type { ParsedDocument } from './document';
import { functionEffectsAt, type FunctionEffects, type ProjectAccess } from './project/effects';
import { ruleBySlug } from './rules';
import { normalizeModule, requiredModule } from './ts/semantics';
import { rangeOf } from './text';
import { comparePositions, type Diagnostic, type Position, type Range } from './types';

// What a hover at a position explains: the catalogue entry of the API under the cursor (found only
// through the semantics modules, as the rules find it) and the rules whose diagnostics cover it.

export type HoverMode = 'full' | 'short' | 'off';

export interface HoverSettings {
  hover: HoverMode;
  pythonFreeThreaded: boolean;
}

export interface HoverRule {
  slug: string;
  summary: string;
  /** Markdown from the rule's own docs. */
  why: string;
  /** The preferred quick fix's title (else the first fix's); plain text that may quote the document. */
  fixTitle?: string;
  /** The finding's detail: what its one-line message had no room for. */
  detail?: string;
}

export interface HoverInfo {
  language: KnowledgeLanguage;
  mode: 'full' | 'short';
  /** The hovered identifier or keyword, or the diagnostic's range when only a rule applies. */
  range: Range;
  entry?: KnowledgeEntry;
  /** Source text of the hovered expression when it differs from the entry's name (an alias, an instance); document text, so escape it. */
  hovered?: string;
  /** The qualified name the expression resolved to ('threading.Thread' for `th.Thread`). */
  resolvedName?: string;
  rules: HoverRule[];
  /** Free-threaded Python is on and the entry's GIL text does not apply. */
  freeThreaded: boolean;
  /** The hovered name is one of the project's functions, and calling it blocks the thread (through other files too). */
  effects?: FunctionEffects;
}

/** Entries whose execution text assumes the GIL; the free-threaded setting changes what they mean. */
const GIL_DEPENDENT = new Set([
  'python:gil',
  'python:threading',
  'python:threading.Thread',
  'python:threading.Thread.start',
  'python:concurrent.futures.ThreadPoolExecutor',
  'python:asyncio.to_thread',
]);

interface Target {
  /** The node whose range is the hover's range. */
  node: Node;
  /** A name known without resolution (keywords, import statements). */
  name?: string;
  /** An expression to resolve. */
  expression?: Node;
}

/** `project`: how to read the project's other files, to say what a hovered function of the project does. */
export function hoverAt(doc: ParsedDocument, facts: TreeFacts, position: Position, diagnostics: readonly Diagnostic[], settings: HoverSettings, project?: ProjectAccess): HoverInfo | undefined {
  if (settings.hover === 'off') return undefined;
  const tree = doc.tree;
  if (!tree || tree !== facts.tree) return undefined;
  const language: KnowledgeLanguage = doc.language === 'python' ? 'python' : 'ts';
  const offset = doc.lines.offsetAt(position);
  const node = tree.rootNode.descendantForIndex(offset, offset);

  let entry: KnowledgeEntry | undefined;
  let resolvedName: string | undefined;
  let range: Range | undefined;
  let hovered: string | undefined;
  const target = node ? (language === 'python' ? pythonTarget(node) : tsTarget(node)) : undefined;
  if (target) {
    const found = target.name !== undefined
      ? { name: target.name, entry: findKnowledge(language, target.name) }
      : lookup(language, facts, target.expression!);
    if (found?.entry) {
      entry = found.entry;
      resolvedName = found.name;
      range = rangeOf(target.node);
      const text = target.expression?.text;
      if (text !== undefined && text !== found.name) hovered = text.length <= 80 && !/[\r\n]/.test(text) ? text : target.node.text;
    }
  }

  const rules: HoverRule[] = [];
  const seen = new Set<string>();
  for (const d of diagnostics) {
    if (!covers(d.range, position) || seen.has(d.code)) continue;
    const rule = ruleBySlug(d.code);
    if (!rule) continue;
    seen.add(d.code);
    const fix = d.fixes.find((f) => f.preferred) ?? d.fixes[0];
    rules.push({ slug: d.code, summary: rule.meta.docs.summary, why: rule.meta.docs.why, fixTitle: fix?.title, ...(d.detail ? { detail: d.detail } : {}) });
    range ??= d.range;
  }
  const effects = !entry && project ? functionEffectsAt(doc, facts, position, project) : undefined;
  if (effects) range ??= effects.range;
  if (!entry && !rules.length && !effects) return undefined;
  return {
    language,
    mode: settings.hover,
    range: range!,
    entry,
    hovered,
    resolvedName,
    rules,
    freeThreaded: language === 'python' && settings.pythonFreeThreaded && entry !== undefined && GIL_DEPENDENT.has(entry.id),
    ...(effects ? { effects } : {}),
  };
}

/** The entry of what `expression` denotes: an instance shows its type; a member the catalogue lacks falls back to its object's type. */
function lookup(language: KnowledgeLanguage, facts: TreeFacts, expression: Node): { name: string; entry?: KnowledgeEntry } | undefined {
  const resolve = (n: Node) => language === 'python' ? facts.python().resolve(n)
    // A destructured name (`const { Worker } = require(...)`) is a declaration, which resolve() does not take.
    : n.type === 'shorthand_property_identifier_pattern' ? facts.ts().resolveNameAt(n.text, n) : facts.ts().resolve(n);
  const resolved = resolve(expression);
  if (!resolved || resolved.kind === 'local') return undefined;
  const name = resolved.kind === 'qualified' ? resolved.name : resolved.type;
  const entry = findKnowledge(language, name);
  if (entry || resolved.kind !== 'qualified') return { name, entry };
  const object = expression.childForFieldName('object');
  const base = object ? resolve(object) : undefined;
  return base?.kind === 'instance' ? { name: base.type, entry: findKnowledge(language, base.type) } : undefined;
}

/** The character at `p` lies in the range (the end is exclusive, as for the token under the mouse). */
function covers(range: Range, p: Position): boolean {
  const empty = comparePositions(range.start, range.end) === 0;
  return comparePositions(range.start, p) <= 0 && (empty ? comparePositions(p, range.end) === 0 : comparePositions(p, range.end) < 0);
}

function isField(parent: Node | null, field: string, child: Node): boolean {
  return parent?.childForFieldName(field)?.id === child.id;
}

function pythonTarget(node: Node): Target | undefined {
  if (!node.isNamed) {
    if (node.type === 'async') return { node, name: 'keyword.async' };
    if (node.type === 'await') return { node, name: 'keyword.await' };
    return undefined;
  }
  if (node.type !== 'identifier') return undefined;
  const parent = node.parent;
  if (!parent) return undefined;
  const imported = pythonImportName(node);
  if (imported !== null) return imported === undefined ? undefined : { node, name: imported };
  if (parent.type === 'keyword_argument' && isField(parent, 'name', node)) return undefined;
  if ((parent.type === 'function_definition' || parent.type === 'class_definition') && isField(parent, 'name', node)) return undefined;
  if (parent.type === 'attribute' && isField(parent, 'attribute', node)) return { node, expression: parent };
  return { node, expression: node };
}

/**
 * The module or name an identifier inside an import statement stands for, read off the statement itself
 * (`threading` in `import threading as th`, `gather` in `from asyncio import gather`);
 * null when the identifier is not in an import, undefined for relative imports.
 */
function pythonImportName(node: Node): string | undefined | null {
  let dotted: Node | null = node.parent;
  let alias = false;
  if (dotted?.type === 'aliased_import' && isField(dotted, 'alias', node)) {
    dotted = dotted.childForFieldName('name');
    alias = true;
  }
  if (dotted?.type !== 'dotted_name') return null;
  let holder = dotted.parent;
  if (holder?.type === 'aliased_import') holder = holder.parent;
  if (holder?.type !== 'import_statement' && holder?.type !== 'import_from_statement') return null;
  const parts = dotted.namedChildren.filter((c): c is Node => c?.type === 'identifier');
  const upTo = alias ? parts.length : parts.findIndex((p) => p.id === node.id) + 1;
  const path = parts.slice(0, upTo).map((p) => p.text).join('.');
  if (holder.type === 'import_statement') return path;
  const moduleNode = holder.childForFieldName('module_name');
  if (!moduleNode || moduleNode.type === 'relative_import') return undefined;
  return moduleNode.id === dotted.id ? path : `${moduleNode.text}.${path}`;
}

/** A module specifier string: `from 'node:worker_threads'`, `require('worker_threads')`; other strings get nothing. */
function tsModuleString(string: Node): Target | undefined {
  if (string.parent?.type === 'import_statement' && isField(string.parent, 'source', string)) {
    return { node: string, name: normalizeModule(string.text.slice(1, -1)) };
  }
  const call = string.parent?.type === 'arguments' ? string.parent.parent : undefined;
  const module = call && call.childForFieldName('arguments')?.namedChildren[0]?.id === string.id ? requiredModule(call) : undefined;
  return module !== undefined ? { node: string, name: module } : undefined;
}

function tsTarget(node: Node): Target | undefined {
  const parent = node.parent;
  if (node.type === 'string') return tsModuleString(node);
  // Its quotes and text.
  if (parent?.type === 'string') return tsModuleString(parent);
  if (!node.isNamed) {
    if (node.type === 'async') return { node, name: 'keyword.async' };
    if (node.type === 'await') return { node, name: 'keyword.await' };
    return undefined;
  }
  if (!parent) return undefined;
  switch (node.type) {
    case 'property_identifier':
      if (parent.type === 'member_expression' && isField(parent, 'property', node)) return { node, expression: parent };
      // `{ Worker: W } = require(...)`: the key stands for what W is bound to.
      if (parent.type === 'pair_pattern' && isField(parent, 'key', node)) {
        const value = parent.childForFieldName('value');
        return value?.type === 'identifier' ? { node, expression: value } : undefined;
      }
      return undefined;
    case 'shorthand_property_identifier':
    case 'shorthand_property_identifier_pattern':
      return { node, expression: node };
    case 'identifier': {
      if (parent.type === 'import_specifier') {
        // `import { Worker as W }`: both names stand for the import's binding.
        const local = parent.childForFieldName('alias') ?? parent.childForFieldName('name');
        return local?.type === 'identifier' ? { node, expression: local } : undefined;
      }
      return { node, expression: node };
    }
    default:
      return undefined;
  }
}
