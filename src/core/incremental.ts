// An edit's analysis, per function: the file is cut into its outermost functions (module functions and methods) and the
// rest (the module's own code, class bodies, imports). After an edit, only the functions whose text changed and those
// whose results may read them are analysed again; every other function's findings are the last analysis's. Whatever
// the check cannot show to be unaffected is analysed whole, so the results are those of an analysis from scratch.
import type { Node, Tree } from 'web-tree-sitter';
import { type TreeFacts } from './analysis';
import { carryTreeUnits, changedSince, graphGeneration, keptTreeUnits, unitId, unitsOf, type FileUnits } from './context/graph';
import { compact, packFunction } from './project/packed';
import { carryUses, keptUses } from './context/fileIndex';
import { FUNCTION_TYPES } from './ts/semantics';
import { seedOwnSummary } from './project/followPython';
import { seedTsSummary, tsFunctionSummary, tsOwnNames } from './project/followTs';
import { carrySummary, storedSummary } from './project/project';
import { functionKey, functionSummary } from './project/pythonSummary';
import { tsFunctionKey } from './project/followTs';
import type { AnalysisContext } from './analysis';
import type { AnalysisSettings, Diagnostic, Language } from './types';
import type { LineIndex } from './text';
import { blockingLookup, lookupKey } from './catalog/blocking';
import { defaultSettings } from './types';

/** One outermost function: where it sits (its trailing spaces included) and its text. */
interface Span { start: number; end: number; text: string }
interface Region extends Span { node: Node }

/** The function node a span of an earlier analysis stands for, in the copy of that analysis's tree. */
function regionIn(tree: Tree, span: Span): Region {
  let node: Node | null = tree.rootNode.descendantForIndex(span.start, span.start);
  // Up from the first token to the function it starts: bounded by the nesting at one offset.
  for (let depth = 0; node && depth < 256; depth++, node = node.parent) {
    if (node.startIndex === span.start && (node.type === 'function_definition' || TS_FUNCTIONS.has(node.type))) return { ...span, node };
  }
  return { ...span, node: tree.rootNode };
}

/** What the last analysis of a document left: enough to tell what an edit changed and to keep the rest's findings. */
interface Previous {
  /** A copy of the analysed tree (an edit changes the document's own in place). */
  tree: Tree;
  text: string;
  lineCount: number;
  key: string;
  regions: Span[];
  skeleton: string;
  /** Findings before suppressions were applied, each with the region it sits in (-1: outside every function). */
  findings: { diagnostic: Diagnostic; region: number }[];
  units: FileUnits | undefined;
  /** Where each function starts (line, column): an unchanged function keeps its findings only where it stayed. */
  starts: string[];
  /** Each function's lines (first, last), where its units' evidence sits. */
  spans: [number, number][];
  /** The names the file's own TS/JS summary found (they depend on its functions' keys and imports only). */
  tsNames?: ReadonlySet<string>;
  /** The file's identifier uses (offsets by name), when its index was built. */
  uses?: ReadonlyMap<string, readonly number[]>;
  /** The call graph's generation then: another file's change since makes every finding suspect. */
  generation: number;
  /** Names the code outside functions spells (not the names it declares), found once per skeleton. */
  moduleUses?: Uses;
  /** Some class of the file extends another (found once per skeleton). */
  inherits?: boolean;
}

/** What an analysis needs to run its rules once, over the whole file or some functions of it. */
export interface RuleRun {
  (scope: readonly Node[] | undefined): { diagnostics: Diagnostic[]; failed: boolean };
}

/** Changed functions per edit beyond which the file is analysed whole (each costs two small searches of its own). */
const MAX_CHANGED = 4;
/** Class bodies looked into for methods, at most this deep. */
const MAX_CLASS_DEPTH = 8;
/** Functions whose facts are compared per edit at most (each costs a search of its own code). */
const MAX_CHECKED = 64;
/** Dependants beyond this share of the file's functions: the whole file is analysed (one pass is then cheaper). */
const MAX_DEPENDANT_SHARE = 0.5;

