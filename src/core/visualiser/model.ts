// The execution model: what the extraction emits from a source file and the simulator runs.
// A model is a *description* of who runs what, not a measurement; durations are relative
// (CPU weight × cpuUnitMs) unless the code states them (time.sleep(0.5) → 500 ms).
import type { Range } from '../types';

export type UnitKind =
  | 'main-thread' // Python: the thread running the module body
  | 'thread' // threading.Thread
  | 'process' // multiprocessing.Process / subprocess running Python
  | 'thread-pool' // ThreadPoolExecutor (a container; its tasks are units with parent = pool id)
  | 'process-pool' // ProcessPoolExecutor / multiprocessing.Pool
  | 'interpreter-pool' // 3.14 InterpreterPoolExecutor: one GIL per subinterpreter
  | 'asyncio-task' // a Task on an asyncio event loop (asyncio.run's root coroutine too)
  | 'js-main' // the JS main script
  | 'js-async' // an async function call: runs synchronously until its first suspending await
  | 'timer' // setTimeout/setInterval/setImmediate callback (delayMs)
  | 'microtask' // promise reaction / queueMicrotask / process.nextTick (nextTick: true)
  | 'worker' // worker_threads Worker / Web Worker: own thread and event loop
  | 'child-process'; // child_process.*: own OS process

export const POOL_KINDS: readonly UnitKind[] = ['thread-pool', 'process-pool', 'interpreter-pool'];

export type StepKind =
  | 'cpu' // runs code; needs a core (and the GIL for Python threads)
  | 'io' // blocking I/O in a thread (releases the GIL); in an event loop: a blocking call
  | 'sleep' // time.sleep / Atomics.wait: blocks the thread; in an event loop it stalls every task
  | 'await' // suspends the task/async fn: on target (unit id) or for duration, else yields once
  | 'join' // waits for target (unit id) to finish: Thread.join, Process.join, future.result()
  | 'acquire' // takes lock target (lock name); waits while another unit holds it
  | 'release' // releases lock target
  | 'spawn' // starts unit target (Thread.start, create_task, submit, setTimeout, a call of an async fn)
  | 'blocking'; // a call known to block (requests.get, readFileSync): like io, but flagged

export interface Step {
  kind: StepKind;
  /** Relative CPU cost of a 'cpu' step (default 1 → cpuUnitMs). */
  weight?: number;
  /** Milliseconds, only when the code states them (sleep(0.5) → 500, setTimeout(f, 20) → 20). */
  duration?: number;
  /** Unit id for join/spawn/await of a task; lock name for acquire/release. */
  target?: string;
  /** Short text shown on the span ("time.sleep(0.5)", "fib(30)"). */
  label: string;
  range?: Range;
  /** The diagnostic (rule slug) raised at this step, if any: drawn where it acts. */
  diagnosticCode?: string;
  /** A CPU step of one call that holds its thread throughout (scryptSync): on an event loop it stalls every task. */
  stalls?: boolean;
  /** Where a stated duration comes from when the code does not state it ("typical cost of crypto.scryptSync"). */
  cost?: string;
}

export interface Unit {
  /** Unique within the model. */
  id: string;
  kind: UnitKind;
  label: string;
  /** Daemon thread/process (or an unref'd JS worker): does not keep the program alive. */
  daemon?: boolean;
  /** Pools: how many tasks may run at once (default: threads min(32, cores+4), else cores). */
  maxWorkers?: number;
  /** A pool task's pool id; otherwise the unit that created it (informational). */
  parent?: string;
  /**
   * When the unit starts. Default: when a 'spawn' step targets it, else at program start.
   * afterStepOf: starts once that unit has finished step stepIndex.
   */
  startsAt?: { afterStepOf: string; stepIndex: number } | 'program-start';
  /** Timers: the delay in ms (setTimeout(f, 20) → 20; setImmediate → 0). */
  delayMs?: number;
  /** Microtasks: queued with process.nextTick (runs before promise microtasks). */
  nextTick?: boolean;
  /** An asyncio task another thread schedules onto the program's event loop (`run_coroutine_threadsafe`). */
  onMainLoop?: boolean;
  /** A pool the runtime runs an API's work in (libuv's thread pool), not one the program made: on the loop its tasks still run there. */
  runtime?: boolean;
  /** One of N arrivals of a handler (a request, a message): its number (1-based) and when it arrives. */
  arrival?: { index: number; atMs: number };
  range?: Range;
  steps: Step[];
}

export interface ExecutionModel {
  language: 'python' | 'ts';
  units: Unit[];
  /** What the extraction could not model (dynamic targets, unknown calls); shown on the page. */
  notes: string[];
  /**
   * TS/JS: why the whole file runs in a worker thread ("it uses `parentPort` (worker_threads)…"). Its event loop serves
   * only that worker: a wait there is the worker's, which is what workers are for; no rule reports it, no fix is offered.
   */
  worker?: string;
}

// ---- Timeline: what simulate() returns and the page draws ----

export type SpanState =
  | 'running' // executing on a core
  | 'waiting-gil' // wants to run Python code; another thread holds the GIL
  | 'blocked-io' // blocked in I/O (or a blocking call)
  | 'sleeping' // blocked in sleep
  | 'awaiting' // suspended at an await; the loop runs others
  | 'waiting-lock' // waiting to acquire a lock
  | 'joined' // waiting for another unit to finish (join, a synchronous call, exit)
  | 'ready'; // could run, but the loop/pool/cores are busy

export interface Span {
  start: number;
  end: number;
  state: SpanState;
  stepIndex?: number;
  range?: Range;
}

export interface Lane {
  unitId: string;
  label: string;
  kind: UnitKind;
  /** The pool of a pool task, or the unit that spawned this one. */
  parent?: string;
  spans: Span[];
}

export type SimEventKind =
  | 'gil-handoff'
  | 'task-switch'
  | 'stall'
  | 'join'
  | 'daemon-killed'
  | 'spawn'
  | 'microtask-drain'
  | 'timer-fired';

export interface SimEvent {
  at: number;
  kind: SimEventKind;
  unitId: string;
  detail: string;
  /** The step that caused it (e.g. the blocking call of a stall). */
  range?: Range;
}

export interface Timeline {
  lanes: Lane[];
  events: SimEvent[];
  totalMs: number;
  /** The event/time cap was hit; the timeline stops early. */
  truncated?: boolean;
  /** Findings of the run itself (a deadlock, a join on a unit never started). */
  notes: string[];
}

export interface SimOptions {
  /** Cores available to parallel work (default 4). */
  cores: number;
  /** Free-threaded CPython (3.13t/3.14t): threads run Python code in parallel. */
  freeThreaded: boolean;
  /** CPython's sys.getswitchinterval() in ms (default 5). */
  switchIntervalMs: number;
  /** Virtual ms per unit of CPU weight (default 10). */
  cpuUnitMs: number;
}

export const defaultSimOptions: SimOptions = {
  cores: 4,
  freeThreaded: false,
  switchIntervalMs: 5,
  cpuUnitMs: 10,
};

/** Duration of a wait whose length the code does not state. */
export const DEFAULT_IO_MS = 50;
export const DEFAULT_SLEEP_MS = 100;
/** Arrivals a handler's model runs unless the panel asks for another number. */
export const DEFAULT_ARRIVALS = 10;
