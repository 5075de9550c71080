import { composeMessage, oneLine, shortCode } from '../message';
import { MAX_NESTING } from '../locate';
import { Query, type Node } from 'web-tree-sitter';
import { deleteStatement, indentationOf, setKeywordArgument, standsAlone, statementOf } from '../python/edits';
import { enclosingFunction, type PythonSemantics } from '../python/semantics';
import { attributeAt, memberOccurrences } from '../locate';
import { startableError } from '../python/threads';
import { pythonProject, type PythonProject } from '../project/followPython';
import { DEFAULT_FOLLOW_DEPTH, where, type CallTarget, type Hop as ChainHop, type Place } from '../project/project';
import { projectTarget } from '../project/pythonSummary';
import { lineOf, rangeOf } from '../text';
import type { Fix, RuleMeta } from '../types';
import type { Rule, RuleContext } from './rule';

export const meta: RuleMeta = {
  slug: 'daemon-after-start',
  languages: ['python'],
  defaultSeverity: 'error',
  docs: {
    summary: 'A thread\'s `daemon` flag is set after the thread was started.',
    what: [
      'Flags `x.daemon = ...` and `x.setDaemon(...)` reached after `x.start()` on the same `threading.Thread`',
      '(or `Timer`, a `Thread` subclass defined in the file, or a `multiprocessing.Process`), in the same function:',
      'plain names and attributes such as `self.worker`, however `threading` or `Thread` was imported; `self` in a method of a',
      '`Thread` subclass (`self.start()` then `self.daemon = True`); and a `start()` on every arm of an `if`/`elif`/`else`.',
      '',
      'It also follows the project\'s own code (in this file or an imported module, up to `concurrencyLens.followCalls.maxDepth` calls):',
      'a constructor whose `__init__` calls `self.start()` (`w = Worker()` then `w.daemon = True`), a method that starts',
      '`self` directly or through another method, and a function given the thread that starts it (`start_all(t)`). Only',
      'a `start()` that always runs counts: one under an `if`, a loop or an `except` in the helper does not.',
      '',
      'Not flagged: the flag set before `start()`; the name rebound (for example to a new `Thread(...)`) between the',
      'two; a different object; a `start()` inside a branch that may not run before the assignment (an `if` without `else`).',
    ].join('\n'),
    why: [
      'Whether a thread is a daemon is fixed when it starts. Once `start()` has run, CPython refuses the change:',
      '`RuntimeError: cannot set daemon status of active thread` (even after the thread has finished).',
      'For a `multiprocessing.Process` it is `AssertionError: process has already started`.',
      'The line never takes effect; it only crashes the code that reaches it.',
    ].join('\n'),
    example: [
      'import threading',
      '',
      'worker = threading.Thread(target=poll_forever)',
      'worker.start()',
      'worker.daemon = True  # RuntimeError',
    ].join('\n'),
    instead: [
      'import threading',
      '',
      'worker = threading.Thread(target=poll_forever, daemon=True)',
      'worker.start()',
    ].join('\n'),
  },
};

// Assignments and loop targets that may rebind a name between start() and the late line.
const TARGETS_QUERY = `
(assignment left: (_) @target)
(for_statement left: (_) @target)
(as_pattern_target) @target
`;
const queries = new WeakMap<object, Query>();

interface Late {
  object: Node;
  node: Node;
  value: Node;
  kind: 'assign' | 'setDaemon';
}

function findLates(root: Node, text: string): Late[] {
  const lates: Late[] = [];
  for (const offset of memberOccurrences(text, 'daemon')) {
    // `setDaemon` contains no lowercase "daemon"; this finds `x.daemon = v` only.
    const attribute = attributeAt(root, offset, 'daemon');
    const assignment = attribute?.parent;
    if (attribute && assignment?.type === 'assignment' && assignment.childForFieldName('left')?.id === attribute.id) {
      const value = assignment.childForFieldName('right');
      if (value) lates.push({ object: attribute.childForFieldName('object')!, node: assignment, value, kind: 'assign' });
    }
  }
  for (const offset of memberOccurrences(text, 'setDaemon')) {
    const attribute = attributeAt(root, offset, 'setDaemon');
    const call = attribute?.parent;
    const value = call?.childForFieldName('arguments')?.namedChildren[0];
    if (attribute && call?.type === 'call' && value) {
      lates.push({ object: attribute.childForFieldName('object')!, node: call, value, kind: 'setDaemon' });
    }
  }
  return lates;
}

