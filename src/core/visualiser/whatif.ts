// What-if: the same workload (the arrivals of a handler, or the callables a file's threads/processes/tasks run)
// re-simulated one at a time, as threads, as processes, on an event loop, and on the loop with the diagnostic's fix.
// The lesson is computed from those numbers: it recommends the fastest, and says why the others lose.
import { startedBy, withFix } from './arrivals';
import { DEFAULT_IO_MS, DEFAULT_SLEEP_MS, POOL_KINDS, type ExecutionModel, type SimOptions, type Step, type Unit } from './model';
import { simulate } from './simulate';

export type WhatIfMode = 'sequential' | 'threads' | 'processes' | 'asyncio' | 'fixed';

export interface WhatIfResult {
  mode: WhatIfMode;
  totalMs: number;
  /** What the mode means for this language ("worker threads", "the event loop"). */
  label: string;
}

export interface WhatIf {
  results: WhatIfResult[];
  /** The fastest mode (ties within 5% go to the simpler one); the lesson recommends it. */
  recommended: WhatIfMode;
  /** One line: which model fits this workload, and why, with the numbers. */
  lesson: string;
  /** How many callables (or arrivals) the comparison runs. */
  workers: number;
  /** What those are ("worker processes" when the program starts several processes, else "units of work"). */
  noun: string;
  /** What the 'fixed' row changes, when there is one. */
  fix?: string;
}

/** Start-up of a process (spawn, import, pickling the arguments): why processes lose on waits. */
export const PROCESS_START_MS = 30;
/** Start-up of a Node worker thread (a new isolate). */
export const WORKER_START_MS = 10;
/** Modes within this fraction of the fastest count as equally fast. */
const TIE = 0.05;

const WORKER_KINDS: ReadonlySet<Unit['kind']> = new Set(['thread', 'process', 'asyncio-task', 'js-async', 'timer', 'worker']);

const doesWork = (u: Unit) => u.steps.some((s) => s.kind === 'cpu' || s.kind === 'io' || s.kind === 'sleep' || s.kind === 'blocking' || (s.kind === 'await' && !s.target));

/** Whether a process is among `u`'s parents: a thread a worker process starts is part of that process. */
function insideProcess(u: Unit, byId: ReadonlyMap<string, Unit>): boolean {
  let parent = u.parent !== undefined ? byId.get(u.parent) : undefined;
  for (let depth = 0; parent && depth < byId.size; depth++) {
    if (parent.kind === 'process') return true;
    parent = parent.parent !== undefined ? byId.get(parent.parent) : undefined;
  }
  return false;
}

/**
 * The workload: a handler's arrivals; else, when the program starts several Python processes (a supervisor's workers),
 * those processes, each one unit of work whatever threads it starts inside; else the leaf callables (units that do work
 * but start nothing themselves). A child process of Node runs another program: it stays out, as before.
 */
function workload(model: ExecutionModel): { units: Unit[]; processes: boolean } {
  const arrivals = model.units.filter((u) => u.arrival);
  if (arrivals.length > 1) return { units: [...arrivals, ...startedBy(arrivals, model)], processes: false };
  const byId = new Map(model.units.map((u) => [u.id, u]));
  const pools = new Set(model.units.filter((u) => u.kind.endsWith('-pool')).map((u) => u.id));
  // A process pool's tasks are tasks, not processes the program starts: they stay leaves.
  const processes = model.units.filter((u) => u.kind === 'process' && !(u.parent !== undefined && pools.has(u.parent)) && !insideProcess(u, byId) && doesWork(u));
  if (processes.length > 1) return { units: processes, processes: true };
  const leaves = model.units.filter(
    (u) => (WORKER_KINDS.has(u.kind) || (u.parent !== undefined && pools.has(u.parent)))
      && !u.steps.some((s) => s.kind === 'spawn') && doesWork(u),
  );
  return { units: leaves, processes: false };
}

/** The work of a callable with the coordination removed (joins and awaits of other units). */
function body(u: Unit, mode: WhatIfMode, language: 'python' | 'ts'): Step[] {
  const out: Step[] = [];
  const onLoop = mode === 'asyncio' || mode === 'fixed';
  for (const s of u.steps) {
    switch (s.kind) {
      case 'cpu':
      case 'acquire':
      case 'release':
      case 'blocking': // a blocking call stays blocking, also on a loop
        out.push(s);
        break;
      case 'io':
      case 'sleep':
        // Ported to a loop, time.sleep/recv become their awaitable forms; a call a rule flagged as blocking has no such
        // form known, so it stays blocking (the 'fixed' row applies the fix). JS has no unflagged blocking waits.
        // The wait keeps its length: an await without one only yields (a 50 ms recv() would cost nothing on the loop).
        if (onLoop && !s.diagnosticCode && language === 'python') out.push({ ...s, kind: 'await', duration: s.duration ?? (s.kind === 'sleep' ? DEFAULT_SLEEP_MS : DEFAULT_IO_MS) });
        else out.push(s);
        break;
      case 'await':
        if (s.target) break;
        if (onLoop) out.push(s);
        else out.push({ ...s, kind: s.label.includes('sleep') ? 'sleep' : 'io' });
        break;
      default:
        break;
    }
  }
  return out;
}

