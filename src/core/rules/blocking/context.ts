import type { Node } from 'web-tree-sitter';
import { contextOf, ownContext, type ConcurrencyContext, type ContextSource } from '../../context';
import { comparePositions, type RelatedLocation, type Severity } from '../../types';
import { startOf } from '../../text';
import { COLD_REASONS, type ColdPath } from '../../effects/condition';
import type { RuleContext } from '../rule';
import { isAsyncFunction } from '../../ts/semantics';
import { inFunction, shortCode } from '../../message';

/** How a finding in an async function reads and weighs, given what else is in flight when that function runs. */
export interface Weighed {
  /** For the message's detail: the evidence, in a sentence (empty when there is none). */
  suffix: string;
  /** For the message's `context` slot (message.ts): why it matters here, in a short phrase. */
  context?: string;
  severity?: Severity;
  related: RelatedLocation[];
  /** Cold, and the settings turn cold findings off (`coldSeverity: "off"`): report nothing. */
  off?: boolean;
  /** Evidence that other work runs beside the function: the message may say that it waits. */
  hot?: boolean;
}

/** The message's consequence as far as the evidence goes: "other tasks wait" in hot code, else "other tasks would wait". */
export function consequence(weighed: Weighed, text: string): string {
  return weighed.hot ? text : text.replace(/ wait\b/, ' would wait');
}

/**
 * Weighs a blocking finding by its function's concurrency context: hot (a handler, a task, a listener, or what one of
 * those calls) keeps the warning and names the evidence; cold (a sequential `main`, a command-line step, a test, a
 * one-shot hook, or only what those call) is a hint, or nothing with `coldSeverity: "off"`; unknown (nothing shows who
 * runs it) is information. A finding the catalogue already reports below warning stays there.
 */
export function weigh(context: RuleContext, fn: Node | undefined, apiSeverity: Severity | undefined, cache: Map<number, ConcurrencyContext>, rare?: ColdPath, at?: Node): Weighed {
  // The call on a rare path of its function (an error handler, a debug branch, the fill of a kept value) runs seldom,
  // whatever runs beside the function: a hint, as a chain through such a call is.
  if (rare) return { suffix: `It matters less: that call runs ${COLD_REASONS[rare]}.`, severity: 'hint', related: [], off: context.settings.coldSeverity === 'off' };
  const unknown: Weighed = { suffix: 'It matters if a server or other tasks run beside it.', severity: apiSeverity === 'hint' ? 'hint' : 'information', related: [] };
  if (!fn) return unknown;
  let found = cache.get(fn.id);
  if (!found) {
    found = contextOf(fn, sourceOf(context));
    cache.set(fn.id, found);
  }
  // Hot only after a point of the function (its first await, when it was left running): code before it, or a finding
  // whose place is not known, runs within the caller's turn, which this evidence does not cover.
  if (found.kind === 'hot' && found.after && !(at && comparePositions(startOf(at), found.after.start) > 0)) return unknown;
  const evidence = found.evidence;
  const elsewhere = evidence?.path !== undefined && evidence.path !== context.path ? { path: evidence.path } : {};
  switch (found.kind) {
    case 'hot':
      // A quick call (the catalogue's information class) still makes the work in flight wait, once per run of a
      // function that runs beside it: in hot code it is a warning like any other blocking call.
      return { hot: true, suffix: `This function ${evidence!.message}.`, severity: apiSeverity === 'hint' ? 'hint' : undefined, related: [{ range: evidence!.range, message: `Why this matters: it ${evidence!.message}`, ...elsewhere }] };
    case 'cold':
      return { suffix: `It matters less here: ${evidence!.message}, so little else is likely waiting.`, severity: 'hint', related: [], off: context.settings.coldSeverity === 'off' };
    default:
      return unknown;
  }
}

function sourceOf(context: RuleContext): ContextSource {
  return { language: context.language, root: context.root, text: context.text, path: context.path, ts: () => context.ts(), python: () => context.python(), readFile: context.readFile, listFiles: context.listFiles };
}