const PY_CLASS = 'class_definition';
const TS_FUNCTIONS = new Set(['function_declaration', 'generator_function_declaration', 'method_definition']);
const TS_CLASSES = new Set(['class_declaration', 'abstract_class_declaration', 'class']);
/** Leaves that spell a name (a variable, a property, a type). */
const NAME_TYPES = ['identifier', 'property_identifier', 'shorthand_property_identifier', 'shorthand_property_identifier_pattern', 'type_identifier', 'private_property_identifier'];
/** Nodes whose name a function defines for the rest of the file. */
const DEFINITION_TYPES = ['function_definition', 'class_definition', 'function_declaration', 'generator_function_declaration', 'method_definition', 'class_declaration', 'abstract_class_declaration'];

/** Nodes whose `name` (or `left`) field declares a field, a member or a variable. */
const DECLARING_TYPES = new Set(['assignment', 'property_signature', 'public_field_definition', 'method_signature', 'variable_declarator']);

/**
 * A file's module-level functions and classes, and those of its classes' bodies (nested classes too, MAX_CLASS_DEPTH
 * deep), in order, past decorators and `export`.
 */
function declarations(root: Node): Node[] {
  const found: Node[] = [];
  const visit = (container: Node, depth: number) => {
    for (const child of container.namedChildren) {
      let node: Node | null = child;
      if (node?.type === 'decorated_definition') node = node.childForFieldName('definition');
      if (node?.type === 'export_statement') node = node.childForFieldName('declaration');
      if (!node) continue;
      found.push(node);
      const body = node.type === PY_CLASS || TS_CLASSES.has(node.type) ? node.childForFieldName('body') : null;
      if (body && depth < MAX_CLASS_DEPTH) visit(body, depth + 1);
    }
  };
  visit(root, 0);
  return found;
}

/** A file's outermost functions, in order: module-level ones and methods of module-level classes (nested classes too). */
export function outermostFunctions(root: Node, language: Language): Node[] {
  return declarations(root).filter((node) => (language === 'python' ? node.type === 'function_definition' : TS_FUNCTIONS.has(node.type)));
}

function regionsOf(root: Node, text: string, language: Language): Region[] {
  return outermostFunctions(root, language).map((node) => {
    let end = node.endIndex;
    // Spaces typed after a function's last token are its own: they change no other part of the file.
    while (end < text.length && (text[end] === ' ' || text[end] === '\t')) end++;
    return { node, start: node.startIndex, end, text: text.slice(node.startIndex, end) };
  });
}

/** The text outside the functions, each function a marker: equal skeletons mean the edit stayed inside functions. */
function skeletonOf(text: string, regions: readonly Span[]): string {
  const parts: string[] = [];
  let at = 0;
  for (const region of regions) {
    parts.push(text.slice(at, region.start), '\u0000');
    at = region.end;
  }
  parts.push(text.slice(at));
  return parts.join('');
}

/** The statement (a child of a block, or the function itself) holding the text between `start` and `end`. */
function statementAround(region: Region, start: number, end: number): Node {
  let node: Node | null = region.node.descendantForIndex(start, Math.max(start, end - 1));
  for (let depth = 0; node && node.id !== region.node.id && depth < 256; depth++) {
    const parent: Node | null = node.parent;
    if (!parent || parent.type === 'block' || parent.type === 'statement_block' || parent.type === 'class_body') return node;
    node = parent;
  }
  return region.node;
}

/**
 * What a function binds that other functions' names resolve through: `self.x = ...`/`this.x = ...` (an attribute's type),
 * `global`, `nonlocal`; as tokens, so that an edit elsewhere in the function (or only of spaces) keeps it equal.
 */