/** `runtimePools`: pools the runtime runs an API's work in (libuv's): on the event loop their tasks still run there. */
function build(units: Unit[], mode: WhatIfMode, language: 'python' | 'ts', runtimePools: ReadonlyMap<string, Unit> = new Map()): ExecutionModel {
  const ids = units.map((_, i) => `w${i}`);
  const spawn = (id: string): Step => ({ kind: 'spawn', target: id, label: `start ${id}` });
  const join = (id: string): Step => ({ kind: 'join', target: id, label: `join ${id}` });
  const awaitIt = (id: string): Step => ({ kind: 'await', target: id, label: `await ${id}` });
  const python = language === 'python';
  const mainKind = python ? 'main-thread' : 'js-main';
  if (mode === 'sequential') {
    return { language, notes: [], units: [{ id: 'main', kind: mainKind, label: 'main', steps: units.flatMap((u) => body(u, mode, language)) }] };
  }
  if (mode === 'asyncio' || mode === 'fixed') {
    const model: ExecutionModel = python
      ? {
        language, notes: [],
        units: [
          { id: 'main', kind: 'main-thread', label: 'main thread', steps: [spawn('root'), join('root')] },
          { id: 'root', kind: 'asyncio-task', label: 'main()', steps: [...ids.map(spawn), ...ids.map(awaitIt)] },
          ...units.map((u, i): Unit => ({ id: ids[i], kind: 'asyncio-task', label: u.label, steps: body(u, mode, language) })),
        ],
      }
      : {
        language, notes: [],
        units: [
          { id: 'main', kind: 'js-main', label: 'main script', steps: ids.map(spawn) },
          ...[...runtimePools.values()].map((p): Unit => ({ ...p, steps: [] })),
          ...units.map((u, i): Unit => (u.parent !== undefined && runtimePools.has(u.parent)
            ? { id: ids[i], kind: 'worker', label: u.label, parent: u.parent, steps: body(u, 'threads', language) }
            : { id: ids[i], kind: 'timer', delayMs: 0, label: u.label, steps: body(u, mode, language) })),
        ],
      };
    return mode === 'fixed' ? withFix(model)?.model ?? model : model;
  }
  const kind = mode === 'threads' ? (python ? 'thread' : 'worker') : python ? 'process' : 'child-process';
  const startMs = mode === 'processes' ? PROCESS_START_MS : python ? 0 : WORKER_START_MS;
  return {
    language, notes: [],
    units: [
      { id: 'main', kind: mainKind, label: 'main', steps: [...ids.map(spawn), ...ids.map(python ? join : awaitIt)] },
      ...units.map((u, i): Unit => {
        // Off the loop, a JS await is a plain wait of its thread, and a blocking call blocks only that thread.
        const steps = body(u, mode, language).map((s): Step => (!python && s.kind === 'blocking' ? { ...s, kind: 'io' } : s));
        if (startMs) steps.unshift({ kind: 'cpu', duration: startMs, label: mode === 'processes' ? 'process start-up' : 'worker start-up' });
        return { id: ids[i], kind, label: u.label, steps };
      }),
    ],
  };
}

const LABELS: Record<'python' | 'ts', Record<WhatIfMode, string>> = {
  python: { sequential: 'Sequential', threads: 'Threads', processes: 'Processes', asyncio: 'asyncio', fixed: 'asyncio + fix' },
  ts: { sequential: 'One at a time', threads: 'Worker threads', processes: 'Child processes', asyncio: 'Event loop', fixed: 'Event loop + fix' },
};

/** Undefined when the model runs nothing concurrently (fewer than two arrivals or callables: nothing to compare). */
export function whatIf(model: ExecutionModel, opts: Partial<SimOptions> = {}): WhatIf | undefined {
  const language = model.language;
  const { units, processes } = workload(model);
  if (units.length < 2) return undefined;
  const arrivals = model.units.filter((u) => u.arrival).length;
  const modes: WhatIfMode[] = ['sequential', 'threads', 'processes', 'asyncio'];
  // The fix row only when the loop version has something the fix changes.
  const runtimePools = new Map(model.units.filter((u) => u.runtime && POOL_KINDS.includes(u.kind)).map((u) => [u.id, u]));
  const fixed = model.worker ? undefined : withFix(build(units, 'asyncio', language, runtimePools), opts);
  if (fixed) modes.push('fixed');
  const results = modes.map((mode): WhatIfResult => ({
    mode, label: LABELS[language][mode], totalMs: Math.round(simulate(build(units, mode, language, runtimePools), opts).totalMs),
  }));
  const recommended = fastest(results);
  const offloadedTo = units.map((u) => (u.parent !== undefined ? runtimePools.get(u.parent) : undefined)).find((p) => p !== undefined);
  return {
    results, recommended, workers: arrivals > 1 ? arrivals : units.length, noun: processes ? 'worker processes' : 'units of work',
    ...(fixed ? { fix: fixed.fix } : {}),
    lesson: lesson(units, results, recommended, language, !!opts.freeThreaded, opts.cpuUnitMs ?? 10, fixed?.fix, offloadedTo, processes),
  };
}