/**
 * A plain (non-async) function that runs on the event loop beside other work, checked like an async function. TS/JS: one
 * registered as a route handler, middleware, a repeated event's listener, a timer's or a server's callback, a plugin hook,
 * or a continuation (`.then(f)`, `setTimeout(f)`) written in a hot function. Python: a def the loop itself calls
 * (`loop.call_later(1, f)`). A function hot only through its callers is reported at those callers instead.
 */
export function plainHotEntry(context: RuleContext, fn: Node, cache?: Map<number, ConcurrencyContext>): boolean {
  if (context.language === 'python') {
    // A plain def runs on the loop only when the loop calls it: a framework may run a plain handler in a thread pool.
    if (fn.type !== 'function_definition' || fn.children.some((c) => c?.type === 'async')) return false;
    const own = ownContext(fn, sourceOf(context));
    return own.kind === 'hot' && own.onLoop === true;
  }
  if (isAsyncFunction(fn)) return false;
  const own = ownContext(fn, sourceOf(context));
  // A callback that runs once (a stream's `close`) is like start-up or shut-down code: it is not worth a warning.
  if (own.kind === 'hot') return !own.once;
  // A continuation the loop runs later (`.then(f)`, `setTimeout(f)`) runs beside what the function that scheduled it
  // runs beside.
  if (!deferredCallback(fn)) return false;
  let found = cache?.get(fn.id);
  if (!found) {
    found = contextOf(fn, sourceOf(context));
    cache?.set(fn.id, found);
  }
  return found.kind === 'hot' && !found.once && !found.after;
}

const DEFERRING_METHODS = new Set(['then', 'catch', 'finally']);
const DEFERRING_CALLS = new Set(['setTimeout', 'setImmediate', 'queueMicrotask', 'process.nextTick']);

/** A function written in place as a promise's continuation or a one-shot timer's callback: the loop runs it later. */
function deferredCallback(fn: Node): boolean {
  if (fn.type !== 'arrow_function' && fn.type !== 'function_expression' && fn.type !== 'function') return false;
  const args = fn.parent;
  const call = args?.type === 'arguments' ? args.parent : undefined;
  const callee = call?.type === 'call_expression' ? call.childForFieldName('function') : undefined;
  if (!callee) return false;
  if (callee.type === 'member_expression' && DEFERRING_METHODS.has(callee.childForFieldName('property')?.text ?? '')) return true;
  return DEFERRING_CALLS.has(callee.text) && args!.namedChildren[0]?.id === fn.id;
}

/**
 * Where a finding sits, for the message's scope slot: "in `save()`", or for an unnamed TS/JS callback the call it is
 * handed to ("in the callback of `app.get()`"); undefined for another unnamed function.
 */
export function scopeOf(fn: Node | undefined): string | undefined {
  const named = inFunction(functionName(fn));
  if (named || !fn || (fn.type !== 'arrow_function' && fn.type !== 'function_expression' && fn.type !== 'function')) return named;
  const args = fn.parent;
  const callee = args?.type === 'arguments' && args.parent?.type === 'call_expression' ? args.parent.childForFieldName('function') : undefined;
  return callee && (callee.type === 'identifier' || callee.type === 'member_expression') ? `in the callback of \`${shortCode(callee.text, 30)}()\`` : undefined;
}

/** The name a function is known by, for messages: `save` for `def save`, `load` for `const load = async () => …`. */
export function functionName(fn: Node | undefined): string | undefined {
  if (!fn) return undefined;
  const own = fn.childForFieldName('name');
  if (own) return own.text;
  const holder = fn.parent;
  if (holder?.type === 'variable_declarator' || holder?.type === 'public_field_definition' || holder?.type === 'pair') {
    const name = holder.childForFieldName('name') ?? holder.childForFieldName('key');
    if (name && /^[\w$#]+$/.test(name.text)) return name.text;
  }
  return undefined;
}