function outsideBindings(node: Node, language: Language): string {
  const found: Node[] = [];
  if (language === 'python') {
    for (const statement of node.descendantsOfType(['global_statement', 'nonlocal_statement'])) if (statement) found.push(statement);
    for (const assignment of node.descendantsOfType(['assignment', 'augmented_assignment'])) {
      if (assignment?.childForFieldName('left')?.type === 'attribute') found.push(assignment);
    }
  } else {
    for (const assignment of node.descendantsOfType(['assignment_expression', 'augmented_assignment_expression'])) {
      if (assignment?.childForFieldName('left')?.type === 'member_expression') found.push(assignment);
    }
  }
  return found.sort((a, b) => a.startIndex - b.startIndex).map(tokensOf).join('\u0002');
}

/** The settings an incremental analysis must share with the last one. */
function keyOf(settings: AnalysisSettings, only: readonly string[] | undefined, path: string | undefined): string {
  return JSON.stringify([settings, only ?? null, path ?? null]);
}

export interface IncrementalInput {
  language: Language;
  tree: Tree;
  text: string;
  lines: LineIndex;
  settings: AnalysisSettings;
  only?: readonly string[];
  path?: string;
  readFile?: (path: string) => string | undefined;
  listFiles?: (near: string) => readonly string[];
  facts: TreeFacts;
}

/**
 * One document's analyses, kept between edits. `run` analyses with the rules (a scope limits them to some functions);
 * the result is what a run over the whole file gives.
 */
export class IncrementalAnalysis {
  private previous: Previous | undefined;
  /** Functions analysed by the last analysis, of `functions` (the whole file's were when the two are equal). */
  lastAnalysed = 0;
  lastFunctions = 0;
  /** The last analysis went over the whole file. */
  lastWhole = true;
  /** Why the last analysis went over the whole file (which check), for tests and profiles. */
  lastFallback: string | undefined;

  private fallback(why: string): undefined {
    this.lastFallback = why;
    return undefined;
  }

  analyse(input: IncrementalInput, run: RuleRun): { diagnostics: Diagnostic[]; failed: boolean } {
    const regions = regionsOf(input.tree.rootNode, input.text, input.language);
    const key = keyOf(input.settings, input.only, input.path);
    this.lastFallback = undefined;
    const plan = this.plan(input, regions, key);
    this.lastFunctions = regions.length;
    let findings: { diagnostic: Diagnostic; region: number }[];
    let failed: boolean;
    if (!plan) {
      const result = run(undefined);
      failed = result.failed;
      findings = result.diagnostics.map((diagnostic) => ({ diagnostic, region: regionAt(regions, input.lines.offsetAt(diagnostic.range.start)) }));
      this.lastAnalysed = regions.length;
      this.lastWhole = true;
    } else {
      this.lastWhole = false;
      const scope = [...plan.analyse].sort((a, b) => a - b);
      const result = run(scope.map((i) => regions[i].node));
      failed = result.failed;
      const fresh = result.diagnostics.map((diagnostic) => ({ diagnostic, region: regionAt(regions, input.lines.offsetAt(diagnostic.range.start)) }))
        .filter((f) => plan.analyse.has(f.region));
      findings = [...this.previous!.findings.filter((f) => !plan.analyse.has(f.region)), ...fresh];
      this.lastAnalysed = scope.length;
    }
    const moduleUses = plan ? this.previous!.moduleUses : undefined;
    const inherits = plan ? this.previous!.inherits : undefined;
    this.previous?.tree.delete();
    this.previous = undefined;
    if (!failed) {
      // The copy's nodes are the ones read at the next edit (the document's tree is edited in place).
      const tree = input.tree.copy();
      // The copy's nodes are found when an edit needs them (the same offsets: the copy is of this very tree).
      const kept = regions.map((r) => ({ start: r.start, end: r.end, text: r.text }));
      this.previous = {
        tree, text: input.text, lineCount: input.lines.lineCount, key, regions: kept, skeleton: skeletonOf(input.text, kept),
        ...(input.language !== 'python' && tsOwnNames(input.facts.ts()) ? { tsNames: tsOwnNames(input.facts.ts()) } : {}),
        ...(keptUses(input.tree) ? { uses: keptUses(input.tree) } : {}),
        findings, units: input.path ? keptTreeUnits(input.tree, input.path) : undefined, generation: graphGeneration(), starts: kept.map((r) => positionKey(input.lines, r.start)),
        spans: kept.map((r) => [input.lines.positionAt(r.start).line, input.lines.positionAt(r.end).line]), ...(moduleUses ? { moduleUses } : {}), ...(inherits !== undefined ? { inherits } : {}),
      };
    }
    return { diagnostics: findings.map((f) => f.diagnostic), failed };
  }

