// blocking-call-in-async through the project's own code: a call in an async function to a helper (in this file or
// another module of the project) that blocks the thread, directly or a few calls further down. The effects layer
// (project/) finds the chain; this file weighs it by the function's context, words it and offers the fix.
import type { Node } from 'web-tree-sitter';
import { blockingLookup } from '../../catalog/blocking';
import { targetMinor } from '../../config';
import type { ConcurrencyContext } from '../../context';
import { COLD_REASONS } from '../../effects/condition';
import { pythonColdPath, pythonFunctionFacts } from '../../effects/pythonPaths';
import { tsFunctionFacts, tsPathCondition } from '../../effects/tsPaths';
import { composeMessage, oneLine, shortCode } from '../../message';
import { callSite, pythonProject } from '../../project/followPython';
import { leadsToProject, ownCalls as ownTsCalls, projectTarget, queriesFor, tsCallSite, tsProject } from '../../project/followTs';
import { DEFAULT_FOLLOW_DEPTH, where, type Chain } from '../../project/project';
import { callTarget, isAsync, ownCalls } from '../../project/pythonSummary';
import type { PythonSemantics } from '../../python/semantics';
import { rangeOf } from '../../text';
import { isAsyncFunction } from '../../ts/semantics';
import type { Fix, RelatedLocation } from '../../types';
import type { RuleContext } from '../rule';
import { consequence, plainHotEntry, scopeOf, weigh, type Weighed } from './context';
import { tsMayHaveChecked } from './typescript';
import { mayScheduleOnLoop } from '../../context/entries';
import { asyncioName, inGeneratorExpression, inWithItem, needsParentheses } from './python';

/**
 * Reports a call in an async function that blocks through `hops`, naming the chain, with one related location per
 * hop, weighed by the function's concurrency context like a direct finding (a handler's call is a warning naming why,
 * a script's a hint). `waits` and `advice` are the language's own sentences.
 */