/** Simplest first among modes that tie: a loop is cheaper than threads, threads than processes; the fixed loop before the loop as written. */
const SIMPLICITY: WhatIfMode[] = ['sequential', 'fixed', 'asyncio', 'threads', 'processes'];

function fastest(results: WhatIfResult[]): WhatIfMode {
  const min = Math.min(...results.map((r) => r.totalMs));
  const tied = results.filter((r) => r.totalMs <= min * (1 + TIE) + 0.5);
  tied.sort((a, b) => SIMPLICITY.indexOf(a.mode) - SIMPLICITY.indexOf(b.mode));
  return tied[0].mode;
}

function lesson(
  units: Unit[], results: WhatIfResult[], best: WhatIfMode, language: 'python' | 'ts', freeThreaded: boolean, cpuUnitMs: number,
  fix: string | undefined, runtimePool: Unit | undefined, writtenAsProcesses: boolean,
): string {
  const r = (m: WhatIfMode) => results.find((x) => x.mode === m);
  const show = (m: WhatIfMode) => `${r(m)!.label} ${r(m)!.totalMs} ms`;
  let cpu = 0;
  let wait = 0;
  let blocking = false;
  for (const s of units.flatMap((u) => body(u, 'threads', language))) {
    if (s.kind === 'cpu') cpu += s.duration ?? (s.weight ?? 1) * cpuUnitMs;
    else if (s.kind === 'io' || s.kind === 'sleep' || s.kind === 'blocking') wait += s.duration ?? DEFAULT_IO_MS;
    if (s.kind === 'blocking' || s.stalls || s.diagnosticCode) blocking = true;
  }
  const bestMs = r(best)!.totalMs;
  const others = results.filter((x) => x.mode !== best).map((x) => show(x.mode)).join(', ');
  // "Fastest" only when it is: a simpler model within the tie margin is the pick, and says so.
  const strictlyFastest = results.every((x) => x.totalMs >= bestMs);
  const head = `${strictlyFastest ? 'Fastest' : 'Pick'}: ${r(best)!.label} (${bestMs} ms; ${others}).`;
  const tiedWith = results.filter((x) => x.mode !== best && x.totalMs <= bestMs * (1 + TIE) + 0.5).map((x) => x.label);
  const tie = tiedWith.length ? ` ${tiedWith.join(' and ')} ${tiedWith.length === 1 ? 'is' : 'are'} about as fast; ${r(best)!.label} is the simpler.` : '';
  const loop = language === 'python' ? 'the event loop' : "Node's event loop";
  let why: string;
  switch (best) {
    case 'fixed':
      why = `As written, a blocking call holds ${loop}, so every other ${units[0]?.arrival ? 'arrival' : 'task'} waits behind it; with the fix (${fix}) the waits overlap.`;
      break;
    case 'processes':
      why = language === 'python' && !freeThreaded
        ? 'Mostly CPU work: the GIL lets one thread run Python at a time, processes run it on several cores.'
        : 'Mostly CPU work: separate processes run it on several cores.';
      break;
    case 'threads':
      why = cpu >= wait
        ? language === 'python' ? 'CPU work in C that releases the GIL, or free-threaded Python: threads run it in parallel without the start-up of processes.' : 'CPU work: worker threads run it on several cores without the start-up of processes.'
        : blocking ? `The blocking calls wait in threads without holding ${loop}.` : 'Mostly waiting: threads overlap the waits.';
      break;
    case 'asyncio':
      why = runtimePool ? `The async API runs its work in the ${runtimePool.label} beside ${loop}, which stays free, with no start-up cost.`
        : cpu >= wait ? 'Little work in all: one thread does it without start-up costs.' : `Mostly waiting: ${loop} overlaps the waits on one thread, with the cheapest tasks.`;
      break;
    default:
      why = 'The work is small: starting threads, processes or tasks costs more than it saves.';
  }
  const procs = r('processes')!;
  let slowProcesses = best !== 'processes' && cpu >= wait && procs.totalMs > bestMs
    ? ` Processes (${procs.totalMs} ms) lose here: their start-up (${PROCESS_START_MS} ms each) costs more than the work they share.` : '';
  // The code chose processes: the lesson says what that choice costs.
  if (writtenAsProcesses && best !== 'processes' && procs.totalMs > bestMs) {
    slowProcesses = ` As written, the ${units.length} worker processes take ${procs.totalMs} ms: ${cpu >= wait
      ? `their start-up (${PROCESS_START_MS} ms each) costs more than the CPU work they share`
      : `their work the model sees mostly waits, which needs no process of its own; processes pay for their start-up (${PROCESS_START_MS} ms each) with CPU-bound work`}.`;
  }
  return `${head}${tie} ${why}${slowProcesses}`;
}