  /** Which functions to analyse again, or undefined: the whole file. */
  private plan(input: IncrementalInput, regions: Region[], key: string): { analyse: Set<number> } | undefined {
    const previous = this.previous;
    if (!previous || previous.key !== key || !input.path || !input.readFile || !input.listFiles) return this.fallback('no earlier analysis');
    // Another file's change may change any function's findings (what it calls there, who calls it from there).
    if (changedSince(previous.generation, input.path) || input.readFile(input.path) !== input.text) return this.fallback('another file changed');
    // Positions of findings outside the edited functions must stay where they were: no line came or went.
    if (previous.lineCount !== input.lines.lineCount || previous.regions.length !== regions.length) return this.fallback('lines moved');
    // The catalogue the call graph's summaries use must be the rules' (one summary to compare).
    if (lookupKey(input.settings) !== lookupKey(defaultSettings)) return this.fallback('project catalogue');
    if (skeletonOf(input.text, regions) !== previous.skeleton) return this.fallback('code outside functions changed');
    const changed: number[] = [];
    for (let i = 0; i < regions.length; i++) {
      if (regions[i].text !== previous.regions[i].text) changed.push(i);
      // Two functions on one line: an edit in the first moves the second's findings.
      else if (positionKey(input.lines, regions[i].start) !== previous.starts[i]) return this.fallback('a function moved');
    }
    if (!changed.length || changed.length > MAX_CHANGED) return changed.length ? this.fallback('too many changed') : { analyse: new Set() };
    // Syntax errors, before and after, only inside the changed functions: the rest parsed as before.
    if (!errorsOnlyWithin(input.tree, changed.map((i) => regions[i])) || !errorsOnlyWithin(previous.tree, changed.map((i) => previous.regions[i]))) {
      return this.fallback('syntax errors outside the edit');
    }
    // The file's name index follows the edit (the rest moved, the changed functions' names added): no search of the whole tree.
    if (previous.uses) {
      carryUses(input.tree, previous.uses, changed.map((i) => ({ oldStart: previous.regions[i].start, oldEnd: previous.regions[i].end, node: regions[i].node, newStart: regions[i].start, newEnd: regions[i].end })));
    }
    const language = input.language;
    const classes = regions.map(classKey);
    const moduleUses = previous.moduleUses ??= usesOfSkeleton(input, regions);
    const uses = regions.map((r) => this.uses(r));
    const mentioned = new Set<string>([...moduleUses.bare, ...moduleUses.attr]);
    for (const u of uses) for (const set of [u.bare, u.attr, u.own]) for (const name of set) mentioned.add(name);
    // Class headers are outside functions: found once per skeleton, like the module's names.
    const inherits = previous.inherits ??= hasLocalInheritance(input.tree.rootNode, input.language);
    const names = regions.map((r) => r.node.childForFieldName('name')?.text ?? '');
    /** Whether code spelling `used` (in class `cls`, '' outside classes) may reach function `to` by its name or its class's. */
    const reaches = (used: Uses, cls: string | undefined, to: number): boolean => {
      const own = names[to];
      const chain = classes[to] ? classes[to].split('.') : [];
      if (!chain.length) return used.bare.has(own) || used.attr.has(own);
      // A method: through `self.m()`/`this.m()` in its class (any class when classes extend others), through another
      // object only when its class is named somewhere (no value of a class nothing names has a known type), or through
      // its class's name (constructing it).
      if (chain.some((c) => used.bare.has(c) || used.attr.has(c))) return true;
      if (used.own.has(own) && (inherits || cls === classes[to])) return true;
      return used.attr.has(own) && mentioned.has(chain[chain.length - 1]);
    };
    // Functions whose facts the graph or summaries hold may have changed: the changed ones and those their changed
    // statements may name (a call added, a registration, a task). Each must show the same units (calls, contexts,
    // registrations) and summary before and after.
    // Functions that may read the changed ones (by name: a call, a thread's target, a gathered coroutine, a returned
    // value's type), and those that read them, and so on: their findings, and their calls' targets, may change.
    const analyse = new Set(changed);
    for (const i of analyse) if (reaches(moduleUses, undefined, i)) return this.fallback('module code names it');
    let frontier = [...analyse];
    for (let round = 0; round < regions.length && frontier.length; round++) {
      const next: number[] = [];
      for (let i = 0; i < regions.length; i++) {
        if (analyse.has(i) || !frontier.some((j) => reaches(uses[i], classes[i], j))) continue;
        if (reaches(moduleUses, undefined, i)) return this.fallback('module code names a dependant');
        analyse.add(i);
        next.push(i);
      }
      frontier = next;
      if (analyse.size > regions.length * MAX_DEPENDANT_SHARE) return this.fallback('too many dependants');
    }
    // And the functions the changed statements name (a call added, a registration, a task): their contexts may change.
    for (const i of changed) {
      const before = regionIn(previous.tree, previous.regions[i]);
      const after = regions[i];
      if (outsideBindings(before.node, language) !== outsideBindings(after.node, language)) return this.fallback('binds names outside');
      let prefix = 0;
      const shortest = Math.min(before.text.length, after.text.length);
      while (prefix < shortest && before.text[prefix] === after.text[prefix]) prefix++;
      let suffix = 0;
      while (suffix < shortest - prefix && before.text[before.text.length - 1 - suffix] === after.text[after.text.length - 1 - suffix]) suffix++;
      const statements = [statementAround(before, before.start + prefix, before.start + before.text.length - suffix), statementAround(after, after.start + prefix, after.start + after.text.length - suffix)];
      // Spaces added or removed between the same tokens change no name's meaning (positions are compared below).
      if (tokensOf(statements[0]) === tokensOf(statements[1])) continue;
      const touched = usesIn(statements);
      for (let j = 0; j < regions.length; j++) if (reaches(touched, classes[i], j)) analyse.add(j);
    }
    if (analyse.size > MAX_CHECKED) return this.fallback('too many functions to check');
    // Each of them must show the units (calls, contexts, registrations) and summary the call graph and the summary
    // cache kept: then the graph and every other function's findings stand. Without those kept, the whole file.
    const kept = previous.units;
    const keptSummary = kept?.summaryKey !== undefined ? storedSummary(kept.summaryKey) : undefined;
    if (!kept || !keptSummary || (language !== 'python' && !previous.tsNames)) return this.fallback('no call graph kept');
    const context = this.contextOf(input, input.tree, input.text, input.facts);
    for (const i of analyse) {
      const now = currentFacts(context, regions[i].node, previous.tsNames);
      const before = regionIn(previous.tree, previous.regions[i]).node;
      const ids = new Set(functionsIn(before, language).map((fn) => unitId(fn, language)));
      const [first, last] = previous.spans[i];
      const units = kept.units.filter((u) => u.id !== '' && ids.has(u.id));
      const registrations = kept.registrations.filter((r) => first <= r.own.range.start.line && r.own.range.start.line <= last);
      const summaries = keysIn(before, language).map((k) => [k, keptSummary.functions[k] ?? null]);
      if (JSON.stringify([units, registrations, summaries]) !== now) return this.fallback('facts changed');
    }
    // Keep the graph's and the summaries' work: the file summarises and calls as before.
    if (language === 'python') seedOwnSummary(input.facts.python(), input, compact(keptSummary));
    else seedTsSummary(context, compact(keptSummary), previous.tsNames!);
    carryTreeUnits(input.tree, input.path, { ...kept, summaryKey: carrySummary(kept.summaryKey!, input.text)! });
    return { analyse };
  }