function reportChain(
  context: RuleContext,
  call: { callee: Node; fn: Node; chain: Chain; fixes?: Fix[] },
  text: { waits: string; advice: string; consequence: string },
  contexts: Map<number, ConcurrencyContext>,
): void {
  const { callee, fn, chain } = call;
  const hops = chain.hops;
  const steps = hops.map((h, i) => `${i === 0 ? 'it calls' : 'which calls'} \`${oneLine(h.shown)}\` (${where(h, context.path)})`).join(', ');
  const related: RelatedLocation[] = hops.map((h) => ({
    range: h.range,
    message: h.blocks ? `\`${h.shown}\` blocks the thread here` : `\`${h.shown}\` is called here`,
    ...(h.path !== context.path && h.path !== undefined ? { path: h.path } : {}),
  }));
  // A blocking call that runs only once, on an error or when debugging is a hint, whatever runs beside it.
  const weighed: Weighed = chain.cold
    ? { suffix: ` It matters less: that call runs ${COLD_REASONS[chain.cold]}.`, severity: 'hint' as const, related: [], off: context.settings.coldSeverity === 'off' }
    : weigh(context, fn, undefined, contexts, undefined, callee);
  if (weighed.off) return;
  // A warning claims the blocking call runs: a chain that only may reach it (a condition this call site does not
  // settle) is information, whatever runs beside it.
  if (chain.reach === 'may' && weighed.severity !== 'hint') weighed.severity = 'information';
  const last = hops[hops.length - 1];
  context.report({
    code: 'blocking-call-in-async',
    ...composeMessage({
      subject: `\`${shortCode(callee.text)}()\``, effect: chain.reach === 'reached' ? 'blocks the event loop' : 'may block the event loop',
      scope: scopeOf(fn), condition: chain.when, context: weighed.context,
      cause: `it calls \`${shortCode(last.shown)}\`${hops.length > 1 ? ` through \`${shortCode(hops[0].shown, 30)}\`` : ''}`,
      consequence: consequence(weighed, text.consequence), location: where(last, context.path),
    }, `Through your code: ${steps}. ${text.waits} ${text.advice} ${weighed.suffix.trim()}`),
    range: rangeOf(callee),
    related: [...related, ...weighed.related],
    ...(weighed.severity ? { severity: weighed.severity } : {}),
    ...(call.fixes ? { fixes: call.fixes } : {}),
  });
}

function toThreadFix(context: RuleContext, semantics: PythonSemantics, call: Node, callee: Node, fn: Node): Fix[] {
  // `with helper() as f:`: running only the helper in a thread leaves every use of `f` blocking.
  if (call.parent?.type === 'await' || inGeneratorExpression(call, fn) || inWithItem(call, fn)) return [];
  // asyncio.to_thread is new in 3.9, as for the direct fix.
  if ((targetMinor(context.settings.pythonTargetVersion) ?? Infinity) < 9) return [];
  const args = call.childForFieldName('arguments');
  if (!args || args.type !== 'argument_list') return [];
  const toThread = asyncioName(context, semantics, 'to_thread');
  const inner = args.text.slice(1, -1).trim();
  const replacement = `await ${toThread.text}(${callee.text}${inner ? `, ${inner}` : ''})`;
  return [{
    title: `Run \`${callee.text}\` in a worker thread: \`await ${toThread.text}(...)\` (Python 3.9+)`,
    preferred: true,
    applicability: 'unsafe',
    edits: [{ range: rangeOf(call), newText: needsParentheses(call) ? `(${replacement})` : replacement }, ...toThread.edits],
  }];
}

/** Reports calls in async functions that block through the project's own functions. */
export function followPython(context: RuleContext): void {
  const depth = context.settings.followCallsMaxDepth ?? DEFAULT_FOLLOW_DEPTH;
  if (depth <= 0) return;
  const semantics = context.python();
  const lookup = blockingLookup(context.settings);
  // Async functions, and plain ones the loop calls (`loop.call_later(5, self.flush)`).
  const scheduled = mayScheduleOnLoop(context.text);
  const asyncFunctions = (context.scope ?? [context.root]).flatMap((at) => at.descendantsOfType('function_definition'))
    .filter((fn): fn is Node => fn !== null && (isAsync(fn) || (scheduled && plainHotEntry(context, fn))));
  if (!asyncFunctions.length) return;
  // This file's helpers are summarised only when a chain reaches them; the view is shared with the other rules.
  const contexts = new Map<number, ConcurrencyContext>();
  const project = pythonProject(context);
  for (const fn of asyncFunctions) {
    const factsOf = () => pythonFunctionFacts(fn);
    for (const call of ownCalls(semantics, fn)) {
      const callee = call.childForFieldName('function');
      // `await self._read()` on a sync def: it must return an awaitable, so what runs is an async override (a subclass or a
      // mixin later in the MRO, as `AsyncFileManagerMixin` does) or a coroutine factory: not this sync body.
      if (!callee || call.parent?.type === 'await') continue;
      // Library calls are the direct rule's; only the project's own functions are followed.
      const api = semantics.calleeName(call);
      if (api && lookup.python(api)) continue;
      const target = callTarget(semantics, callee);
      const place = target && project.resolve(target, context.path);
      const found = place && project.reach(place, depth, callSite(semantics, call, callee, factsOf()));
      if (!found) continue;
      // The call itself on a rare path of its async function (once per object, on an error, when debugging) is cold too.
      const rare = found.cold ? undefined : pythonColdPath(semantics, call, factsOf());
      const chain = rare ? { ...found, cold: rare } : found;
      // An API bound to its thread (sqlite3 objects, an RLock) or one a thread does not help (Popen's pipes) ends the chain:
      // then the remedy is the API's own counterpart, and moving the helper to a thread is neither advised nor offered.
      const last = chain.hops[chain.hops.length - 1];
      const blocking = last.blocks ? lookup.python(last.blocks) : undefined;
      const threadable = blocking?.fix !== 'none';
      // A plain function the loop calls cannot await: no rewrite, and the advice moves the work off its turn.
      const plain = !isAsync(fn);
      reportChain(context, { callee, fn, chain, fixes: threadable && !plain ? toThreadFix(context, semantics, call, callee, fn) : [] }, {
        consequence: 'other tasks wait',
        waits: 'Every other task waits until it returns.',
        advice: plain ? `Run it in a worker thread (\`loop.run_in_executor(None, ${callee.text})\`) or move the work into a task.`
          : threadable || !blocking ? `Run it in a worker thread (\`await asyncio.to_thread(${callee.text})\`) or make the helper async.`
          : `Make the helper async, using ${blocking.instead} instead of \`${last.shown}\`.`,
      }, contexts);
    }
  }
}

/**
 * Cheap test on the raw text: code that may call into another module (its own helpers that block name a blocking API,
 * which the direct rule's test sees). Plain callbacks count too: a route handler need not be async.
 */
export function tsMayFollow(text: string): boolean {
  return tsMayHaveChecked(text) && (text.includes('import') || text.includes('require('));
}

/** Reports calls in async functions that block through the project's own functions. */
export function followTs(context: RuleContext): void {
  const depth = context.settings.followCallsMaxDepth ?? DEFAULT_FOLLOW_DEPTH;
  if (depth <= 0) return;
  const semantics = context.ts();
  const lookup = blockingLookup(context.settings);
  const contexts = new Map<number, ConcurrencyContext>();
  // Async functions, and plain callbacks registered to run beside other work (a route handler, a listener, a timer).
  const asyncFunctions = (context.scope ?? [context.root]).flatMap((at) => queriesFor(context.tree).functions.captures(at)).map((c) => c.node)
    .filter((fn) => isAsyncFunction(fn) || plainHotEntry(context, fn, contexts));
  if (!asyncFunctions.length) return;
  // This file's helpers are summarised only when a chain reaches them.
  const project = tsProject(context);
  // Resolving a name costs a search of the file: only names that can lead to the project's code are resolved.
  for (const fn of asyncFunctions) for (const call of ownTsCalls(context.tree, fn)) {
    const callee = call.childForFieldName('function');
    if (!callee || !leadsToProject(callee, project.names)) continue;
    const api = semantics.calleeName(call);
    if (api && lookup.ts(api)) continue;
    const target = projectTarget(semantics, callee);
    const place = target && project.resolve(target, context.path);
    const factsOf = () => tsFunctionFacts(fn);
    const found = place && project.reach(place, depth, tsCallSite(semantics, call, callee, factsOf()));
    if (!found) continue;
    // The call itself on a rare path of its async function (once, on an error, when debugging) is cold too.
    const rare = found.cold ? undefined : tsPathCondition(call, factsOf())?.cold;
    const chain = rare ? { ...found, cold: rare } : found;
    // The remedy names the counterpart of the API the chain ends in, or says that it has none.
    const last = chain.hops[chain.hops.length - 1];
    const blocking = last.blocks ? lookup.ts(last.blocks) : undefined;
    reportChain(context, { callee, fn, chain }, {
      consequence: 'other callbacks wait',
      waits: 'Every other request, timer and callback waits until it returns.',
      advice: blocking ? `Make the helper async, using ${blocking.instead} instead of \`${last.shown}\`, and await it.`
        : 'Make the helper async and await it, or move the blocking work to a worker thread.',
    }, contexts);
  }
}
