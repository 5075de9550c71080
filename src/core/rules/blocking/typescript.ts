import type { Node, Tree } from 'web-tree-sitter';
import { blockingLookup, type BlockingApi } from '../../catalog/blocking';
import type { ConcurrencyContext } from '../../context';
import { consequence, plainHotEntry, scopeOf, weigh, type Weighed } from './context';
import { composeMessage, shortCode } from '../../message';
import { ReexportResolver } from '../../ts/reexports';
import { endOf, perText, rangeOf, startOf } from '../../text';
import { type NodePaths, wordOccurrences } from '../../locate';
import { inScope } from '../../analysis';
import { enclosingFunction, FUNCTION_TYPES, inKnownFunction, isAsyncFunction, requiredModule, runsInline, type TsSemantics } from '../../ts/semantics';
import type { Fix, Position, TextEdit } from '../../types';
import type { RuleContext } from '../rule';
import type { ColdPath } from '../../effects/condition';
import { tsFunctionFacts, tsPathCondition } from '../../effects/tsPaths';

const SLUG = 'blocking-call-in-async';

/** Function nodes whose `async` keyword opens a body this rule checks (async generators too: `async function*`). */
const ASYNC_FUNCTION_TYPES = new Set([
  'function_declaration', 'function_expression', 'arrow_function', 'method_definition', 'generator_function_declaration', 'generator_function',
]);
/** Expressions that leave the value they wrap unchanged for name resolution. */
const WRAPPERS = new Set(['parenthesized_expression', 'as_expression', 'non_null_expression', 'satisfies_expression', 'type_assertion', 'await_expression']);
/** Between a word and the declaration it may make an alias: `const r = fs.readFileSync`, `const { execSync: run } = require('child_process')`. */
const DECLARATION_CHAIN = new Set([
  'string_fragment', 'string', 'member_expression', 'subscript_expression', 'arguments', 'call_expression', 'property_identifier',
  'pair_pattern', 'object_pattern', 'object_assignment_pattern', 'shorthand_property_identifier_pattern', 'assignment_pattern',
  'rest_pattern', 'array_pattern', ...WRAPPERS,
]);
const IMPORT_PARTS = new Set(['import_specifier', 'named_imports', 'import_clause', 'namespace_import', 'import_require_clause', 'string', 'string_fragment']);
const LOOPS = new Set(['while_statement', 'do_statement', 'for_statement']);
/** Member names, besides `*Sync`, that a reported call may end in (`.call`/`.apply` go through to their target). */
const LAST_WORDS = new Set(['wait', 'sync', 'native', 'call', 'apply']);

/**
 * Cheap text test for the shapes that register a plain callback to run beside other work (context/entries.ts): a method
 * call of a router or an emitter, a timer, a server, a promise combinator, a bundler hook. Without one, and without
 * `async`, no function of the file is checked.
 */