  /** Per function text: the names it spells. */
  private usesCache = new Map<string, Uses>();

  private uses(region: Region): Uses {
    let found = this.usesCache.get(region.text);
    if (!found) boundedSet(this.usesCache, region.text, found = usesIn([region.node]));
    return found;
  }

  private contextOf(input: IncrementalInput, tree: Tree, text: string, facts: TreeFacts): AnalysisContext {
    return {
      language: input.language, tree, root: tree.rootNode, text, lines: input.lines, settings: input.settings, path: input.path,
      readFile: input.readFile, python: () => facts.python(), ts: () => facts.ts(),
    };
  }

  dispose(): void {
    this.previous?.tree.delete();
    this.previous = undefined;
  }
}

/** Texts kept per cache: a file's functions and a few edits' worth of old versions. */
const MAX_CACHED_TEXTS = 20_000;
function boundedSet<V>(cache: Map<string, V>, key: string, value: V): void {
  if (cache.size >= MAX_CACHED_TEXTS) cache.delete(cache.keys().next().value!);
  cache.set(key, value);
}

function positionKey(lines: LineIndex, offset: number): string {
  const at = lines.positionAt(offset);
  return `${at.line}:${at.column}`;
}

/** The classes a function sits in, outermost first ('' for a module function). */
function classKey(region: Region): string {
  const names: string[] = [];
  for (let holder = region.node.parent, depth = 0; holder && depth < MAX_CLASS_DEPTH * 3; holder = holder.parent, depth++) {
    if (holder.type === PY_CLASS || TS_CLASSES.has(holder.type)) names.unshift(holder.childForFieldName('name')?.text ?? '?');
  }
  return names.join('.');
}

