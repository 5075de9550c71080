// How a Python server runs a sync (def) handler's requests: the size of its thread pool, from the server the file starts
// (waitress.serve(threads=8), app.run(threaded=False), HTTPServer vs ThreadingHTTPServer) or, when the file starts none,
// the framework's usual server. The panel states which, so the assumption is visible.
import type { Node } from 'web-tree-sitter';
import { getLoadedParser, parseOtherFile } from '../parser';
import type { PythonSemantics } from '../python/semantics';

export interface ServerPool {
  /** Threads (or worker processes) serving requests at once; undefined: a new thread per request. */
  size?: number;
  /** The requests run in worker processes (gunicorn's sync workers): no GIL shared between them. */
  processes?: boolean;
  /** Shown on the panel: which server, and why this size. */
  note: string;
}

/** Starlette/FastAPI run a sync handler in AnyIO's thread pool: 40 threads by default. */
export const ASGI_THREADPOOL = 40;
/** waitress's default `threads`: the pool assumed for a WSGI app whose file does not start its server. */
export const WSGI_THREADPOOL = 4;

/** Servers that start a thread per request (socketserver's ThreadingMixIn). */
const THREAD_PER_REQUEST = new Set([
  'http.server.ThreadingHTTPServer', 'socketserver.ThreadingTCPServer', 'socketserver.ThreadingUDPServer',
  'socketserver.ThreadingUnixStreamServer', 'socketserver.ThreadingUnixDatagramServer',
]);
/** Servers that handle one request at a time on the thread that runs serve_forever(). */
const ONE_AT_A_TIME = new Set([
  'http.server.HTTPServer', 'socketserver.TCPServer', 'socketserver.UDPServer', 'wsgiref.simple_server.make_server',
  'wsgiref.simple_server.WSGIServer',
]);
const ASGI_FRAMEWORKS = new Set(['fastapi', 'starlette']);
const WSGI_FRAMEWORKS = new Set(['flask', 'django', 'bottle', 'pyramid', 'falcon']);

/** Calls looked at for a server (a file starts its server once or twice; a huge file is not searched to the end). */
const MAX_CALLS = 2000;

function keyword(call: Node, name: string): Node | undefined {
  const args = call.childForFieldName('arguments');
  return args?.namedChildren.find((a) => a?.type === 'keyword_argument' && a.childForFieldName('name')?.text === name)?.childForFieldName('value') ?? undefined;
}

function positiveInt(node: Node | undefined): number | undefined {
  const v = node?.type === 'integer' ? Number(node.text.replace(/_/g, '')) : undefined;
  return v !== undefined && Number.isInteger(v) && v > 0 ? v : undefined;
}

function topModules(root: Node): Set<string> {
  const out = new Set<string>();
  for (const s of root.namedChildren) {
    if (s?.type === 'import_from_statement') {
      const m = s.childForFieldName('module_name')?.text.split('.')[0];
      if (m) out.add(m);
    } else if (s?.type === 'import_statement') {
      for (const n of s.namedChildren) {
        const dotted = n?.type === 'aliased_import' ? n.childForFieldName('name') : n;
        if (dotted) out.add(dotted.text.split('.')[0]);
      }
    }
  }
  return out;
}

/** gunicorn reads `gunicorn.conf.py` from where it starts: its literal `workers` and `threads`. */
export function gunicornConfig(readFile: ((path: string) => string | undefined) | undefined): { workers: number; threads: number } | undefined {
  const text = readFile?.('gunicorn.conf.py');
  const parser = text !== undefined ? getLoadedParser('python') : undefined;
  const tree = parser && text !== undefined ? parseOtherFile(parser, text, 200) : null;
  if (!tree) return undefined;
  try {
    const values = new Map<string, number>();
    for (const statement of tree.rootNode.namedChildren) {
      const assignment = statement?.type === 'expression_statement' ? statement.namedChildren[0] : undefined;
      const left = assignment?.type === 'assignment' ? assignment.childForFieldName('left') : undefined;
      if (left?.type !== 'identifier' || (left.text !== 'workers' && left.text !== 'threads')) continue;
      const value = positiveInt(assignment?.childForFieldName('right') ?? undefined);
      // Computed (`multiprocessing.cpu_count() * 2 + 1`): the size is not in the code.
      if (value === undefined) return undefined;
      values.set(left.text, value);
    }
    // gunicorn's defaults: one worker, one thread.
    return { workers: Math.min(values.get('workers') ?? 1, 64), threads: Math.min(values.get('threads') ?? 1, 64) };
  } finally {
    tree.delete();
  }
}

/** The pool a sync handler of this file runs in; undefined when the file shows no server or web framework. */
export function pythonServerPool(root: Node, sem: PythonSemantics, readFile?: (path: string) => string | undefined): ServerPool | undefined {
  let seen = 0;
  for (const call of root.descendantsOfType('call')) {
    if (!call || ++seen > MAX_CALLS) break;
    let name: string | undefined;
    try {
      name = sem.calleeName(call);
    } catch {
      name = undefined;
    }
    if (!name) continue;
    if (name === 'waitress.serve') {
      const threads = positiveInt(keyword(call, 'threads'));
      return { size: threads ?? WSGI_THREADPOOL, note: `waitress serves the requests with ${threads ?? WSGI_THREADPOOL} threads${threads ? '' : ' (its default)'}.` };
    }
    if (/^flask(\.app)?\.Flask\.run$/.test(name)) {
      if (keyword(call, 'threaded')?.text === 'False') return { size: 1, note: "Flask's development server with threaded=False serves one request at a time." };
      return { note: "Flask's development server starts a thread per request." };
    }
    if (THREAD_PER_REQUEST.has(name)) return { note: `${name.slice(name.lastIndexOf('.') + 1)} starts a thread per request.` };
    if (ONE_AT_A_TIME.has(name)) return { size: 1, note: `${name.slice(name.lastIndexOf('.') + 1)} serves one request at a time: the next waits until it finishes.` };
  }
  const modules = topModules(root);
  if ([...ASGI_FRAMEWORKS].some((m) => modules.has(m))) return { size: ASGI_THREADPOOL, note: `A sync handler runs in the ASGI server's thread pool (AnyIO's default: ${ASGI_THREADPOOL} threads).` };
  if ([...WSGI_FRAMEWORKS].some((m) => modules.has(m))) {
    const gunicorn = gunicornConfig(readFile);
    if (gunicorn && gunicorn.threads > 1) {
      const size = gunicorn.workers * gunicorn.threads;
      return { size, note: `gunicorn.conf.py: ${gunicorn.workers} worker${gunicorn.workers === 1 ? '' : 's'} × ${gunicorn.threads} threads serve ${size} requests at once (drawn as one pool of threads; each worker's threads share its GIL).` };
    }
    if (gunicorn) return { size: gunicorn.workers, processes: true, note: `gunicorn.conf.py: ${gunicorn.workers} sync worker process${gunicorn.workers === 1 ? '' : 'es'}, one request each at a time.` };
    return { size: WSGI_THREADPOOL, note: `The file does not start its WSGI server: a pool of ${WSGI_THREADPOOL} threads is assumed (waitress's default; gunicorn's gthread worker runs \`--threads\` at once, its sync worker one request per process).` };
  }
  return undefined;
}
