// An edit's analysis, per function: the file is cut into its outermost functions (module functions and methods) and the
// rest (the module's own code, class bodies, imports). After an edit, only the functions whose text changed and those
// whose results may read them are analysed again; every other function's findings are the last analysis's. Whatever
// the check cannot show to be unaffected is analysed whole, so the results are those of an analysis from scratch.
import type { Node, Tree } from 'web-tree-sitter';
import { type TreeFacts } from './analysis';
import { carryTreeUnits, changedSince, graphFor, graphGeneration, graphOfUnits, keptTreeUnits, lastBuiltGraph, unitId, unitsOf, type ContextGraph, type FileUnits } from './context/graph';
import { compact, moveStored, packFunction, type StoredSummary } from './project/packed';
import { editMap, moveDiagnostic, movedId, moveUnits, NotMovable, type EditMap } from './editMap';
import { carryUses, keptUses } from './context/fileIndex';
import { carryModuleFacts, keptModuleFacts, type ModuleFacts } from './context/entries';
import { FUNCTION_TYPES, knowOutermostFunctions } from './ts/semantics';
import { seedOwnSummary } from './project/followPython';
import { carrySpecifiers, keptSpecifiers, seedTsSummary, tsFunctionSummary, tsOwnNames } from './project/followTs';
import { baseName, carryMovedSummary, carrySummary, storedSummary, type FileSummary } from './project/project';
import { functionKey, functionSummary } from './project/pythonSummary';
import { tsFunctionKey } from './project/followTs';
import type { AnalysisContext } from './analysis';
import type { AnalysisSettings, Diagnostic, Language } from './types';
import type { LineIndex } from './text';
import { blockingLookup, lookupKey } from './catalog/blocking';
import { defaultSettings } from './types';

/** One outermost function: where it sits (its trailing spaces included). */
interface Span { start: number; end: number }
interface Region extends Span { node: Node; text: string }

/**
 * The file's outermost functions as the last analysis left them: where each sits, its name, the classes it sits in, and
 * the names it spells (with how many functions, or the module's code, spell each name). An edit inside one function
 * changes that function's entries only: the next analysis updates them instead of reading every function again.
 */
interface Layout {
  spans: Span[];
  names: string[];
  classes: string[];
  uses?: Uses[];
  mentioned?: Map<string, number>;
}

/** The function node a span of an earlier analysis stands for, in the copy of that analysis's tree. */
function regionIn(tree: Tree, span: Span, text: string): Region {
  return { start: span.start, end: span.end, text: text.slice(span.start, span.end), node: functionAt(tree, span.start) ?? tree.rootNode };
}

/** The function starting at `start` (its first token's offset), if any. */
function functionAt(tree: Tree, start: number): Node | undefined {
  let node: Node | null = tree.rootNode.descendantForIndex(start, start);
  // Up from the first token to the function it starts: bounded by the nesting at one offset.
  for (let depth = 0; node && depth < 256; depth++, node = node.parent) {
    if (node.startIndex === start && (node.type === 'function_definition' || TS_FUNCTIONS.has(node.type))) return node;
  }
  return undefined;
}

/** The types of a node's ancestors, innermost first: two functions with the same are outermost functions alike. */
function nesting(node: Node): string {
  const types: string[] = [];
  for (let holder = node.parent, depth = 0; holder && depth < 256; holder = holder.parent, depth++) types.push(holder.type);
  return types.join(' ');
}

/** What the last analysis of a document left: enough to tell what an edit changed and to keep the rest's findings. */
interface Previous {
  /** A copy of the analysed tree (an edit changes the document's own in place). */
  tree: Tree;
  language: Language;
  text: string;
  lines: LineIndex;
  key: string;
  regions: Span[];
  /** The functions' names, classes and uses, when known (an edit then updates them). */
  layout: Layout | undefined;
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
  /** The modules the file's TS/JS code names (its imports and requires, outside functions). */
  specifiers?: readonly string[];
  /** What the module's code outside functions showed about who runs the file (plain facts only). */
  moduleFacts?: ModuleFacts;
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
  return declarationsWithClasses(root).map((d) => d.node);
}

/** declarations(), each with the classes it sits in (outermost first, '.'-joined; '' at module level). */
function declarationsWithClasses(root: Node): { node: Node; classes: string }[] {
  const found: { node: Node; classes: string }[] = [];
  const visit = (container: Node, depth: number, classes: string) => {
    for (const child of container.namedChildren) {
      let node: Node | null = child;
      if (node?.type === 'decorated_definition') node = node.childForFieldName('definition');
      if (node?.type === 'export_statement') node = node.childForFieldName('declaration');
      if (!node) continue;
      found.push({ node, classes });
      const body = node.type === PY_CLASS || TS_CLASSES.has(node.type) ? node.childForFieldName('body') : null;
      if (body && depth < MAX_CLASS_DEPTH) {
        const name = node.childForFieldName('name')?.text ?? '?';
        visit(body, depth + 1, classes ? `${classes}.${name}` : name);
      }
    }
  };
  visit(root, 0, '');
  return found;
}

function isFunction(node: Node, language: Language): boolean {
  return language === 'python' ? node.type === 'function_definition' : TS_FUNCTIONS.has(node.type);
}

/** A file's outermost functions, in order: module-level ones and methods of module-level classes (nested classes too). */
export function outermostFunctions(root: Node, language: Language): Node[] {
  return declarations(root).filter((node) => isFunction(node, language));
}

/** Where a function's region ends: spaces typed after its last token are its own (they change no other part of the file). */
function regionEnd(node: Node, text: string): number {
  let end = node.endIndex;
  while (end < text.length && (text[end] === ' ' || text[end] === '\t')) end++;
  return end;
}

