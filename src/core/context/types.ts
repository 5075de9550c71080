import type { Node } from 'web-tree-sitter';
import type { PythonSemantics } from '../python/semantics';
import type { TsSemantics } from '../ts/semantics';
import type { Language, Range } from '../types';

/**
 * The concurrency context of a function: whether anything else of the process is in flight while it runs, so that a
 * blocking call in it stalls other work.
 *
 * - hot: it runs while other work is in flight: a server route or handler, a `Promise.all`/`gather`/`create_task` task, an
 *   event or stream listener, a bundler plugin hook that runs per module, or a function such code calls;
 * - cold: it runs only from sequential entry points: a `__main__` block, a module's entry function called once at its
 *   top level, a command-line tool's step, test code, a start-up or one-shot build hook, or functions only those call;
 * - unknown: no entry point reaches it (library code: whoever calls it decides).
 */
export type ConcurrencyKind = 'hot' | 'cold' | 'unknown';

export interface ConcurrencyContext {
  kind: ConcurrencyKind;
  /**
   * What shows it, for messages ("runs for every request: registered with `app.get` at server.ts:40") and a related
   * location (in `path` when that is another file than the function's).
   */
  evidence?: { message: string; range: Range; path?: string };
  /** Cold because it is test code: another caller, if any, decides instead. */
  test?: boolean;
  /**
   * Carried down from a caller or an enclosing function, not shown by the function's own registration or start: the
   * function runs beside that work, but nothing registers it as an entry point of its own.
   */
  inherited?: true;
  /** Hot, but the function runs once in the program's life (a listener of a one-time event): it waits once at most. */
  once?: true;
  /**
   * A plain Python function that the event loop itself calls (`loop.call_soon(f)`, `call_later`, `add_done_callback`): it
   * runs on the loop's thread like a coroutine's step, unlike a plain handler a framework may run in a thread pool.
   */
  onLoop?: true;
  /**
   * Hot only for the function's code after this point (an async function started and left running: after its first
   * await). Before it, the function runs within its caller's turn, which this evidence says nothing about.
   */
  after?: Range;
}

/** The file a function lives in: its tree, language, path (if known) and name resolution. */
export interface ContextSource {
  language: Language;
  root: Node;
  text: string;
  /** Workspace- or command-line-relative path, '/'-separated; undefined for unsaved text. */
  path?: string;
  ts?: () => TsSemantics;
  python?: () => PythonSemantics;
  /** Reads another project file by a path like `path`; undefined when the host has none. */
  readFile?: (path: string) => string | undefined;
  /** The source files of the package holding a path (the CLI, the language server): the call graph's files. */
  listFiles?: (near: string) => readonly string[];
}
