import { Query, type Node } from 'web-tree-sitter';
import { tsBlockingCall, type BlockingApi } from '../../catalog/blocking';
import { rangeOf } from '../../text';
import { FUNCTION_TYPES, isAsyncFunction, requiredModule, type TsSemantics } from '../../ts/semantics';
import type { Fix, Position, TextEdit } from '../../types';
import type { RuleContext } from '../rule';

const SLUG = 'blocking-call-in-async';

const ASYNC_FUNCTIONS = `[
  (function_declaration "async")
  (function_expression "async")
  (arrow_function "async")
  (method_definition "async")
] @fn`;
const CALLS = `
(call_expression function: [
  (identifier) @name
  (member_expression property: (property_identifier) @name)
  (parenthesized_expression)
  (subscript_expression)
]) @call
(while_statement condition: (parenthesized_expression) body: [(statement_block) (empty_statement)]) @busy
(do_statement body: (statement_block) condition: (parenthesized_expression)) @busy
(for_statement body: [(statement_block) (empty_statement)]) @busy
`;
const queries = new WeakMap<object, { functions: Query; calls: Query }>();

/** Cheap text test: an async function and something that could block. */
export function tsMayMatch(text: string): boolean {
  return /\basync\b/.test(text) && (text.includes('Sync') || text.includes('Atomics') || text.includes('.now()'));
}

/** Function boundaries a call does not run through: a nested function's body, a class's field initialisers. */
function owningFunction(node: Node): Node | undefined {
  for (let current = node.parent; current; current = current.parent) {
    if (FUNCTION_TYPES.has(current.type)) return current;
    if (current.type === 'class_body') return current;
  }
  return undefined;
}

interface Finding {
  call: Node;
  callee: Node;
  api: BlockingApi;
  name: string;
}

export function checkTs(context: RuleContext): void {
  const language = context.tree.language;
  let q = queries.get(language);
  if (!q) {
    q = { functions: new Query(language, ASYNC_FUNCTIONS), calls: new Query(language, CALLS) };
    queries.set(language, q);
  }
  const seen = new Set<number>();
  const calls: Node[] = [];
  const loops: Node[] = [];
  for (const { node: fn } of q.functions.captures(context.root)) {
    const body = fn.childForFieldName('body');
    if (!body) continue;
    for (const capture of q.calls.captures(body)) {
      if (capture.name === 'name') {
        continue;
      }
      if (seen.has(capture.node.id)) continue;
      seen.add(capture.node.id);
      if (capture.name === 'call') calls.push(capture.node);
      else loops.push(capture.node);
    }
  }
  if (!calls.length && !loops.length) return;
  const semantics = context.ts();
  for (const call of calls) {
    const owner = owningFunction(call);
    if (!owner || !isAsyncFunction(owner)) continue;
    const callee = call.childForFieldName('function')!;
    const last = callee.type === 'member_expression' ? callee.childForFieldName('property')?.text : callee.text;
    // Bare names may be aliases (`import { readFileSync as read }`): those are always resolved.
    if (last && callee.type !== 'identifier' && !last.endsWith('Sync') && last !== 'wait' && last !== 'call' && last !== 'apply') continue;
    let name = semantics.calleeName(call);
    let target = callee;
    // `fs.readFileSync.call(fs, p)` / `.apply(...)` calls the same function.
    if ((last === 'call' || last === 'apply') && callee.type === 'member_expression') {
      const object = callee.childForFieldName('object')!;
      const resolved = semantics.resolve(object);
      name = resolved?.kind === 'qualified' ? resolved.name : undefined;
      target = object;
    }
    const api = name ? tsBlockingCall(name) : undefined;
    if (!api || !name) continue;
    reportCall(context, semantics, { call, callee: target, api, name });
  }
  for (const loop of loops) {
    const owner = owningFunction(loop);
    if (!owner || !isAsyncFunction(owner)) continue;
    checkBusyWait(context, semantics, loop);
  }
}

function displayName(name: string): string {
  return name.startsWith('global.') ? name.slice(7) : name;
}