function regionsOf(root: Node, text: string, language: Language): (Region & { classes: string })[] {
  return declarationsWithClasses(root).filter((d) => isFunction(d.node, language)).map(({ node, classes }) => {
    const end = regionEnd(node, text);
    return { node, start: node.startIndex, end, text: text.slice(node.startIndex, end), classes };
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
 * `global`, `nonlocal`, a TS `import` inside it; as tokens, so that an edit elsewhere in the function (or only of spaces)
 * keeps it equal.
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
    // An import typed inside a function (a syntax error TypeScript reports, which the parser takes as a statement) is
    // read as the module's: another function's call of that name may resolve differently.
    for (const statement of node.descendantsOfType('import_statement')) if (statement) found.push(statement);
  }
  return found.sort((a, b) => a.startIndex - b.startIndex).map(tokensOf).join('\u0002');
}

/** The analysed tree's functions, as an analysis finds them: carried from the last analysis or read from the tree. */
interface Current {
  layout?: Layout;
  /** Function nodes of the analysed tree found so far, by index. */
  nodes: Map<number, Node>;
  /** The layout is the last analysis's, updated for an edit inside one function. */
  carried: boolean;
  /** How that edit moved the rest of the file (what the last analysis kept is moved with it), and where it was. */
  map?: EditMap;
  edit?: { start: number; oldEnd: number; newEnd: number };
}

/** The file's functions read from the tree (names and classes; the names they spell when a plan asks). */
function readLayout(input: IncrementalInput, current: Current): void {
  const regions = regionsOf(input.tree.rootNode, input.text, input.language);
  current.layout = {
    spans: regions.map((r) => ({ start: r.start, end: r.end })),
    names: regions.map((r) => r.node.childForFieldName('name')?.text ?? ''),
    classes: regions.map((r) => r.classes),
  };
  current.carried = false;
  current.nodes = new Map(regions.map((r, i) => [i, r.node]));
}

/** Function `i` of the analysed tree (found from where it starts when not yet known). */
function nodeIn(tree: Tree, current: Current, spans: readonly Span[], i: number): Node {
  let node = current.nodes.get(i);
  if (!node) current.nodes.set(i, node = functionAt(tree, spans[i].start) ?? tree.rootNode);
  return node;
}

/** Adds (`sign` 1) or removes (-1) the names `uses` spells to the counts (each set once, as a function spells it). */
function count(counts: Map<string, number>, uses: Uses, sign: 1 | -1, own = true): void {
  for (const set of own ? [uses.bare, uses.attr, uses.own] : [uses.bare, uses.attr]) {
    for (const name of set) counts.set(name, (counts.get(name) ?? 0) + sign);
  }
}

/**
 * The last analysis's layout after an edit inside one function, or undefined when the edit is not one the layout can
 * follow. The texts differ in one span (found by comparing them from both ends); it must lie in one function, which
 * must still start where it did, nest as it did and end where its text now ends, the end closing its line on the same
 * line as before: then the rest of the file has the same text, and every other function and finding keeps its place.
 */
function editedLayout(input: IncrementalInput, previous: Previous): { layout: Layout; changed: number[]; nodes: Map<number, Node>; edit?: { start: number; oldEnd: number; newEnd: number } } | undefined {
  const layout = previous.layout;
  if (!layout?.uses || !layout.mentioned) return undefined;
  const before = previous.text;
  const after = input.text;
  let { prefix, suffix } = sameEnds(before, after);
  if (prefix === before.length && prefix === after.length) return { layout, changed: [], nodes: new Map() };
  // Text typed or deleted right after a function's last character may be its own ("\n    more()" after its last line):
  // the same edit, slid back while the text before it ends as the edited text does, can start there.
  const edited = before.length === prefix + suffix ? after.slice(prefix, after.length - suffix) : after.length === prefix + suffix ? before.slice(prefix, before.length - suffix) : undefined;
  let i = regionAt(layout.spans, prefix);
  // Where the edit was found first, when that is outside every function (it may be spaces between them after all).
  const outside = i < 0 ? { prefix, suffix } : undefined;
  if (i < 0 && edited) {
    let slide = 0;
    // Bounded by the edited text's length (a rotation of it) and by MAX_SLIDE.
    while (slide < Math.min(edited.length, MAX_SLIDE) && prefix - slide > 0 && before[prefix - slide - 1] === edited[edited.length - 1 - slide % edited.length]) {
      slide++;
      const end = layout.spans.find((span) => span.end === prefix - slide);
      if (end) {
        prefix -= slide;
        suffix += slide;
        i = layout.spans.indexOf(end);
        break;
      }
    }
  }
  if (i < 0 && prefix > 0) {
    const j = regionAt(layout.spans, prefix - 1);
    if (j >= 0 && layout.spans[j].end === prefix) i = j;
  }
  if (i < 0) return spacesBetween(input, previous, layout, prefix, suffix);
  return insideFunction(input, previous, layout, i, prefix, suffix) ?? (outside ? spacesBetween(input, previous, layout, outside.prefix, outside.suffix) : undefined);
}

/** editedLayout() for an edit within function `i` (or at its end, as its own text). */
function insideFunction(input: IncrementalInput, previous: Previous, layout: Layout, i: number, prefix: number, suffix: number): ReturnType<typeof editedLayout> {
  if (!layout.uses || !layout.mentioned) return undefined;
  const before = previous.text;
  const after = input.text;
  const span = layout.spans[i];
  if (before.length - suffix > span.end) return undefined;
  const delta = after.length - before.length;
  const node = functionAt(input.tree, span.start);
  const old = functionAt(previous.tree, span.start);
  if (!node || !old || node.type !== old.type || nesting(node) !== nesting(old)) return undefined;
  // Its region ends where its old end moved to. The function itself may end a little earlier, before spaces and line
  // breaks only: the edit moved spaces at its end onto lines of their own (a line break typed before a line's trailing
  // spaces). The region keeps them, as the kept names around it assume.
  const end = span.end + delta;
  const own = regionEnd(node, after);
  if (own !== end && !/^[ \t\r\n]*$/.test(after.slice(Math.min(own, end), Math.max(own, end)))) return undefined;
  if (end < after.length && after[end] !== '\n' && after[end] !== '\r') return undefined;
  // Its last line moved by the lines the edit added or removed (the rest of the file with it).
  if (input.lines.positionAt(end).line !== previous.spans[i][1] + input.lines.lineCount - previous.lines.lineCount) return undefined;
  const spans = layout.spans.map((s, j) => (j < i ? s : j === i ? { start: s.start, end } : { start: s.start + delta, end: s.end + delta }));
  const uses = layout.uses;
  count(layout.mentioned, uses[i], -1);
  uses[i] = usesIn([node]);
  count(layout.mentioned, uses[i], 1);
  layout.names[i] = node.childForFieldName('name')?.text ?? '';
  return {
    layout: { spans, names: layout.names, classes: layout.classes, uses, mentioned: layout.mentioned }, changed: [i], nodes: new Map([[i, node]]),
    edit: { start: prefix, oldEnd: before.length - suffix, newEnd: after.length - suffix },
  };
}

/**
 * The last analysis's layout after an edit of spaces and line breaks between functions (a blank line added or removed
 * after a function), or undefined when it may change what the code means: inside a string or a comment, or where the
 * code after it starts its line differently (Python's indentation), or with any syntax error.
 */
function spacesBetween(input: IncrementalInput, previous: Previous, layout: Layout, prefix: number, suffix: number): ReturnType<typeof editedLayout> {
  const before = previous.text;
  const after = input.text;
  const oldEnd = before.length - suffix;
  const newEnd = after.length - suffix;
  const spaces = /^[ \t\r\n]*$/;
  if (!spaces.test(before.slice(prefix, oldEnd)) || !spaces.test(after.slice(prefix, newEnd))) return undefined;
  if (input.tree.rootNode.hasError || previous.tree.rootNode.hasError) return undefined;
  // The edit touches no function, and lies in the module's or a class's own code, not in a string or comment there.
  const next = layout.spans.findIndex((span) => span.start >= oldEnd);
  if (layout.spans.some((span) => span.start < oldEnd && prefix < span.end)) return undefined;
  // What the edit added, in the new tree, and what it removed, in the old one (a blank line deleted leaves no range in
  // the new text: the smallest node at its place there is the next token).
  const inCode = (tree: Tree, start: number, end: number) => {
    const around = tree.rootNode.descendantForIndex(start, end);
    return !!around && ['module', 'program', 'block', 'class_body', 'statement_block'].includes(around.type);
  };
  if (newEnd > prefix && !inCode(input.tree, prefix, newEnd)) return undefined;
  if (oldEnd > prefix && !inCode(previous.tree, prefix, oldEnd)) return undefined;
  // The code after the edit starts its line as before (what its line holds before it, back to the line break).
  const lineHead = (text: string, from: number) => {
    let code = from;
    while (code < text.length && /[ \t\r\n]/.test(text[code])) code++;
    let start = code;
    while (start > 0 && text[start - 1] !== '\n' && text[start - 1] !== '\r') start--;
    return text.slice(start, code);
  };
  if (lineHead(before, oldEnd) !== lineHead(after, newEnd)) return undefined;
  const delta = newEnd - oldEnd;
  const spans = layout.spans.map((s, j) => (next >= 0 && j >= next ? { start: s.start + delta, end: s.end + delta } : s));
  return { layout: { ...layout, spans }, changed: [], nodes: new Map(), edit: { start: prefix, oldEnd, newEnd } };
}

/** Characters an edit is slid back at most to start at a function's end. */
const MAX_SLIDE = 256;

/** Characters compared at once (as strings) before the single characters of the one chunk that differs. */
const CHUNK = 4096;

/** How many characters two texts share at their start, and then at their end (not overlapping the first). */
function sameEnds(before: string, after: string): { prefix: number; suffix: number } {
  const shortest = Math.min(before.length, after.length);
  let prefix = 0;
  while (prefix + CHUNK <= shortest && before.slice(prefix, prefix + CHUNK) === after.slice(prefix, prefix + CHUNK)) prefix += CHUNK;
  while (prefix < shortest && before.charCodeAt(prefix) === after.charCodeAt(prefix)) prefix++;
  let suffix = 0;
  const room = shortest - prefix;
  while (suffix + CHUNK <= room && before.slice(before.length - suffix - CHUNK, before.length - suffix) === after.slice(after.length - suffix - CHUNK, after.length - suffix)) suffix += CHUNK;
  while (suffix < room && before.charCodeAt(before.length - 1 - suffix) === after.charCodeAt(after.length - 1 - suffix)) suffix++;
  return { prefix, suffix };
}

/** Trees of earlier analyses, deleted once the analysis that replaced them has answered (freeing one costs as much as its size). */
const toRelease: Tree[] = [];
function releaseLater(tree: Tree): void {
  if (toRelease.push(tree) > 1) return;
  setImmediate(() => {
    for (const old of toRelease.splice(0)) old.delete();
  });
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
  /** The last analysis took an edited function's new facts (calls, contexts, summary) into the call graph. */
  lastReplacedFacts = false;

  private fallback(why: string): undefined {
    this.lastFallback = why;
    return undefined;
  }

  analyse(input: IncrementalInput, run: RuleRun): { diagnostics: Diagnostic[]; failed: boolean } {
    const key = keyOf(input.settings, input.only, input.path);
    this.lastFallback = undefined;
    this.lastReplacedFacts = false;
    const current: Current = { nodes: new Map(), carried: false };
    const plan = this.plan(input, key, current);
    if (!current.layout) readLayout(input, current);
    const layout = current.layout!;
    const regions = layout.spans;
    const nodeOf = (i: number) => nodeIn(input.tree, current, regions, i);
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
      const result = run(scope.map(nodeOf));
      failed = result.failed;
      const fresh = result.diagnostics.map((diagnostic) => ({ diagnostic, region: regionAt(regions, input.lines.offsetAt(diagnostic.range.start)) }))
        .filter((f) => plan.analyse.has(f.region));
      findings = [...plan.kept, ...fresh];
      this.lastAnalysed = scope.length;
    }
    const previous = this.previous;
    const moduleUses = plan ? previous!.moduleUses : undefined;
    const inherits = plan ? previous!.inherits : undefined;
    if (previous) releaseLater(previous.tree);
    this.previous = undefined;
    if (!failed) {
      // The copy's nodes are the ones read at the next edit (the document's tree is edited in place).
      const tree = input.tree.copy();
      // An edit inside one function that moved nothing after it: the positions kept stand.
      const same = current.carried && previous !== undefined && !current.map?.moves;
      this.previous = {
        tree, language: input.language, text: input.text, lines: input.lines, key, regions, layout,
        skeleton: current.carried && previous ? previous.skeleton : skeletonOf(input.text, regions),
        ...(input.language !== 'python' && tsOwnNames(input.facts.ts()) ? { tsNames: tsOwnNames(input.facts.ts()) } : {}),
        ...(keptUses(input.tree) ? { uses: keptUses(input.tree) } : {}),
        ...(keptSpecifiers(input.tree) ? { specifiers: keptSpecifiers(input.tree) } : {}),
        ...(keptModuleFacts(input.tree) ? { moduleFacts: keptModuleFacts(input.tree) } : {}),
        findings, units: input.path ? keptTreeUnits(input.tree, input.path) : undefined, generation: graphGeneration(),
        starts: same ? previous.starts : regions.map((r) => positionKey(input.lines, r.start)),
        spans: same ? previous.spans : regions.map((r) => [input.lines.positionAt(r.start).line, input.lines.positionAt(r.end).line]),
        ...(moduleUses ? { moduleUses } : {}), ...(inherits !== undefined ? { inherits } : {}),
      };
    }
    return { diagnostics: findings.map((f) => f.diagnostic), failed };
  }

  /**
   * What the next edit's plan reads from this analysis and would otherwise find then (the names each function and the
   * module's own code spell, whether classes inherit): found ahead, while the editor is idle after an analysis.
   */
  prepare(): void {
    const previous = this.previous;
    const last = previous?.layout;
    if (!previous || !last) return;
    // Class headers are outside functions: an edit the plan does not send to a whole analysis leaves them as they are.
    previous.inherits ??= hasLocalInheritance(previous.tree.rootNode, previous.language);
    if (last.uses && last.mentioned) return;
    this.knowUses(last, previous.moduleUses ??= usesOfSkeleton(previous.tree.rootNode, last.spans), (i) => regionIn(previous.tree, last.spans[i], previous.text));
  }

  /** Which functions to analyse again, or undefined: the whole file. Leaves the file's functions in `current`. */
  private plan(input: IncrementalInput, key: string, current: Current): { analyse: Set<number>; kept: Previous['findings'] } | undefined {
    const previous = this.previous;
    if (!previous || previous.key !== key || !input.path || !input.readFile || !input.listFiles) return this.fallback('no earlier analysis');
    // Another file's change may change any function's findings (what it calls there, who calls it from there).
    if (changedSince(previous.generation, input.path) || input.readFile(input.path) !== input.text) return this.fallback('another file changed');
    let changed: number[];
    // The names each function spells, which an edit's layout updates: read from the last tree when not yet known.
    const last = previous.layout;
    if (last && (!last.uses || !last.mentioned)) this.prepare();
    const edited = editedLayout(input, previous);
    if (edited) {
      current.layout = edited.layout;
      current.carried = true;
      if (edited.edit) {
        const base = baseName(input.path);
        const sameBaseName = input.listFiles(input.path).some((file) => file !== input.path && baseName(file) === base);
        const map = editMap(previous.lines, input.lines, edited.edit.start, edited.edit.oldEnd, edited.edit.newEnd, base, sameBaseName);
        if (map.moves) {
          current.map = map;
          current.edit = edited.edit;
        }
      }
      for (const [i, node] of edited.nodes) current.nodes.set(i, node);
      changed = edited.changed;
    } else {
      readLayout(input, current);
      const regions = current.layout!.spans;
      // Positions of findings outside the edited functions must stay where they were: no line came or went.
      if (previous.lines.lineCount !== input.lines.lineCount || previous.regions.length !== regions.length) return this.fallback('lines moved');
      if (skeletonOf(input.text, regions) !== previous.skeleton) return this.fallback('code outside functions changed');
      changed = [];
      for (let i = 0; i < regions.length; i++) {
        if (input.text.slice(regions[i].start, regions[i].end) !== previous.text.slice(previous.regions[i].start, previous.regions[i].end)) changed.push(i);
        // Two functions on one line: an edit in the first moves the second's findings.
        else if (positionKey(input.lines, regions[i].start) !== previous.starts[i]) return this.fallback('a function moved');
      }
    }
    const layout = current.layout!;
    const regions = layout.spans;
    const nodeOf = (i: number) => nodeIn(input.tree, current, regions, i);
    // Name look-ups in the analysed functions then read those functions and the module's code, not every function.
    // What the module's own code shows (imports of test or command-line libraries, a `__main__` block): the same as before.
    if (previous.moduleFacts) carryModuleFacts(input.tree, previous.moduleFacts);
    if (input.language !== 'python') {
      knowOutermostFunctions(input.tree, layout);
      // The module's imports are outside every function: the same as before.
      if (previous.specifiers) carrySpecifiers(input.tree, previous.specifiers);
    }
    // The catalogue the call graph's summaries use must be the rules' (one summary to compare).
    if (lookupKey(input.settings) !== lookupKey(defaultSettings)) return this.fallback('project catalogue');
    if (changed.length > MAX_CHANGED) return this.fallback('too many changed');
    // Nothing changed, nothing moved: the last findings stand.
    if (!changed.length && !current.map) return { analyse: new Set(), kept: previous.findings };
    // Syntax errors, before and after, only inside the changed functions: the rest parsed as before.
    if (!errorsOnlyWithin(input.tree, changed.map((i) => regions[i])) || !errorsOnlyWithin(previous.tree, changed.map((i) => previous.regions[i]))) {
      return this.fallback('syntax errors outside the edit');
    }
    // The file's name index follows the edit (the rest moved, the changed functions' names added): no search of the whole tree.
    if (previous.uses) {
      const spans: { oldStart: number; oldEnd: number; node?: Node; newStart: number; newEnd: number }[] = changed.map((i) => ({ oldStart: previous.regions[i].start, oldEnd: previous.regions[i].end, node: nodeOf(i), newStart: regions[i].start, newEnd: regions[i].end }));
      // Spaces between functions: no names there, the rest moved.
      if (!changed.length && current.edit) spans.push({ oldStart: current.edit.start, oldEnd: current.edit.oldEnd, node: undefined, newStart: current.edit.start, newEnd: current.edit.newEnd });
      carryUses(input.tree, previous.uses, spans);
    }
    const language = input.language;
    const { classes, names } = layout;
    const moduleUses = previous.moduleUses ??= usesOfSkeleton(input.tree.rootNode, regions);
    if (!layout.uses || !layout.mentioned) {
      this.knowUses(layout, moduleUses, (i) => ({ text: input.text.slice(regions[i].start, regions[i].end), node: nodeOf(i) }));
    }
    const uses = layout.uses!;
    const mentioned = layout.mentioned!;
    // Class headers are outside functions: found once per skeleton, like the module's names.
    const inherits = previous.inherits ??= hasLocalInheritance(input.tree.rootNode, input.language);
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
      return used.attr.has(own) && (mentioned.get(chain[chain.length - 1]) ?? 0) > 0;
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
      const before = regionIn(previous.tree, previous.regions[i], previous.text);
      const after: Region = { start: regions[i].start, end: regions[i].end, node: nodeOf(i), text: input.text.slice(regions[i].start, regions[i].end) };
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
    // A fix names what it adds so as not to clash with any word of the file (`exec`, else `execAsync`): a word the edit
    // made appear in the file or vanish from it may change another function's fix that spells it.
    const words = wordsWhosePresenceChanged(previous.text, input.text, current.edit ?? editSpan(previous.text, input.text));
    if (words === undefined) return this.fallback('too many words changed');
    for (const finding of words.length ? previous.findings : []) {
      const texts = finding.diagnostic.fixes.flatMap((fix) => [fix.title, ...fix.edits.map((e) => e.newText)]);
      if (!words.some((word) => texts.some((text) => text.includes(word)))) continue;
      if (finding.region < 0) return this.fallback('a fix outside functions spells a word the edit changed');
      analyse.add(finding.region);
    }
    if (analyse.size > MAX_CHECKED) return this.fallback('too many functions to check');
    // Each of them must show the units (calls, contexts, registrations) and summary the call graph and the summary
    // cache kept: then the graph and every other function's findings stand. Without those kept, the whole file.
    const kept = previous.units;
    // The summary read back once per summary kept (an edit's analysis carries it on under the new text's key).
    const memo = this.summary?.key === kept?.summaryKey ? this.summary : undefined;
    const keptSummary = memo?.stored() ?? (kept?.summaryKey !== undefined ? storedSummary(kept.summaryKey) : undefined);
    if (!kept || !keptSummary || (language !== 'python' && !previous.tsNames)) return this.fallback('no call graph kept');
    const context = this.contextOf(input, input.tree, input.text, input.facts);
    const map = current.map;
    const path = input.path;
    let moved: { units: FileUnits; summary: ReturnType<typeof moveStored> } | undefined;
    let kept_: Previous['findings'];
    /** Old ids of the edited functions' units the edit made unmovable ('' for a registration). */
    const unmovable = new Set<string>();
    /** Edited functions whose calls, contexts, registrations or summary changed: their old ids, lines, keys, new facts. */
    const changedFacts: { ids: Set<string>; span: [number, number]; keys: string[]; now: Facts }[] = [];
    try {
      // What the last analysis kept, moved through the edit (positions after it, ids and texts naming lines after it).
      // Without lines moving, only the rest of the edited line moves: the changed functions' entries, no other.
      const movable = map?.linesMove ? undefined : new Set(changed.flatMap((i) => keysIn(regionIn(previous.tree, previous.regions[i], previous.text).node, language)));
      // The edited functions' own old facts are only compared: where the edit makes them unmovable, they count as changed.
      const editedIds = new Set(changed.flatMap((i) => functionsIn(regionIn(previous.tree, previous.regions[i], previous.text).node, language).map((fn) => unitId(fn, language))));
      const inEdited = (range: { start: { line: number } }) => changed.some((i) => previous.spans[i][0] <= range.start.line && range.start.line <= previous.spans[i][1]);
      if (map) moved = { units: moveUnits(kept, map, path, editedIds, inEdited, unmovable), summary: moveStored(keptSummary, { move: (range) => map.range(range), affects: (range) => map.affects(range), wholeLines: (range) => map.wholeLines(range) }, movable) };
      const keptUnits = moved?.units ?? kept;
      for (const i of analyse) {
        const now = currentFacts(context, nodeOf(i), previous.tsNames);
        const before = regionIn(previous.tree, previous.regions[i], previous.text).node;
        // An edited function's unit the edit made unmovable kept its old id (see moveUnits).
        const idOf = (fn: Node) => {
          const id = unitId(fn, language);
          return !map || unmovable.has(id) ? id : movedId(id, map, path);
        };
        const ids = new Set(functionsIn(before, language).map(idOf));
        const [first, last] = map ? [input.lines.positionAt(regions[i].start).line, input.lines.positionAt(regions[i].end).line] : previous.spans[i];
        const units = keptUnits.units.filter((u) => u.id !== '' && ids.has(u.id));
        const registrations = keptUnits.registrations.filter((r) => first <= r.own.range.start.line && r.own.range.start.line <= last);
        const keys = keysIn(before, language);
        const oldIds = functionsIn(before, language).map((fn) => unitId(fn, language));
        let same = changed.includes(i) ? !oldIds.some((id) => unmovable.has(id)) && !unmovable.has('') : true;
        if (same) {
          try {
            const summaries = keys.map((k) => [k, (moved ? moved.summary.movedText(k) : keptSummary.functions[k]) ?? null]);
            same = JSON.stringify([units, registrations, summaries]) === now.text;
          } catch (error) {
            if (!(error instanceof NotMovable) || !changed.includes(i)) throw error;
            same = false;
          }
        }
        if (same) continue;
        // Only an edited function's facts can change (another's text is as it was); and only an edit of its body is
        // taken in: its header (parameters, defaults, decorators, annotations) and a constructor's fields are read by
        // code that does not name it.
        if (!changed.includes(i) || !bodyEdit(before, nodeOf(i), current.edit, previous.text, input.text)) return this.fallback('facts changed');
        changedFacts.push({ ids, span: [first, last], keys, now });
      }
      const base = baseName(path);
      kept_ = previous.findings.filter((f) => !analyse.has(f.region))
        .map((f) => (map ? { diagnostic: moveDiagnostic(f.diagnostic, map, path, base), region: f.region } : f));
    } catch (error) {
      if (error instanceof NotMovable) return this.fallback(`not movable: ${error.message}`);
      throw error;
    }
    if (changedFacts.length) {
      // The edited functions' new facts replace theirs; the graph is built again from them, and every function whose
      // context it changes is analysed too.
      const more = this.replaceFacts(input, previous, layout, current, kept, keptSummary, moved, changedFacts, unmovable);
      if (!more) return undefined;
      this.lastReplacedFacts = true;
      for (const i of more) analyse.add(i);
      if (analyse.size > MAX_CHECKED || analyse.size > regions.length * MAX_DEPENDANT_SHARE) return this.fallback('contexts changed in too many functions');
      return { analyse, kept: kept_.filter((f) => !analyse.has(f.region)) };
    }
    // Keep the graph's and the summaries' work: the file summarises and calls as before.
    if (moved) this.carry(input, previous, kept.summaryKey!, moved.summary, moved.units);
    else this.carry(input, previous, kept.summaryKey!, { stored: keptSummary, compacted: memo?.compacted ?? compact(keptSummary) }, kept);
    return { analyse, kept: kept_ };
  }

  /**
   * The file's summary and units as the last analysis kept them (moved, or with new facts), carried to the new text: the
   * rules, the call graph and the next edit read them instead of summarising the file again.
   */
  private carry(input: IncrementalInput, previous: Previous, key: string, summary: ReturnType<typeof moveStored> | { stored: StoredSummary; compacted: FileSummary }, units: FileUnits): void {
    const moved = 'storedForm' in summary ? summary : undefined;
    const compacted = moved ?? (summary as { compacted: FileSummary }).compacted;
    if (input.language === 'python') seedOwnSummary(input.facts.python(), input, compacted);
    else seedTsSummary(this.contextOf(input, input.tree, input.text, input.facts), compacted, previous.tsNames!);
    const summaryKey = moved ? carryMovedSummary(key, input.text, moved) : carrySummary(key, input.text)!;
    const stored = moved ? () => moved.storedForm() : () => (summary as { stored: StoredSummary }).stored;
    this.summary = { key: summaryKey, stored, compacted };
    carryTreeUnits(input.tree, input.path!, { ...units, summaryKey });
  }

  /**
   * Carries the file's units and summary with the edited functions' new facts in place of their old ones, and returns
   * the functions (by region) whose context the new call graph gives differently from the last one; undefined (with the
   * reason) when that cannot be shown.
   */
  private replaceFacts(
    input: IncrementalInput, previous: Previous, layout: Layout, current: Current, kept: FileUnits, keptSummary: StoredSummary,
    moved: { units: FileUnits; summary: ReturnType<typeof moveStored> } | undefined, changedFacts: { ids: Set<string>; span: [number, number]; keys: string[]; now: Facts }[],
    unmovable: ReadonlySet<string>,
  ): Set<number> | undefined {
    const path = input.path!;
    const map = current.map;
    const listing = input.listFiles!(path);
    // A registration the edit made unmovable sits at its old place, which the new lines may not hold.
    if (unmovable.has('')) return this.fallback('facts changed: a registration in the edit');
    // Edits since the last graph was built moved the units kept (lines came or went): the graph of those, built again
    // from them (no file parsed), with the text they were made from.
    const oldGraph = lastBuiltGraph(listing, path, kept) ?? graphOfUnits(listing, path, kept, (file) => (file === path ? previous.text : input.readFile!(file)));
    const keptUnits = moved?.units ?? kept;
    const summary = moved?.summary ?? moveStored(keptSummary, { move: (range) => range }, new Set());
    let units = keptUnits.units;
    let registrations = keptUnits.registrations;
    // How many of the file's functions and methods go by each key ('f', 'Class.m').
    const regionKeys = new Map<string, number>();
    layout.names.forEach((name, i) => {
      const key = layout.classes[i] ? `${layout.classes[i]}.${name}` : name;
      regionKeys.set(key, (regionKeys.get(key) ?? 0) + 1);
    });
    for (const change of changedFacts) {
      // The same functions with keys (a summary's entries keep their order), in one run of units (nested ones follow theirs).
      if (JSON.stringify(change.now.summaries.map(([k]) => k)) !== JSON.stringify(change.keys)) return this.fallback('facts changed: functions added or removed');
      // Two functions under one key (a redefinition, or a declaration that broken syntax cut open): which one the file's
      // summary holds is the whole file's order, not this function's.
      if (new Set(change.keys).size !== change.keys.length || change.keys.some((k) => (regionKeys.get(k) ?? 0) > 1)) return this.fallback('facts changed: functions with the same key');
      const first = units.findIndex((u) => change.ids.has(u.id));
      const count = units.filter((u) => change.ids.has(u.id)).length;
      if (first < 0 || units.slice(first, first + count).some((u) => !change.ids.has(u.id))) return this.fallback('facts changed: units not in one run');
      units = [...units.slice(0, first), ...change.now.units, ...units.slice(first + count)];
      const [from, to] = change.span;
      const inside = (r: FileUnits['registrations'][number]) => from <= r.own.range.start.line && r.own.range.start.line <= to;
      const rest = registrations.filter((r) => !inside(r));
      const at = rest.findIndex((r) => r.own.range.start.line > to);
      registrations = at < 0 ? [...rest, ...change.now.registrations] : [...rest.slice(0, at), ...change.now.registrations, ...rest.slice(at)];
      for (const [key, text] of change.now.summaries) summary.replace(key, text!);
    }
    // What the last graph said of each other function, moved through the edit (a context it cannot move counts as changed).
    const replaced = new Set(changedFacts.flatMap((c) => [...c.ids]));
    const before = new Map<string, string | undefined>();
    kept.units.forEach((unit, index) => {
      const id = keptUnits.units[index].id;
      if (replaced.has(id)) return;
      before.set(id, movedContext(oldGraph, path, unit.id, map));
    });
    this.carry(input, previous, kept.summaryKey!, summary, { units, registrations });
    const graph = graphFor({ language: input.language, root: input.tree.rootNode, text: input.text, path, readFile: input.readFile, listFiles: input.listFiles, python: () => input.facts.python(), ts: () => input.facts.ts() });
    const more = new Set<number>();
    for (const [id, then] of before) {
      if (then === movedContext(graph, path, id, undefined)) continue;
      // Module-level code is no function: its findings go with the whole file.
      const region = id === '' ? -1 : regionOfUnit(id, layout, input.lines);
      if (region < 0) return this.fallback('contexts changed outside functions');
      more.add(region);
    }
    return more;
  }

  /** The names the last analysis's functions and module code spell (what plan() reads them for), from its tree. */
  private knowUses(layout: Layout, moduleUses: Uses, region: (i: number) => { text: string; node: Node }): void {
    layout.uses = layout.spans.map((_, i) => {
      const { text, node } = region(i);
      return this.uses(text, node);
    });
    layout.mentioned = new Map();
    count(layout.mentioned, moduleUses, 1, false);
    for (const u of layout.uses) count(layout.mentioned, u, 1);
  }

  /** The file's summary as the last edit's analysis carried it: read back and unpacked once, not per edit. */
  private summary: { key: string; stored: () => StoredSummary; compacted: FileSummary } | undefined;

  /** Per function text: the names it spells. */
  private usesCache = new Map<string, Uses>();

  private uses(text: string, node: Node): Uses {
    let found = this.usesCache.get(text);
    if (!found) boundedSet(this.usesCache, text, found = usesIn([node]));
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
    this.summary = undefined;
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
function usesOfSkeleton(root: Node, regions: readonly Span[]): Uses {
  return usesIn([root], (node) => {
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
function regionAt(regions: readonly Span[], offset: number): number {
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
  // Named nodes only: JavaScript's `function` keyword is an anonymous token of the same type name as a function.
  return fn.descendantsOfType(language === 'python' ? ['function_definition'] : [...FUNCTION_TYPES]).filter((n): n is Node => n !== null && n.isNamed);
}

/** The summary keys of the functions inside `fn`. */
function keysIn(fn: Node, language: Language): string[] {
  return functionsIn(fn, language).flatMap((n) => {
    const key = language === 'python' ? functionKey(n) : tsFunctionKey(n);
    return key ? [key] : [];
  });
}

/** Where two texts differ: the old text's `[start, oldEnd)` is the new one's `[start, newEnd)`. */
function editSpan(before: string, after: string): { start: number; oldEnd: number; newEnd: number } {
  const { prefix, suffix } = sameEnds(before, after);
  return { start: prefix, oldEnd: before.length - suffix, newEnd: after.length - suffix };
}

/** Words (runs of letters, digits, `_` and `$`) looked at per edit at most before the whole file is analysed. */
const MAX_EDIT_WORDS = 32;

/**
 * The words of the edited text (widened to whole words) that are in one of the two texts and not in the other; undefined
 * past MAX_EDIT_WORDS.
 */
function wordsWhosePresenceChanged(before: string, after: string, edit: { start: number; oldEnd: number; newEnd: number }): string[] | undefined {
  const wordChar = (c: string | undefined) => c !== undefined && /[\w$]/.test(c);
  const widen = (text: string, from: number, to: number): string => {
    let start = from;
    let end = to;
    while (start > 0 && wordChar(text[start - 1])) start--;
    while (end < text.length && wordChar(text[end])) end++;
    return text.slice(start, end);
  };
  const found = new Set([...widen(before, edit.start, edit.oldEnd).matchAll(/[\w$]+/g), ...widen(after, edit.start, edit.newEnd).matchAll(/[\w$]+/g)].map((m) => m[0]));
  if (found.size > MAX_EDIT_WORDS) return undefined;
  const present = (text: string, word: string) => {
    // A whole word: not inside a longer run of word characters.
    for (let at = text.indexOf(word); at >= 0; at = text.indexOf(word, at + 1)) {
      if (!wordChar(text[at - 1]) && !wordChar(text[at + word.length])) return true;
    }
    return false;
  };
  return [...found].filter((word) => present(before, word) !== present(after, word));
}

/** Constructors: what their code stores on the object is read by every method, none of which names them. */
const CONSTRUCTORS = new Set(['__init__', '__new__', '__post_init__', 'constructor']);

/**
 * The edit lay inside the body of the function (`before` in the old tree, `after` in the new), past its header, and
 * the function is no constructor. Without the edit's place (no text moved), the header texts must be equal.
 */
function bodyEdit(before: Node, after: Node, edit: { start: number; oldEnd: number; newEnd: number } | undefined, oldText: string, newText: string): boolean {
  const name = after.childForFieldName('name')?.text ?? '';
  if (CONSTRUCTORS.has(name) || CONSTRUCTORS.has(before.childForFieldName('name')?.text ?? '')) return false;
  const oldBody = before.childForFieldName('body');
  const newBody = after.childForFieldName('body');
  if (!oldBody || !newBody) return false;
  const oldEnd = headerEnd(before, oldBody);
  const newEnd = headerEnd(after, newBody);
  if (oldText.slice(before.startIndex, oldEnd) !== newText.slice(after.startIndex, newEnd)) return false;
  // Decorators (Python) sit before the function node: an edit there is outside it, and not this function's own.
  if (!edit) return true;
  return before.type === 'function_definition' ? edit.start >= oldEnd && edit.start >= newEnd : edit.start > oldEnd && edit.start > newEnd;
}

/**
 * Where a function's header ends. Python's ends with the `:` before its body: what follows it is the body's, a comment or
 * a line typed above the body's first statement included (the block itself starts at its first statement). Elsewhere it
 * is where the body starts (`{`).
 */
function headerEnd(fn: Node, body: Node): number {
  if (fn.type !== 'function_definition') return body.startIndex;
  let end = body.startIndex;
  // The function's own children before its body: a handful (`async`, `def`, name, parameters, `->`, type, `:`).
  for (const child of fn.children) {
    if (!child || child.startIndex >= body.startIndex) break;
    if (child.type === ':') end = child.endIndex;
  }
  return end;
}

/** What `graph` says of function `id` of the file (its context and whether it is handed out), as text; moved through `map`. */
function movedContext(graph: ContextGraph, path: string, id: string, map: EditMap | undefined): string | undefined {
  const context = graph.contextOf(path, id);
  const out = graph.handedOut(path, id);
  if (!context) return out ? 'handed out' : undefined;
  try {
    const evidence = context.evidence;
    const here = evidence && (evidence.path === undefined || evidence.path === path);
    const moved = !map ? context : {
      ...context,
      ...(evidence && here ? { evidence: { ...evidence, message: map.text(evidence.message), range: map.range(evidence.range) } } : {}),
      ...(context.after ? { after: map.range(context.after) } : {}),
    };
    return JSON.stringify([moved, out]);
  } catch (error) {
    if (error instanceof NotMovable) return `not movable: ${error.message}`;
    throw error;
  }
}

/** The region holding the function a unit stands for: where an unnamed one starts, or the function of that key. */
function regionOfUnit(id: string, layout: Layout, lines: LineIndex): number {
  const at = /^@(\d+):(\d+)$/.exec(id);
  if (at) return regionAt(layout.spans, lines.offsetAt({ line: Number(at[1]), column: Number(at[2]) }));
  const found: number[] = [];
  layout.names.forEach((name, i) => {
    if ((layout.classes[i] ? `${layout.classes[i]}.${name}` : name) === id) found.push(i);
  });
  return found.length === 1 ? found[0] : -1;
}

/** A function's units, the registrations its calls make, and its summary entries (packed), and all three as text to compare. */
interface Facts { units: FileUnits['units']; registrations: FileUnits['registrations']; summaries: [string, string | null][]; text: string }

function currentFacts(context: AnalysisContext, fn: Node, names: ReadonlySet<string> | undefined): Facts {
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
  return { units, registrations, summaries, text: JSON.stringify([units, registrations, summaries]) };
}