/** `x.start()` calls between `from` and `to`. */
function findStarts(root: Node, text: string, from: number, to: number): { object: Node; call: Node }[] {
  const starts: { object: Node; call: Node }[] = [];
  for (const offset of memberOccurrences(text, 'start', from, to)) {
    const attribute = attributeAt(root, offset, 'start');
    const call = attribute?.parent;
    if (attribute && call?.type === 'call' && call.childForFieldName('function')?.id === attribute.id) {
      starts.push({ object: attribute.childForFieldName('object')!, call });
    }
  }
  return starts;
}

export function errorFor(semantics: PythonSemantics, object: Node): string | undefined {
  // `self` in a method of a Thread (or Process) subclass: `self.start()` then `self.daemon = ...`.
  const ownClass = semantics.selfClass(object);
  return startableError(semantics.instanceTypes(object)) ?? (ownClass ? startableError(semantics.baseTypes(ownClass)) : undefined);
}

function sameFunction(a: Node, b: Node): boolean {
  return (enclosingFunction(a)?.id ?? -1) === (enclosingFunction(b)?.id ?? -1);
}

/**
 * True when `start` certainly ran before `late`: its statement sits in a block that encloses `late`, earlier; or it sits in
 * an arm of an `if` whose every arm (with an `else`) starts the same object (`others`), and that `if` does.
 */
function startsBefore(start: Node, late: Node, others: readonly Node[]): boolean {
  if (start.startIndex >= late.startIndex) return false;
  let statement = statementOf(start);
  // Each step climbs one enclosing `if`: bounded by the nesting depth (and 32).
  for (let depth = 0; statement && depth < 32; depth++) {
    const block = statement.parent;
    if (!block) return false;
    if (late.startIndex >= statement.endIndex && late.startIndex < block.endIndex && isDescendant(late, block)) return true;
    const ifStatement = ifOfArm(block);
    if (!ifStatement || !everyArmStarts(ifStatement, others)) return false;
    statement = ifStatement;
  }
  return false;
}

/** The `if` statement whose arm (then, elif or else block) `block` is. */
function ifOfArm(block: Node): Node | undefined {
  const holder = block.parent;
  if (holder?.type === 'if_statement' && holder.childForFieldName('consequence')?.id === block.id) return holder;
  if ((holder?.type === 'elif_clause' || holder?.type === 'else_clause') && holder.parent?.type === 'if_statement') return holder.parent;
  return undefined;
}

/** Every arm of the `if`, including an `else`, has one of the `starts` directly in its block. */
function everyArmStarts(ifStatement: Node, starts: readonly Node[]): boolean {
  const arms = [ifStatement.childForFieldName('consequence')];
  let hasElse = false;
  for (const clause of ifStatement.childrenForFieldName('alternative')) {
    if (clause?.type === 'else_clause') hasElse = true;
    arms.push(clause?.type === 'else_clause' ? clause.childForFieldName('body') : clause?.childForFieldName('consequence') ?? null);
  }
  return hasElse && arms.every((arm) => arm !== null && starts.some((s) => statementOf(s)?.parent?.id === arm.id));
}

function isDescendant(node: Node, ancestor: Node): boolean {
  for (let current: Node | null = node, steps = 0; current && steps < MAX_NESTING; current = current.parent, steps++) {
    if (current.id === ancestor.id) return true;
  }
  return false;
}

/** Identifiers in an expression, for checking it means the same thing at another place. */
function namesIn(node: Node): string[] {
  if (node.type === 'identifier') return [node.text];
  // The search runs inside tree-sitter: no recursion here to overflow on deeply nested text.
  return node.descendantsOfType('identifier').flatMap((n) => (n ? [n.text] : []));
}