const PLAIN_ENTRY_HINT = /\.(on|once|addListener|prependListener|addEventListener|subscribe|get|post|put|delete|del|patch|head|options|all|route|ws|websocket|use)\s*\(|setInterval|createServer|\bserve\s*\(|Promise\.(all|allSettled|race|any)|\b(transform|load|resolveId|transformIndexHtml|handleHotUpdate|renderChunk|handler|fetch)\b|Strategy\b/;

/** Cheap text test: a function this rule checks (async, or maybe a registered callback). */
export function tsMayHaveChecked(text: string): boolean {
  return /\basync\b/.test(text) || PLAIN_ENTRY_HINT.test(text);
}

/** Cheap text test: a function this rule checks and something that could block. */
export function tsMayMatch(text: string, extraNames: ReadonlySet<string> = new Set()): boolean {
  return tsMayHaveChecked(text) && (text.includes('Sync') || text.includes('Atomics') || text.includes('.now()') || /\b(sync|native)\b/.test(text) || [...extraNames].some((n) => text.includes(n)));
}

/**
 * Function boundaries a call does not run through: a nested function's body, a class's field initialisers. A callback
 * run in place (`xs.map((x) => ...)`, a `new Promise` executor) is no boundary: its calls run in the function around it.
 */
function owningFunctionIn(path: readonly Node[], index: number): Node | undefined {
  for (let j = index - 1; j >= 0; j--) {
    const type = path[j].type;
    if (type === 'class_body' || (FUNCTION_TYPES.has(type) && !runsInline(path[j]))) return path[j];
  }
  return undefined;
}

interface Finding {
  call: Node;
  callee: Node;
  api: BlockingApi;
  name: string;
  /** The async function the call runs in, or a plain one registered to run beside other work (`plain`). */
  owner: Node;
  plain?: true;
}

/** A node located by text search, with its ancestors (root first, the node last). */
type Located = Node[];

function sortByPosition(list: Located[]): Located[] {
  return list.sort((a, b) => a[a.length - 1].startIndex - b[b.length - 1].startIndex || b[b.length - 1].endIndex - a[a.length - 1].endIndex);
}

/**
 * Offsets of `*Sync`, `wait`, `sync` (`glob.sync`, `spawn.sync`) and `native` (`fs.realpathSync.native`) words: the last segment
 * of every name this rule reports, and the last names of the project's `blocking.extra` ([start, end] pairs).
 */
function blockingWords(text: string, extraNames: ReadonlySet<string>): [number, number][] {
  const found: [number, number][] = [];
  for (let i = text.indexOf('Sync'); i !== -1; i = text.indexOf('Sync', i + 4)) {
    // The tree confirms where the name ends; this only skips `...Syncer`.
    if (!isAsciiIdentifierCode(text.charCodeAt(i + 4))) found.push([i, i + 4]);
  }
  for (const word of ['wait', 'sync', 'native']) {
    for (const i of wordOccurrences(text, word)) found.push([i, i + word.length]);
  }
  // The project's own blocking functions (`blocking.extra`), by their last name.
  for (const name of extraNames) for (const i of wordOccurrences(text, name)) found.push([i, i + name.length]);
  return found;
}

function isAsciiIdentifierCode(code: number): boolean {
  return (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || (code >= 48 && code <= 57) || code === 95 || code === 36;
}

/** A word located in the tree: the path to its token, or undefined when the token does not end where the word does. */
function locate(paths: NodePaths, start: number, end: number, whole?: string): Located | undefined {
  // The token alone first (one call): most words sit in comments and prose strings, and need no ancestors.
  const leaf = paths.root.descendantForIndex(start, end);
  if (!leaf || leaf.endIndex !== end || leaf.type === 'comment') return undefined;
  if (whole !== undefined && (leaf.startIndex !== start || leaf.text !== whole)) return undefined;
  const path = paths.at(start);
  return path.length > 1 && path[path.length - 1].id === leaf.id ? path : undefined;
}

/**
 * Local names that may stand for a function whose name ends in one of `words`: declared from an expression or import naming it
 * (`import { readFileSync as read }`, `const run = cp.execSync`, `const { wait } = Atomics`, `const { now } = Date`),
 * or from another such name (`const r2 = read`). A superset: name resolution decides.
 */
function aliasNames(text: string, paths: NodePaths, words: readonly Located[], occurrences: (name: string) => number[]): Set<string> {
  const names = new Set<string>();
  const queue: string[] = [];
  const seen = new Set<number>();
  const declare = (node: Node, names_: Node | null) => {
    if (seen.has(node.id)) return;
    seen.add(node.id);
    const walk = (n: Node) => {
      if (n.type === 'identifier' || n.type === 'shorthand_property_identifier_pattern') {
        if (!names.has(n.text)) {
          names.add(n.text);
          queue.push(n.text);
        }
        return;
      }
      for (const c of n.namedChildren) if (c) walk(c);
    };
    if (names_) walk(names_);
  };
  for (const path of words) {
    let j = path.length - 2;
    while (j > 0 && IMPORT_PARTS.has(path[j].type)) j--;
    if (path[j].type === 'import_statement') {
      declare(path[j], path[j]);
      continue;
    }
    j = path.length - 2;
    while (j > 0 && DECLARATION_CHAIN.has(path[j].type)) j--;
    if (path[j].type === 'variable_declarator') declare(path[j], path[j].childForFieldName('name'));
  }
  // Aliases of aliases: `const b = a` where `a` is one.
  while (queue.length) {
    const name = queue.pop()!;
    for (const offset of occurrences(name)) {
      if (!maybeBareValue(text, offset, offset + name.length)) continue;
      const path = locate(paths, offset, offset + name.length, name);
      if (!path) continue;
      let j = path.length - 1;
      if (path[j].type !== 'identifier') continue;
      while (j > 1 && WRAPPERS.has(path[j - 1].type)) j--;
      const declarator = path[j - 1];
      if (declarator?.type === 'variable_declarator' && declarator.childForFieldName('value')?.id === path[j].id) {
        declare(declarator, declarator.childForFieldName('name'));
      }
    }
  }
  return names;
}

function nextCharacter(text: string, end: number): string {
  let j = end;
  while (j < text.length && /\s/.test(text[j])) j++;
  return text[j];
}

/** Text test: the name at [start, end) could be a declaration's whole value (`= name`, `= (name as T)`), not a call or member. */
function maybeBareValue(text: string, start: number, end: number): boolean {
  const next = nextCharacter(text, end);
  if (next === '.' || next === '(' || next === '[' || next === '`') return false;
  let k = start - 1;
  while (k >= 0 && /\s/.test(text[k])) k--;
  const previous = text[k];
  // `/`: the end of a comment (`= /* c */ name`), so unknown.
  return previous === '=' || previous === '(' || previous === '>' || previous === '/';
}

/**
 * Text test: the name ending at `end` could be called (`name(`, `name?.(`, ``name`...` ``, `name<T>(`, `x['name'](`) or be a
 * `.call` target (`name.call(`, `(x.name as F).call(`); a comment (`/`) may hide what follows.
 */
function maybeCallee(text: string, end: number): boolean {
  const next = nextCharacter(text, end);
  return next === undefined || '(`.)!?<as/\'"'.includes(next);
}

/** The call whose callee (or whose `.call`/`.apply` target) is the expression holding the word at the end of `path`. */
function callAbove(path: Located): Located | undefined {
  let j = path.length - 1;
  const type = path[j].type;
  if (type === 'string_fragment') {
    j--;
    const holder = path[j - 1]?.type;
    if (holder === 'subscript_expression') j--;
    else if (holder === 'arguments' && path[j - 2]?.type === 'call_expression') j -= 2;
    else return undefined;
  } else if (type === 'property_identifier') {
    if (path[j - 1]?.type !== 'member_expression') return undefined;
    j--;
  } else if (type !== 'identifier') {
    return undefined;
  }
  const expression = path[j];
  const parent = path[j - 1];
  if (parent?.type === 'call_expression' && parent.childForFieldName('function')?.id === expression.id) return path.slice(0, j);
  // `fs.readFileSync.call(fs, p)`, `(0, x.readSync).apply(...)`.
  while (j > 1 && (WRAPPERS.has(path[j - 1].type) || path[j - 1].type === 'sequence_expression')) j--;
  const member = path[j - 1];
  const call = path[j - 2];
  if (member?.type !== 'member_expression' || call?.type !== 'call_expression') return undefined;
  const property = member.childForFieldName('property')?.text;
  if ((property !== 'call' && property !== 'apply') || member.childForFieldName('object')?.id !== path[j].id) return undefined;
  return call.childForFieldName('function')?.id === member.id ? path.slice(0, j - 1) : undefined;
}

/** The loop whose condition compares the clock call holding the word at the end of `path` (`while (Date.now() < end)`). */
function loopAbove(path: Located): Located | undefined {
  let j = path.length - 1;
  // Up through the callee to the call: `Date.now`, `performance['now']`, `(0, Date.now)`, an alias.
  while (j > 1 && path[j - 1].type !== 'call_expression') {
    const type = path[j - 1].type;
    if (type !== 'member_expression' && type !== 'subscript_expression' && type !== 'string' && type !== 'sequence_expression' && !WRAPPERS.has(type)) return undefined;
    j--;
  }
  j--; // the call
  if (j < 3 || path[j - 1].type !== 'binary_expression') return undefined;
  // `Date.now() - start < ms`: the clock sits one subtraction deeper.
  if (j >= 4 && path[j - 2].type === 'binary_expression') j--;
  const holder = path[j - 2];
  const loop = holder.type === 'parenthesized_expression' || holder.type === 'expression_statement' ? path[j - 3] : holder;
  const index = loop.id === holder.id ? j - 2 : j - 3;
  return LOOPS.has(loop.type) ? path.slice(0, index + 1) : undefined;
}

/** True when the node at the end of `path` lies in the body of an async function (declaration, expression, arrow or method). */
function inAsyncBody(path: Located): boolean {
  for (let j = path.length - 2; j >= 0; j--) {
    const fn = path[j];
    if (ASYNC_FUNCTION_TYPES.has(fn.type) && fn.childForFieldName('body')?.id === path[j + 1].id && isAsyncFunction(fn)) return true;
  }
  return false;
}

export function checkTs(context: RuleContext): void {
  const text = context.text;
  const semantics = context.ts();
  const paths = semantics.paths;
  const lookup = blockingLookup(context.settings);
  // An edit's analysis (a scope of outermost functions): a word inside another of them is neither a call in the scope
  // nor a declaration the scope can see, so it is not looked up in the tree.
  const visible = (offset: number) => !context.scope || inScope(context, offset) || !inKnownFunction(semantics.tree, offset);
  // Every name the rule reports ends in `Sync` or `wait`: the word is in the callee, or in the declaration of an alias.
  const words: Located[] = [];
  for (const [start, end] of blockingWords(text, lookup.tsExtraNames)) {
    const path = visible(start) ? locate(paths, start, end) : undefined;
    if (path) words.push(path);
  }
  const found = new Map<string, number[]>();
  const occurrences = (name: string) => {
    let list = found.get(name);
    if (!list) {
      list = wordOccurrences(text, name).filter(visible);
      found.set(name, list);
    }
    return list;
  };
  const calls = new Map<number, Located>();
  const propose = (path: Located | undefined) => {
    const call = path && callAbove(path);
    if (call && !calls.has(call[call.length - 1].id)) calls.set(call[call.length - 1].id, call);
  };
  for (const path of words) {
    if (maybeCallee(text, path[path.length - 1].endIndex)) propose(path);
  }
  for (const name of aliasNames(text, paths, words, occurrences)) {
    for (const offset of occurrences(name)) {
      if (maybeCallee(text, offset + name.length)) propose(locate(paths, offset, offset + name.length, name));
    }
  }
  // Busy waits read a clock, `Date.now()` or `performance.now()`, directly or through an alias.
  const loops = new Map<number, Located>();
  const clockWords: Located[] = [];
  for (const offset of occurrences('now')) {
    const path = locate(paths, offset, offset + 3);
    if (path) clockWords.push(path);
  }
  const clocks = clockWords.length ? [...clockWords] : [];
  if (clockWords.length) {
    for (const name of aliasNames(text, paths, clockWords, occurrences)) {
      for (const offset of occurrences(name)) {
        if (!maybeCallee(text, offset + name.length)) continue;
        const path = locate(paths, offset, offset + name.length, name);
        if (path) clocks.push(path);
      }
    }
  }
  for (const path of clocks) {
    const loop = loopAbove(path);
    if (loop && !loops.has(loop[loop.length - 1].id) && loopShape(loop[loop.length - 1])) loops.set(loop[loop.length - 1].id, loop);
  }
  if (!calls.size && !loops.size) return;
  const contexts = new Map<number, ConcurrencyContext>();
  let reexports: ReexportResolver | undefined;
  const plainEntries = new Map<number, boolean>();
  const plainEntry = (fn: Node) => plainEntries.get(fn.id) ?? plainEntries.set(fn.id, ASYNC_FUNCTION_TYPES.has(fn.type) && plainHotEntry(context, fn, contexts)).get(fn.id)!;
  for (const path of sortByPosition([...calls.values()])) {
    const call = path[path.length - 1];
    // An analysis of some functions reports only in them (it is reported where it is made).
    if (!inScope(context, call.startIndex)) continue;
    const owner = owningFunctionIn(path, path.length - 1);
    if (!owner) continue;
    const plain = !isAsyncFunction(owner);
    if (plain ? !plainEntry(owner) : !inAsyncBody(path)) continue;
    const callee = call.childForFieldName('function')!;
    // As a query for `(call_expression function: [(identifier) (member_expression property: (property_identifier))])` would.
    if (callee.type !== 'identifier' && callee.type !== 'member_expression') continue;
    const property = callee.type === 'member_expression' ? callee.childForFieldName('property') : undefined;
    if (property && property.type !== 'property_identifier') continue;
    const last = property ? property.text : callee.text;
    // Bare names may be aliases (`import { readFileSync as read }`): those are always resolved.
    if (last && callee.type !== 'identifier' && !last.endsWith('Sync') && !LAST_WORDS.has(last) && !lookup.tsExtraNames.has(last)) continue;
    let name = semantics.calleeName(call);
    let target = callee;
    // `fs.readFileSync.call(fs, p)` / `.apply(...)` calls the same function.
    if ((last === 'call' || last === 'apply') && callee.type === 'member_expression') {
      const object = callee.childForFieldName('object')!;
      const resolved = semantics.resolve(object);
      name = resolved?.kind === 'qualified' ? resolved.name : undefined;
      target = object;
    }
    // A name imported from a local facade module (`export * from 'node:fs'`), read through the host when it can.
    if (name?.startsWith('.') && context.readFile && context.path) {
      reexports ??= new ReexportResolver(context.readFile, context.path);
      name = reexports.resolve(name) ?? name;
    }
    const api = name ? lookup.ts(name) : undefined;
    if (!api || !name) continue;
    const rare = tsPathCondition(call, tsFunctionFacts(owner))?.cold;
    reportCall(context, semantics, { call, callee: target, api, name, owner, ...(plain ? { plain } : {}) }, contexts, rare);
  }
  for (const path of sortByPosition([...loops.values()])) {
    if (!inAsyncBody(path) || !inScope(context, path[path.length - 1].startIndex)) continue;
    const owner = owningFunctionIn(path, path.length - 1);
    if (!owner || !isAsyncFunction(owner)) continue;
    const weighed = weigh(context, owner, undefined, contexts, undefined, path[path.length - 1]);
    if (!weighed.off) checkBusyWait(context, semantics, path[path.length - 1], weighed);
  }
}

/** The loop shapes the rule looks at (as a query would match them): a parenthesised condition and a block or empty body. */
function loopShape(loop: Node): boolean {
  const body = loop.childForFieldName('body')?.type;
  switch (loop.type) {
    case 'while_statement':
      return loop.childForFieldName('condition')?.type === 'parenthesized_expression' && (body === 'statement_block' || body === 'empty_statement');
    case 'do_statement':
      return body === 'statement_block' && loop.childForFieldName('condition')?.type === 'parenthesized_expression';
    default:
      return body === 'statement_block' || body === 'empty_statement';
  }
}

function displayName(name: string): string {
  return name.startsWith('global.') ? name.slice(7) : name;
}

function reportCall(context: RuleContext, semantics: TsSemantics, finding: Finding, contexts: Map<number, ConcurrencyContext>, rare: ColdPath | undefined): void {
  const { callee, api, name } = finding;
  const shown = displayName(name);
  const subject = callee.text === shown || callee.text.endsWith(`.${shown.slice(shown.lastIndexOf('.') + 1)}`) && callee.text.includes('.')
    ? `\`${shortCode(callee.text)}()\`` : `\`${shortCode(callee.text)}()\` (${shown})`;
  const weighed = weigh(context, finding.owner, api.severity, contexts, rare, finding.call);
  if (weighed.off) return;
  context.report({
    code: SLUG,
    ...composeMessage({ subject, effect: 'blocks the event loop', scope: scopeOf(finding.owner), context: weighed.context, consequence: consequence(weighed, 'other callbacks wait') },
      `It ${api.why}. ${finding.plain ? `Make the callback async and use ${api.instead}` : `Use ${api.instead}`}. ${weighed.suffix}`),
    range: rangeOf(callee),
    // An `await` needs an async function: a plain callback's rewrite (making it async) changes what its caller gets back,
    // and one run in place (`xs.map((x) => ...)`) would then hand back promises.
    fixes: finding.plain || enclosingFunction(finding.call)?.id !== finding.owner.id ? [] : tsFixes(context, semantics, finding),
    related: weighed.related,
    ...(weighed.severity ? { severity: weighed.severity } : {}),
  });
}

// ---------------------------------------------------------------- imports

interface ModuleStyle {
  esm: boolean;
  nodePrefix: boolean;
}

function moduleStyle(context: RuleContext): ModuleStyle {
  const text = context.text;
  const esm = /^\s*import\s[^(]/m.test(text) || /^\s*export\s/m.test(text) || !/\brequire\s*\(/.test(text);
  const nodePrefix = /['"]node:/.test(text) || !/['"](fs|child_process|zlib|crypto|util|timers\/promises|fs\/promises)['"]/.test(text);
  return { esm, nodePrefix };
}

/**
 * Where a new import goes: after the last top-level import or require, else after a shebang and directives; on a line
 * of its own after that line, or (`inline`) right after the statement when other code goes on on its line (a minified
 * file, a block comment that starts there): the start of the next line may be inside that code.
 */
function importPosition(context: RuleContext): { at: Position; inline?: true } {
  let after: Node | undefined;
  let following: Node | undefined;
  for (const child of context.root.namedChildren) {
    if (!child) continue;
    if (child.type === 'comment') {
      following ??= after ? child : undefined;
      continue;
    }
    const isRequire = (child.type === 'lexical_declaration' || child.type === 'variable_declaration')
      && child.namedChildren.every((d) => d?.type !== 'variable_declarator' || requiredModule(d.childForFieldName('value')) !== undefined);
    const isPrologue = child.type === 'hash_bang_line' || (child.type === 'expression_statement' && child.namedChildren[0]?.type === 'string');
    if (child.type === 'import_statement' || isRequire || isPrologue) {
      after = child;
      following = undefined;
      continue;
    }
    following ??= child;
    break;
  }
  if (!after) return { at: { line: 0, column: 0 } };
  const end = endOf(after);
  // A line comment ends with its line: the next line is still a place of its own.
  if (following && startOf(following).line === end.line && (following.type !== 'comment' || endOf(following).line > end.line)) return { at: end, inline: true };
  return { at: { line: end.line + 1, column: 0 } };
}

function insertLine(context: RuleContext, line: string): TextEdit {
  const { at, inline } = importPosition(context);
  // The line break of the line it goes after (or before, at the top): a file with mixed endings keeps each part's.
  const eol = context.lines.eolNear(inline ? at.line : at.line - 1);
  if (inline) return { range: { start: at, end: at }, newText: `${eol}${line}` };
  if (at.line >= context.lines.lineCount) {
    const last = context.lines.lineCount - 1;
    const end = { line: last, column: context.lines.lineText(last).length };
    return { range: { start: end, end }, newText: `${eol}${line}` };
  }
  return { range: { start: at, end: at }, newText: `${line}${eol}` };
}

/** A free local name: `preferred`, else `preferred` with a suffix. */
function freeName(context: RuleContext, semantics: TsSemantics, preferred: string, at: Node): string {
  for (const candidate of [preferred, `${preferred}Async`, `${preferred}_`]) {
    if (!semantics.isDeclared(candidate, at) && !perText(context.text, `regex-word ${candidate}`, () => new RegExp(`\\b${candidate}\\b`).test(context.text))) return candidate;
  }
  return `${preferred}$1`;
}

/**
 * An expression for `module.member` in this file: a binding already imported, else a new named import.
 * 'fs.promises' + 'readFile' may come out as `fsp.readFile`, `readFile`, or `readFile` with a new import.
 */
function importedMember(context: RuleContext, semantics: TsSemantics, module: string, member: string, at: Node): { text: string; edits: TextEdit[] } {
  const existing = findBinding(context, semantics, `${module}.${member}`, at) ?? (() => {
    const moduleBinding = findBinding(context, semantics, module, at);
    return moduleBinding ? `${moduleBinding}.${member}` : undefined;
  })();
  if (existing) return { text: existing, edits: [] };
  const style = moduleStyle(context);
  const specifier = (style.nodePrefix ? 'node:' : '') + module.replace('.', '/');
  const local = freeName(context, semantics, member, at);
  const importLine = style.esm
    ? `import { ${local === member ? member : `${member} as ${local}`} } from '${specifier}';`
    : `const { ${local === member ? member : `${member}: ${local}`} } = require('${specifier}');`;
  return { text: local, edits: [insertLine(context, importLine)] };
}

/** A top-level name this file binds to `qualified` (by import or require), visible at `at`. */
function findBinding(context: RuleContext, semantics: TsSemantics, qualified: string, at: Node): string | undefined {
  for (const name of topLevelBindings(context.root)) {
    const resolved = resolveNameAt(semantics, name, at);
    if (resolved === qualified) return name;
  }
  return undefined;
}

/** The names the file's top-level imports and declarations bind, found once per tree (asked for once per fix). */
const bindingsByTree = new WeakMap<Tree, ReadonlySet<string>>();

function topLevelBindings(root: Node): ReadonlySet<string> {
  let candidates = bindingsByTree.get(root.tree);
  if (!candidates) {
    const found = new Set<string>();
    for (const child of root.namedChildren) {
      if (!child) continue;
      if (child.type === 'import_statement' || child.type === 'lexical_declaration' || child.type === 'variable_declaration') {
        for (const id of identifiersIn(child)) found.add(id);
      }
    }
    bindingsByTree.set(root.tree, candidates = found);
  }
  return candidates;
}

function identifiersIn(node: Node): string[] {
  const out: string[] = [];
  const walk = (n: Node) => {
    if (n.type === 'identifier' || n.type === 'shorthand_property_identifier_pattern') {
      const parent = n.parent;
      // The names a statement binds, not the ones it reads (`require` itself, the object destructured).
      if (parent?.type === 'call_expression' || parent?.type === 'member_expression') return;
      if (parent?.type === 'variable_declarator' && parent.childForFieldName('value')?.id === n.id) return;
      if (parent?.type === 'import_specifier' && parent.childForFieldName('alias') && parent.childForFieldName('name')?.id === n.id) return;
      out.push(n.text);
      return;
    }
    if (n.type === 'string' || n.type === 'arrow_function' || n.type === 'function_expression') return;
    for (const c of n.namedChildren) if (c) walk(c);
  };
  walk(node);
  return out;
}

function resolveNameAt(semantics: TsSemantics, name: string, at: Node): string | undefined {
  const resolved = semantics.resolveNameAt(name, at);
  return resolved?.kind === 'qualified' ? resolved.name : undefined;
}

// ---------------------------------------------------------------- fixes

/** Parents under which `await expr` can replace a call without parentheses. */
const SAFE_PARENTS = new Set([
  'expression_statement', 'variable_declarator', 'assignment_expression', 'augmented_assignment_expression', 'arguments',
  'return_statement', 'parenthesized_expression', 'array', 'pair', 'template_substitution', 'ternary_expression',
  'spread_element', 'arrow_function', 'as_expression', 'satisfies_expression', 'throw_statement', 'unary_expression',
  'sequence_expression',
]);

function needsParentheses(call: Node): boolean {
  const parent = call.parent;
  if (!parent) return false;
  if (parent.type === 'binary_expression') {
    const operator = parent.childForFieldName('operator')?.text;
    return operator === '**';
  }
  if (parent.type === 'ternary_expression') return false;
  return !SAFE_PARENTS.has(parent.type);
}

function awaitReplacing(call: Node, text: string): TextEdit {
  return { range: rangeOf(call), newText: needsParentheses(call) ? `(await ${text})` : `await ${text}` };
}

function argumentsText(call: Node): string {
  return call.childForFieldName('arguments')?.text ?? '()';
}

/** `object.member` with the member renamed, when the callee is a plain member access. */
function renamedMember(callee: Node, member: string): string | undefined {
  if (callee.type !== 'member_expression') return undefined;
  const object = callee.childForFieldName('object');
  const optional = callee.children.some((c) => c?.type === 'optional_chain');
  return object && !optional ? `${object.text}.${member}` : undefined;
}

function tsFixes(context: RuleContext, semantics: TsSemantics, finding: Finding): Fix[] {
  const { call, callee, api } = finding;
  if (call.parent?.type === 'await_expression' || !api.asyncName || call.childForFieldName('function')?.id !== callee.id) return [];
  const args = argumentsText(call);
  switch (api.fix) {
    case 'fs-promises': {
      const target = fsPromisesCallee(context, semantics, callee, api.asyncName, call);
      if (!target) return [];
      return [{
        title: `Use \`await ${target.text}(...)\` (fs/promises)`,
        preferred: true,
        applicability: 'safe',
        edits: [awaitReplacing(call, `${target.text}${args}`), ...target.edits],
      }];
    }
    case 'deno-async':
    case 'bun-sleep':
    case 'async-member': {
      const renamed = renamedMember(callee, api.asyncName);
      if (!renamed) return [];
      return [{ title: `Use \`await ${renamed}(...)\``, preferred: true, applicability: 'safe', edits: [awaitReplacing(call, `${renamed}${args}`)] }];
    }
    case 'atomics-wait-async': {
      const renamed = renamedMember(callee, 'waitAsync');
      if (!renamed) return [];
      // Unsafe: Node does not keep the process alive for a pending waitAsync, so a program with nothing else to do exits
      // before the wait ends (checked at run time in fix-runtime.test.ts).
      return [{ title: 'Use `await Atomics.waitAsync(...).value`', preferred: true, applicability: 'unsafe', edits: [awaitReplacing(call, `${renamed}${args}.value`)] }];
    }
    case 'promisify':
    case 'promisify-unused': {
      if (api.fix === 'promisify-unused' && !execFixable(call)) return [];
      const module = api.name.slice(0, api.name.lastIndexOf('.'));
      const member = renamedMember(callee, api.asyncName);
      const imported = member ? undefined : importedMember(context, semantics, module, api.asyncName, call);
      const original = member ?? imported!.text;
      const promisify = importedMember(context, semantics, 'util', 'promisify', call);
      const importEdits = [...(imported?.edits ?? []), ...promisify.edits];
      const title = api.fix === 'promisify-unused'
        ? `Use \`await promisify(${original})(...)\` (the child's stderr is captured instead of printed)`
        : `Use \`await promisify(${original})(...)\``;
      return [{ title, preferred: api.fix === 'promisify', applicability: api.fix === 'promisify' ? 'safe' : 'unsafe', edits: [awaitReplacing(call, `${promisify.text}(${original})${args}`), ...mergeInsertions(importEdits)] }];
    }
    default:
      return [];
  }
}

const EXEC_OPTIONS = new Set(['cwd', 'env', 'encoding', 'timeout', 'maxBuffer', 'killSignal', 'uid', 'gid', 'windowsHide', 'shell']);

/** execSync's result (output) differs from exec's ({ stdout, stderr }), and stdio/input have no exec equivalent. */
function execFixable(call: Node): boolean {
  if (call.parent?.type !== 'expression_statement') return false;
  const args = call.childForFieldName('arguments')?.namedChildren.filter((a): a is Node => a !== null && a.type !== 'comment') ?? [];
  return args.every((arg) => {
    if (arg.type === 'spread_element') return false;
    if (arg.type !== 'object') return arg.type !== 'identifier' || args.indexOf(arg) === 0;
    return arg.namedChildren.every((p) => p?.type === 'pair' && EXEC_OPTIONS.has(p.childForFieldName('key')?.text ?? ''));
  });
}

/** How to call fs/promises' `member` here: through the fs object the call used, an existing binding, or a new import. */
function fsPromisesCallee(context: RuleContext, semantics: TsSemantics, callee: Node, member: string, call: Node): { text: string; edits: TextEdit[] } | undefined {
  const existing = findBinding(context, semantics, `fs.promises.${member}`, call);
  if (existing) return { text: existing, edits: [] };
  const promises = findBinding(context, semantics, 'fs.promises', call);
  if (promises) return { text: `${promises}.${member}`, edits: [] };
  if (callee.type === 'member_expression') {
    const object = callee.childForFieldName('object');
    const optional = callee.children.some((c) => c?.type === 'optional_chain');
    if (object && !optional && semantics.resolve(object)?.kind === 'qualified') return { text: `${object.text}.promises.${member}`, edits: [] };
    return undefined;
  }
  return importedMember(context, semantics, 'fs.promises', member, call);
}

/** Two imports inserted at one place become one edit (edits must not overlap). */
function mergeInsertions(edits: TextEdit[]): TextEdit[] {
  const merged: TextEdit[] = [];
  for (const edit of edits) {
    const same = merged.find((m) => m.range.start.line === edit.range.start.line && m.range.start.column === edit.range.start.column
      && m.range.end.line === edit.range.end.line && m.range.end.column === edit.range.end.column);
    if (same) same.newText += edit.newText;
    else merged.push({ ...edit });
  }
  return merged;
}

// ---------------------------------------------------------------- busy waits

const CLOCKS = new Set(['global.Date.now', 'global.performance.now']);

/** `while (Date.now() < end) {}`: spins the CPU, and the loop, until a time. */
function checkBusyWait(context: RuleContext, semantics: TsSemantics, loop: Node, weighed: Weighed): void {
  const body = loop.childForFieldName('body');
  if (!body || !isEmptyBody(body)) return;
  let condition = loop.childForFieldName('condition');
  if (condition?.type === 'parenthesized_expression') condition = condition.namedChildren[0];
  if (loop.type === 'for_statement') {
    // `for (; Date.now() < end; ) {}` only: an increment or initialiser makes it a counted loop.
    if (loop.childForFieldName('increment') || loop.childForFieldName('initializer')?.type !== 'empty_statement') return;
    if (condition?.type === 'expression_statement') condition = condition.namedChildren[0];
  }
  if (!condition || condition.type !== 'binary_expression') return;
  const operator = condition.childForFieldName('operator')?.text;
  const left = condition.childForFieldName('left')!;
  const right = condition.childForFieldName('right')!;
  const isClock = (n: Node) => n.type === 'call_expression' && (n.childForFieldName('arguments')?.namedChildren.length ?? 1) === 0
    && CLOCKS.has(semantics.calleeName(n) ?? '');
  // `Date.now() - start`: elapsed time, compared with a duration.
  const isElapsed = (n: Node) => n.type === 'binary_expression' && n.childForFieldName('operator')?.text === '-' && isClock(n.childForFieldName('left')!);
  let clock: Node;
  let deadline: Node;
  if ((operator === '<' || operator === '<=') && (isClock(left) || isElapsed(left))) [clock, deadline] = [left, right];
  else if ((operator === '>' || operator === '>=') && (isClock(right) || isElapsed(right))) [clock, deadline] = [right, left];
  else return;
  const elapsed = clock.type === 'binary_expression';
  const clockCall = elapsed ? clock.childForFieldName('left')! : clock;
  const clockName = displayName(semantics.calleeName(clockCall)!);
  context.report({
    code: SLUG,
    ...composeMessage({
      subject: 'This loop', effect: `spins until \`${shortCode(elapsed ? clock.text : `${clockName}()`, 30)}\` reaches \`${shortCode(deadline.text, 30)}\``,
      context: weighed.context, consequence: 'the event loop is blocked meanwhile',
    }, `It keeps the CPU busy and blocks the event loop inside an async function. Use \`await setTimeout(ms)\` from \`node:timers/promises\`. ${weighed.suffix}`),
    range: rangeOf(loop),
    fixes: busyWaitFixes(context, semantics, loop, clock, deadline),
    related: weighed.related,
    ...(weighed.severity ? { severity: weighed.severity } : {}),
  });
}

function isEmptyBody(body: Node): boolean {
  if (body.type === 'empty_statement') return true;
  return body.type === 'statement_block' && body.namedChildren.every((c) => c?.type === 'comment' || c?.type === 'empty_statement');
}

function busyWaitFixes(context: RuleContext, semantics: TsSemantics, loop: Node, clock: Node, deadline: Node): Fix[] {
  if (loop.type === 'do_statement' || context.text.includes('Deno.') || context.text.includes('Bun.')) return [];
  const existing = findBinding(context, semantics, 'timers.promises.setTimeout', loop);
  let sleep = existing;
  const edits: TextEdit[] = [];
  if (!sleep) {
    sleep = freeName(context, semantics, 'sleep', loop);
    const style = moduleStyle(context);
    const specifier = `${style.nodePrefix ? 'node:' : ''}timers/promises`;
    edits.push(insertLine(context, style.esm
      ? `import { setTimeout as ${sleep} } from '${specifier}';`
      : `const { setTimeout: ${sleep} } = require('${specifier}');`));
  }
  const remaining = `${deadline.type === 'identifier' || deadline.type === 'member_expression' || deadline.type === 'number' ? deadline.text : `(${deadline.text})`} - ${clock.type === 'binary_expression' ? `(${clock.text})` : clock.text}`;
  return [{
    title: `Replace the busy wait with \`await ${sleep}(Math.max(0, ${remaining}))\``,
    preferred: true,
    applicability: 'safe',
    edits: [{ range: rangeOf(loop), newText: `await ${sleep}(Math.max(0, ${remaining}));` }, ...edits],
  }];
}