/** Some class of the file names a base (Python) or extends another (TS/JS): `self.m` may then reach another class's method. */
function hasLocalInheritance(root: Node, language: Language): boolean {
  return declarations(root).some((cls) => (language === 'python'
    ? cls.type === PY_CLASS && (cls.childForFieldName('superclasses')?.namedChildren.length ?? 0) > 0
    : TS_CLASSES.has(cls.type) && cls.namedChildren.some((c) => c?.type === 'class_heritage')));
}

/** Names as code spells them: bare (`f`, a type), as a member of `self`/`this`/`cls`, or as a member of another object. */
interface Uses { bare: Set<string>; own: Set<string>; attr: Set<string> }

function usesIn(nodes: readonly Node[], keep: (node: Node) => boolean = () => true): Uses {
  const found: Uses = { bare: new Set(), own: new Set(), attr: new Set() };
  for (const at of nodes) {
    for (const node of at.descendantsOfType(NAME_TYPES)) {
      if (!node || !keep(node)) continue;
      const parent = node.parent;
      const object = parent && (parent.type === 'attribute' || parent.type === 'member_expression') && parent.lastNamedChild?.id === node.id && parent.firstNamedChild?.id !== node.id ? parent.firstNamedChild : null;
      if (!object) found.bare.add(node.text);
      else if (object.type === 'this' || (object.type === 'identifier' && (object.text === 'self' || object.text === 'cls'))) found.own.add(node.text);
      else found.attr.add(node.text);
    }
  }
  return found;
}