function reboundBetween(names: string[], from: number, to: number, targets: Node[]): boolean {
  return targets.some((t) => t.startIndex > from && t.startIndex < to && namesIn(t).some((n) => names.includes(n)));
}

export const rule: Rule = {
  meta,
  mayMatch: (text) => text.includes('daemon') || text.includes('setDaemon'),
  check(context: RuleContext) {
    const lates = findLates(context.root, context.text);
    if (!lates.length) return;
    let query = queries.get(context.tree.language);
    if (!query) {
      query = new Query(context.tree.language, TARGETS_QUERY);
      queries.set(context.tree.language, query);
    }
    const semantics = context.python();
    // Each scope's start() calls, found once however many late lines it has.
    const perScope = new Map<number, { object: Node; call: Node }[]>();

    for (const late of lates) {
      const objectText = late.object.text;
      const scope = enclosingFunction(late.node) ?? context.root;
      let starts = perScope.get(scope.id);
      if (!starts) {
        starts = findStarts(scope, context.text, scope.startIndex, scope.endIndex);
        perScope.set(scope.id, starts);
      }
      const same = starts.filter((s) => s.object.text === objectText && sameFunction(s.call, late.node)).map((s) => s.call);
      const start = starts
        .filter((s) => s.object.text === objectText && sameFunction(s.call, late.node) && startsBefore(s.call, late.node, same))
        .pop();
      if (!start) {
        reportIndirect(context, semantics, late, scope, query);
        continue;
      }
      // Rebinding matters only from the constructor (or start()) to the late line: query just that stretch.
      const constructorAt = semantics.assignedValue(late.object)?.startIndex ?? Infinity;
      const from = Math.max(scope.startIndex, Math.min(start.call.startIndex, constructorAt));
      const targets = query.captures(scope, { startIndex: from, endIndex: late.node.endIndex }).map((c) => c.node);
      if (reboundBetween(namesIn(late.object).slice(0, 1), start.call.endIndex, late.node.startIndex, targets)
        || targets.some((t) => t.text === objectText && t.startIndex > start.call.endIndex && t.startIndex < late.node.startIndex)) continue;
      const error = errorFor(semantics, late.object);
      if (!error) continue;
      const startLine = lineOf(start.call) + 1;
      context.report({
        code: meta.slug,
        ...composeMessage({ subject: `\`${shortCode(objectText, 30)}.daemon\``, effect: `is set after \`${shortCode(objectText, 30)}.start()\``, consequence: `this raises ${error.split(':')[0]}`, location: `line ${startLine}` },
          `It raises ${error}. ` + (hasOwnInit(semantics, late.object) ? 'Set it before start().' : `Pass daemon=${late.value.text} to the constructor, or set it before start().`)),
        range: rangeOf(late.node),
        related: [{ range: rangeOf(start.call), message: `\`${objectText}\` is started here` }],
        fixes: fixes(context, semantics, late, start.call, targets),
      });
    }
  },
};

function fixes(context: RuleContext, semantics: PythonSemantics, late: Late, start: Node, targets: Node[]): Fix[] {
  const result: Fix[] = [];
  const lateStatement = statementOf(late.node);
  if (!lateStatement || lateStatement.type !== 'expression_statement' || lateStatement.namedChildren.length !== 1) return result;
  // Only an assignment that always runs right after start() can move: one under an `if` would change meaning.
  const startStatement = statementOf(start);
  if (!startStatement || startStatement.parent?.id !== lateStatement.parent?.id) return result;
  const deletion = deleteStatement(lateStatement, context.lines);
  if (!deletion) return result;
  const valueNames = namesIn(late.value);
  const constructor = semantics.assignedValue(late.object);
  const constructorFixable = constructor?.type === 'call'
    && constructor.startIndex < start.startIndex
    && !reboundBetween(valueNames, constructor.startIndex, late.node.startIndex, targets)
    && !hasOwnInit(semantics, late.object);
  const sameScope = constructorFixable && sameFunction(constructor, late.node);
  if (constructorFixable) {
    const keyword = setKeywordArgument(constructor, 'daemon', late.value.text);
    if (keyword) {
      result.push({
        title: `Pass daemon=${late.value.text} to the constructor and remove the late assignment`,
        edits: [keyword, deletion],
        preferred: sameScope,
        applicability: 'unsafe',
      });
    }
  }
  if (standsAlone(startStatement, context.lines)
    && !reboundBetween(valueNames, startStatement.startIndex, late.node.startIndex, targets)) {
    const line = lineOf(startStatement);
    const indent = indentationOf(context.lines.lineText(line));
    const position = { line, column: 0 };
    result.push({
      title: 'Move the daemon assignment before start()',
      edits: [
        { range: { start: position, end: position }, newText: `${indent}${late.object.text}.daemon = ${late.value.text}${context.lines.eolNear(line)}` },
        deletion,
      ],
      preferred: !sameScope,
      applicability: 'unsafe',
    });
  }
  return result;
}