function reportCall(context: RuleContext, semantics: TsSemantics, finding: Finding): void {
  const { callee, api, name } = finding;
  const shown = displayName(name);
  const subject = callee.text === shown || callee.text.endsWith(`.${shown.slice(shown.lastIndexOf('.') + 1)}`) && callee.text.includes('.')
    ? `\`${callee.text}()\`` : `\`${callee.text}()\` (${shown})`;
  context.report({
    code: SLUG,
    message: `${subject} blocks the event loop inside an async function: it ${api.why}. Use ${api.instead}.`,
    range: rangeOf(callee),
    fixes: tsFixes(context, semantics, finding),
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

/** Where a new import goes: after the last top-level import or require, else after a shebang and directives. */
function importPosition(context: RuleContext): Position {
  let after: Node | undefined;
  for (const child of context.root.namedChildren) {
    if (!child || child.type === 'comment') continue;
    const isRequire = (child.type === 'lexical_declaration' || child.type === 'variable_declaration')
      && child.namedChildren.every((d) => d?.type !== 'variable_declarator' || requiredModule(d.childForFieldName('value')) !== undefined);
    const isPrologue = child.type === 'hash_bang_line' || (child.type === 'expression_statement' && child.namedChildren[0]?.type === 'string');
    if (child.type === 'import_statement' || isRequire || isPrologue) {
      after = child;
      continue;
    }
    break;
  }
  return after ? { line: after.endPosition.row + 1, column: 0 } : { line: 0, column: 0 };
}

function insertLine(context: RuleContext, line: string): TextEdit {
  const at = importPosition(context);
  const eol = context.lines.eol;
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
    if (!semantics.isDeclared(candidate, at) && !new RegExp(`\\b${candidate}\\b`).test(context.text)) return candidate;
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
  const candidates = new Set<string>();
  for (const child of context.root.namedChildren) {
    if (!child) continue;
    if (child.type === 'import_statement' || child.type === 'lexical_declaration' || child.type === 'variable_declaration') {
      for (const id of identifiersIn(child)) candidates.add(id);
    }
  }
  for (const name of candidates) {
    const resolved = resolveNameAt(semantics, name, at);
    if (resolved === qualified) return name;
  }
  return undefined;
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
        edits: [awaitReplacing(call, `${target.text}${args}`), ...target.edits],
      }];
    }
    case 'deno-async':
    case 'bun-sleep': {
      const renamed = renamedMember(callee, api.asyncName);
      if (!renamed) return [];
      return [{ title: `Use \`await ${renamed}(...)\``, preferred: true, edits: [awaitReplacing(call, `${renamed}${args}`)] }];
    }
    case 'atomics-wait-async': {
      const renamed = renamedMember(callee, 'waitAsync');
      if (!renamed) return [];
      return [{ title: 'Use `await Atomics.waitAsync(...).value`', preferred: true, edits: [awaitReplacing(call, `${renamed}${args}.value`)] }];
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
      return [{ title, preferred: api.fix === 'promisify', edits: [awaitReplacing(call, `${promisify.text}(${original})${args}`), ...mergeInsertions(importEdits)] }];
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
function checkBusyWait(context: RuleContext, semantics: TsSemantics, loop: Node): void {
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
  let clock: Node;
  let deadline: Node;
  if ((operator === '<' || operator === '<=') && isClock(left)) [clock, deadline] = [left, right];
  else if ((operator === '>' || operator === '>=') && isClock(right)) [clock, deadline] = [right, left];
  else return;
  const clockName = displayName(semantics.calleeName(clock)!);
  context.report({
    code: SLUG,
    message: `This loop spins until \`${clockName}()\` reaches \`${deadline.text}\`: it keeps the CPU busy and blocks the event loop inside an async function. `
      + 'Use `await setTimeout(ms)` from `node:timers/promises`.',
    range: rangeOf(loop),
    fixes: busyWaitFixes(context, semantics, loop, clock, deadline),
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
  const remaining = `${deadline.type === 'identifier' || deadline.type === 'member_expression' || deadline.type === 'number' ? deadline.text : `(${deadline.text})`} - ${clock.text}`;
  return [{
    title: `Replace the busy wait with \`await ${sleep}(Math.max(0, ${remaining}))\``,
    preferred: true,
    edits: [{ range: rangeOf(loop), newText: `await ${sleep}(Math.max(0, ${remaining}));` }, ...edits],
  }];
}

