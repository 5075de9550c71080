// What-if: the same Python workload (the callables that threads/processes/tasks run) re-simulated
// sequentially, as threads, as processes and as asyncio tasks, to show which model fits it.
import { DEFAULT_IO_MS, type ExecutionModel, type SimOptions, type Step, type Unit } from './model';
import { simulate } from './simulate';

export type WhatIfMode = 'sequential' | 'threads' | 'processes' | 'asyncio';

export interface WhatIfResult {
  mode: WhatIfMode;
  totalMs: number;
}

export interface WhatIf {
  results: WhatIfResult[];
  /** One line: which model fits this workload, and why. */
  lesson: string;
  /** How many callables the comparison runs. */
  workers: number;
}

/** Start-up of a process (spawn, import, pickling the arguments): why processes lose on waits. */
export const PROCESS_START_MS = 30;

const WORKER_KINDS: ReadonlySet<Unit['kind']> = new Set(['thread', 'process', 'asyncio-task']);

/** The leaf callables: units that do work but start nothing themselves. */
function workload(model: ExecutionModel): Unit[] {
  const pools = new Set(model.units.filter((u) => u.kind.endsWith('-pool')).map((u) => u.id));
  return model.units.filter(
    (u) => (WORKER_KINDS.has(u.kind) || (u.parent !== undefined && pools.has(u.parent)))
      && !u.steps.some((s) => s.kind === 'spawn')
      && u.steps.some((s) => s.kind === 'cpu' || s.kind === 'io' || s.kind === 'sleep' || s.kind === 'blocking' || (s.kind === 'await' && !s.target)),
  );
}

/** The work of a callable with the coordination removed (joins and awaits of other units). */
function body(u: Unit, mode: WhatIfMode): Step[] {
  const out: Step[] = [];
  for (const s of u.steps) {
    switch (s.kind) {
      case 'cpu':
      case 'acquire':
      case 'release':
        out.push(s);
        break;
      case 'blocking':
        out.push(s); // a blocking call stays blocking, also in asyncio
        break;
      case 'io':
      case 'sleep':
        // Ported to asyncio, time.sleep/recv become their awaitable forms; a call flagged as
        // blocking by a rule has no such form known, so it stays blocking.
        if (mode === 'asyncio' && !s.diagnosticCode) out.push({ ...s, kind: 'await' });
        else out.push(s);
        break;
      case 'await':
        if (s.target) break;
        if (mode === 'asyncio') out.push(s);
        else out.push({ ...s, kind: s.label.includes('sleep') ? 'sleep' : 'io' });
        break;
      default:
        break;
    }
  }
  return out;
}

function build(units: Unit[], mode: WhatIfMode): ExecutionModel {
  const ids = units.map((_, i) => `w${i}`);
  const spawn = (id: string): Step => ({ kind: 'spawn', target: id, label: `start ${id}` });
  const join = (id: string): Step => ({ kind: 'join', target: id, label: `join ${id}` });
  if (mode === 'sequential') {
    return {
      language: 'python', notes: [],
      units: [{ id: 'main', kind: 'main-thread', label: 'main thread', steps: units.flatMap((u) => body(u, mode)) }],
    };
  }
  if (mode === 'asyncio') {
    return {
      language: 'python', notes: [],
      units: [
        { id: 'main', kind: 'main-thread', label: 'main thread', steps: [spawn('root'), join('root')] },
        {
          id: 'root', kind: 'asyncio-task', label: 'main()',
          steps: [...ids.map(spawn), ...ids.map((id): Step => ({ kind: 'await', target: id, label: `await ${id}` }))],
        },
        ...units.map((u, i): Unit => ({ id: ids[i], kind: 'asyncio-task', label: u.label, steps: body(u, mode) })),
      ],
    };
  }
  const kind = mode === 'threads' ? 'thread' : 'process';
  return {
    language: 'python', notes: [],
    units: [
      { id: 'main', kind: 'main-thread', label: 'main thread', steps: [...ids.map(spawn), ...ids.map(join)] },
      ...units.map((u, i): Unit => {
        const steps = body(u, mode);
        if (kind === 'process') steps.unshift({ kind: 'cpu', duration: PROCESS_START_MS, label: 'process start-up' });
        return { id: ids[i], kind, label: u.label, steps };
      }),
    ],
  };
}

/** Python only; undefined when the file runs no callables concurrently. */
export function whatIf(model: ExecutionModel, opts: Partial<SimOptions> = {}): WhatIf | undefined {
  if (model.language !== 'python') return undefined;
  const units = workload(model);
  if (units.length === 0) return undefined;
  const modes: WhatIfMode[] = ['sequential', 'threads', 'processes', 'asyncio'];
  const results = modes.map((mode) => ({ mode, totalMs: Math.round(simulate(build(units, mode), opts).totalMs) }));
  return { results, lesson: lesson(units, results, !!opts.freeThreaded, opts.cpuUnitMs ?? 10), workers: units.length };
}

function lesson(units: Unit[], results: WhatIfResult[], freeThreaded: boolean, cpuUnitMs: number): string {
  const ms = (m: WhatIfMode) => results.find((r) => r.mode === m)!.totalMs;
  let cpu = 0;
  let wait = 0;
  let blocking = false;
  for (const s of units.flatMap((u) => body(u, 'threads'))) {
    if (s.kind === 'cpu') cpu += s.duration ?? (s.weight ?? 1) * cpuUnitMs;
    else if (s.kind === 'io' || s.kind === 'sleep' || s.kind === 'blocking') wait += s.duration ?? DEFAULT_IO_MS;
    if (s.kind === 'blocking' || s.diagnosticCode) blocking = blocking || s.kind !== 'cpu';
  }
  if (cpu >= wait) {
    if (freeThreaded) {
      return `Mostly CPU work: on free-threaded Python threads run it in parallel (${ms('threads')} ms), as processes do (${ms('processes')} ms) without their start-up cost.`;
    }
    return `Mostly CPU work: processes finish in ${ms('processes')} ms, threads in ${ms('threads')} ms — the GIL lets one thread run Python at a time, so use processes for CPU.`;
  }
  const base = `Mostly waiting: threads (${ms('threads')} ms) and asyncio (${ms('asyncio')} ms) overlap the waits (sequential: ${ms('sequential')} ms)`;
  if (blocking) {
    return `${base}; the blocking call stays blocking under asyncio — run it with asyncio.to_thread() or use an async library.`;
  }
  return `${base}; threads suit a few waits, asyncio suits many (one thread, cheap tasks).`;
}