const ACCEPTS_DAEMON = new Set(['threading.Thread', 'multiprocessing.Process', 'multiprocessing.context.BaseContext.Process']);

/** A Thread subclass with its own __init__ may not accept daemon=; only Thread's own constructor surely does. */
function hasOwnInit(semantics: PythonSemantics, object: Node): boolean {
  const type = semantics.instanceType(object);
  // A class of another module, or `Timer` (whose constructor has no `daemon` parameter), may not accept it.
  if (!type?.startsWith('<local>.')) return !type || !ACCEPTS_DAEMON.has(type);
  return definesInit(semantics, semantics.localClass(type.slice('<local>.'.length)), 0);
}

function definesInit(semantics: PythonSemantics, classNode: Node | undefined, depth: number): boolean {
  if (!classNode || depth > 10) return true;
  if (semantics.localMethod(classNode, '__init__')) return true;
  for (const base of classNode.childForFieldName('superclasses')?.namedChildren ?? []) {
    const resolved = base ? semantics.resolve(base) : undefined;
    if (resolved?.kind === 'local' && definesInit(semantics, resolved.node, depth + 1)) return true;
    if (resolved?.kind === 'qualified' && !ACCEPTS_DAEMON.has(resolved.name)) return true;
  }
  return false;
}

/** A call that starts the object through the project's own code, and the hops down to the `start()`. */
interface IndirectStart {
  call: Node;
  hops: Hop[];
  /** The call is the object's constructor: nothing can move before it. */
  constructs: boolean;
}

const CALLS_QUERY = '(call function: [(identifier) (attribute)] @callee) @call';
const callQueries = new WeakMap<object, Query>();

/**
 * `w = Worker()` whose `__init__` calls `self.start()`, `w.launch()` whose method does, or `start_all(w)` whose
 * function does (in this file or another module), certainly run before the late line: reported like a direct start.
 */
function reportIndirect(context: RuleContext, semantics: PythonSemantics, late: Late, scope: Node, targetsQuery: Query): void {
  const found = indirectStart(context, semantics, late, scope);
  if (!found) return;
  const { call, hops, constructs } = found;
  const objectText = late.object.text;
  const targets = targetsQuery.captures(scope, { startIndex: call.startIndex, endIndex: late.node.endIndex }).map((c) => c.node);
  if (reboundBetween(namesIn(late.object).slice(0, 1), call.endIndex, late.node.startIndex, targets)) return;
  const error = errorFor(semantics, late.object) ?? hops.find((h) => h.error)?.error;
  if (!error) return;
  const callee = call.childForFieldName('function')!;
  const steps = hops.map((h, i) => `${i === 0 ? 'it calls' : 'which calls'} \`${oneLine(h.shown)}\` (${where(h, context.path)})`).join(', ');
  const advice = constructs
    ? `Set \`self.daemon = ${late.value.text}\` in the class before \`start()\` runs (or pass \`daemon=\` to \`super().__init__()\`).`
    : `Set it before \`${callee.text}()\`${startableError([semantics.instanceType(late.object) ?? '']) ? `, or pass daemon=${late.value.text} to the constructor` : ''}.`;
  context.report({
    code: meta.slug,
    ...composeMessage({
      subject: `\`${shortCode(objectText, 30)}.daemon\``, effect: `is set after \`${shortCode(callee.text, 30)}()\` started it`, consequence: `this raises ${error.split(':')[0]}`,
      location: `line ${lineOf(call) + 1}`,
    }, `\`${callee.text}()\` (line ${lineOf(call) + 1}) started \`${objectText}\`: ${steps}. This raises ${error}. ${advice}`),
    range: rangeOf(late.node),
    related: [
      { range: rangeOf(call), message: `\`${objectText}\` is started by this call` },
      ...hops.map((h) => ({
        range: h.range,
        message: h.blocks ? `\`${h.shown}\` starts it here` : `\`${h.shown}\` is called here`,
        ...(h.path !== context.path && h.path !== undefined ? { path: h.path } : {}),
      })),
    ],
    fixes: constructs ? [] : fixes(context, semantics, late, call, targets),
  });
}