/** Names the module's own code (outside every function) spells, not those it declares. */
function usesOfSkeleton(input: IncrementalInput, regions: readonly Region[]): Uses {
  return usesIn([input.tree.rootNode], (node) => {
    if (regionAt(regions, node.startIndex) >= 0) return false;
    // A class's or function's own name in its header, a field or an interface member (`total: float`, `id: number;`),
    // a variable assigned: declared here. Uses of them elsewhere count.
    const parent = node.parent;
    if (parent && DEFINITION_TYPES.includes(parent.type) && parent.childForFieldName('name')?.id === node.id) return false;
    return !(parent && DECLARING_TYPES.has(parent.type) && (parent.childForFieldName('name') ?? parent.childForFieldName('left'))?.id === node.id);
  });
}

/** Whether every ERROR or MISSING node of `tree` lies inside one of `spans`: a walk into error-holding nodes only. */
function errorsOnlyWithin(tree: Tree, spans: readonly Span[]): boolean {
  if (!tree.rootNode.hasError) return true;
  const inside = (node: Node) => spans.some((s) => s.start <= node.startIndex && node.endIndex <= s.end);
  const cursor = tree.walk();
  try {
    for (;;) {
      const node = cursor.currentNode;
      if ((node.isError || node.isMissing) && !inside(node)) return false;
      // Below a node inside a span nothing more can be outside: skip it.
      if (node.hasError && !node.isMissing && !inside(node) && cursor.gotoFirstChild()) continue;
      while (!cursor.gotoNextSibling()) {
        if (!cursor.gotoParent()) return true;
      }
    }
  } finally {
    cursor.delete();
  }
}

/** A node's tokens (leaves' types and texts), without the spaces between them. */
function tokensOf(node: Node): string {
  const parts: string[] = [];
  const cursor = node.walk();
  try {
    // Pre-order over the node's subtree: bounded by its size.
    for (;;) {
      if (cursor.nodeType && cursor.currentNode.childCount === 0) parts.push(`${cursor.nodeType}\u0000${cursor.currentNode.text}`);
      if (cursor.gotoFirstChild()) continue;
      while (!cursor.gotoNextSibling()) {
        if (!cursor.gotoParent() || cursor.currentNode.id === node.id) return parts.join('\u0001');
      }
    }
  } finally {
    cursor.delete();
  }
}

/** The region holding `offset`, or -1. Regions are in document order: a binary search. */
function regionAt(regions: readonly Region[], offset: number): number {
  let low = 0;
  let high = regions.length - 1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    if (offset < regions[mid].start) high = mid - 1;
    else if (offset >= regions[mid].end) low = mid + 1;
    else return mid;
  }
  return -1;
}

/** The function nodes inside `fn` (itself included), in document order. */
function functionsIn(fn: Node, language: Language): Node[] {
  return fn.descendantsOfType(language === 'python' ? ['function_definition'] : [...FUNCTION_TYPES]).filter((n): n is Node => n !== null);
}

/** The summary keys of the functions inside `fn`. */
function keysIn(fn: Node, language: Language): string[] {
  return functionsIn(fn, language).flatMap((n) => {
    const key = language === 'python' ? functionKey(n) : tsFunctionKey(n);
    return key ? [key] : [];
  });
}

/** A function's units, the registrations its calls make, and its summary entries (packed), as text to compare. */
function currentFacts(context: AnalysisContext, fn: Node, names: ReadonlySet<string> | undefined): string {
  const { units, registrations } = unitsOf(context.tree, context.language, context.path ?? '', context.text, context.readFile!, undefined, { python: () => context.python(), ts: () => context.ts() }, fn, names);
  let summaries: [string, string | null][];
  if (context.language === 'python') {
    // Each function's own summary (not the file's: that would summarise every function's header again).
    const lookup = blockingLookup(context.settings);
    summaries = functionsIn(fn, 'python').flatMap((node) => {
      const found = functionSummary(context.python(), node, lookup);
      return found ? [[found.key, packFunction(found)] as [string, string]] : [];
    });
  } else {
    summaries = functionsIn(fn, context.language).flatMap((node) => {
      const found = tsFunctionSummary(context, node, names!);
      return found ? [[found.key, packFunction(found)] as [string, string]] : [];
    });
  }
  return JSON.stringify([units, registrations, summaries]);
}