interface Hop extends ChainHop { error?: string }

function indirectStart(context: RuleContext, semantics: PythonSemantics, late: Late, scope: Node): IndirectStart | undefined {
  let query = callQueries.get(context.tree.language);
  if (!query) {
    query = new Query(context.tree.language, CALLS_QUERY);
    callQueries.set(context.tree.language, query);
  }
  const calls = query.captures(scope, { startIndex: scope.startIndex, endIndex: late.node.startIndex })
    .filter((c) => c.name === 'call' && sameFunction(c.node, late.node) && c.node.endIndex <= late.node.startIndex)
    .map((c) => c.node);
  if (!calls.length) return undefined;
  const project = pythonProject(context);
  const objectText = late.object.text;
  const constructor = semantics.assignedValue(late.object);
  // The nearest certain start wins: walk back from the late line.
  for (const call of calls.reverse()) {
    if (!startsBefore(call, late.node, [call])) continue;
    const callee = call.childForFieldName('function')!;
    let target: CallTarget | undefined;
    let param = 0;
    const constructs = constructor?.id === call.id;
    if (constructs) {
      const resolved = semantics.resolve(callee);
      if (resolved?.kind === 'local' && resolved.node.type === 'class_definition') target = { kind: 'local', key: `${resolved.name}.__init__` };
      else if (resolved?.kind === 'qualified') target = { kind: 'qualified', name: `${resolved.name}.__init__` };
    } else if (callee.type === 'attribute' && callee.childForFieldName('object')?.text === objectText) {
      target = projectTarget(semantics, callee);
    } else {
      const args = call.childForFieldName('arguments')?.namedChildren ?? [];
      param = args.findIndex((a) => a?.text === objectText);
      // Only positional arguments before any keyword or splat map to a parameter by position.
      if (param >= 0 && args.slice(0, param + 1).every((a) => a && a.type !== 'keyword_argument' && !a.type.endsWith('splat'))) {
        target = projectTarget(semantics, callee);
      }
    }
    const place = target && project.resolve(target, context.path);
    // Another class's constructor given the thread (`Wrapper(w)`): its parameters are shifted by `self`, so not followed.
    if (!place || (!constructs && param > 0 && place.key.includes('.')) || (!constructs && place.key.endsWith('.__init__'))) continue;
    const hops = startChain(project, place, param, context.settings.followCallsMaxDepth ?? DEFAULT_FOLLOW_DEPTH);
    if (hops) return { call, hops, constructs };
  }
  return undefined;
}

/** The hops from `place` down to a `start()` on its parameter `param`, at most `depth` calls away. */
function startChain(project: PythonProject, place: Place, param: number, depth: number): Hop[] | undefined {
  // Bounded: `depth` shrinks by one per hop.
  for (let hops: Hop[] = [], current: Place | undefined = place, level = 0; current && level < depth; level++) {
    const fn = project.summary(current.path)?.functions[current.key];
    const start = fn?.starts?.find((s) => s.param === param && (level === 0 || s.param === 0));
    if (!start) return undefined;
    hops = [...hops, { shown: start.shown, path: current.path, range: start.range, ...(start.error ? { error: start.error } : {}), ...(start.via ? {} : { blocks: 'start' }) }];
    if (!start.via) return hops;
    current = project.resolve(start.via, current.path);
    param = 0;
  }
  return undefined;
}
