import { followPython, followTs, tsMayFollow } from './blocking/chains';
import { blockingLookup, categoryTitles, pythonBlockingApis, tsBlockingApis, type BlockingApi, type BlockingCategory } from '../catalog/blocking';
import type { RuleMeta } from '../types';
import { checkPython, pythonMayMatch } from './blocking/python';
import { checkTs, tsMayMatch } from './blocking/typescript';
import type { Report, Rule, RuleContext } from './rule';
import { inWorkerBranch, workerFile, type WorkerEvidence } from '../worker';

/** The catalogue as markdown: one section per category, one line per group of calls sharing reason and remedy. */
function catalogueMarkdown(title: string, apis: readonly BlockingApi[], display: (name: string) => string): string {
  const out = [`### ${title}`, ''];
  const byCategory = new Map<BlockingCategory, BlockingApi[]>();
  for (const api of apis) byCategory.set(api.category, [...(byCategory.get(api.category) ?? []), api]);
  for (const [category, list] of byCategory) {
    out.push(`**${categoryTitles[category]}**`, '');
    const groups = new Map<string, BlockingApi[]>();
    for (const api of list) {
      const key = `${api.why}\u0000${api.instead}\u0000${api.fix !== 'none'}`;
      groups.set(key, [...(groups.get(key) ?? []), api]);
    }
    for (const group of groups.values()) {
      const names = group.map((a) => `\`${display(a.name)}\``).join(', ');
      const ruff = [...new Set(group.map((a) => a.ruff).filter(Boolean))];
      const fix = group[0].fix === 'none' ? '' : ' Quick fix available.';
      out.push(`- ${names}: ${group[0].why}. Instead: ${group[0].instead}.${fix}${ruff.length ? ` (Ruff: ${ruff.join(', ')})` : ''}`);
    }
    out.push('');
  }
  return out.join('\n');
}

const pyName = (n: string) => (n.startsWith('builtins.') ? n.slice(9) : n);
const tsName = (n: string) => (n.startsWith('global.') ? n.slice(7) : n);

export const meta: RuleMeta = {
  slug: 'blocking-call-in-async',
  languages: ['python', 'typescript', 'tsx', 'javascript'],
  defaultSeverity: 'warning',
  // flake8-async's blocking-call family (Ruff implements 210, 212, 220, 221, 222, 230, 240, 250, 251): ASYNC200 configured
  // blocking calls, 210/211/212 HTTP, 220/221/222 processes, 230/231/232 files, 240 os.path, 250 input(), 251 time.sleep.
  peerCodes: ['ASYNC200', 'ASYNC210', 'ASYNC211', 'ASYNC212', 'ASYNC220', 'ASYNC221', 'ASYNC222', 'ASYNC230', 'ASYNC231', 'ASYNC232', 'ASYNC240', 'ASYNC250', 'ASYNC251'],
  docs: {
    summary: 'A blocking call (sleep, network, file, process, lock wait) made directly inside an async function, or in TS/JS a callback registered to run beside other work.',
    what: [
      'Flags calls to the blocking APIs listed below when they run directly in the body of an `async def`, an `async function`,',
      'an async arrow function or an async method. Names are resolved through imports, aliases and assignments:',
      '`import time as t; t.sleep(1)`, `from requests import get`, `s = requests.Session(); s.get(url)`,',
      '`import { readFileSync as r } from "node:fs"`, `const { execSync } = require("child_process")`.',
      'In TS/JS the same calls are flagged in a plain (non-async) callback registered to run beside other work, because JavaScript runs it',
      'on the event loop too: a route handler or middleware (`app.get(path, (req, res) => ...)`), an `http.createServer` callback, a',
      'listener of a repeated event (`emitter.on("job", ...)`), a `setInterval` callback, a bundler plugin hook, and a continuation the loop',
      'runs later (`.then(f)`, `.catch(f)`, `setTimeout(f)`, `setImmediate(f)`, `queueMicrotask(f)`) written in a function that runs beside',
      'other work. Plain functions are flagged only with such evidence: one nothing shows hot is ordinary synchronous code. A listener of a one-time',
      'event (`close`, `end`, `finish`, `error`, `open`, `ready`, `listening`, `.once(...)`) or of the program\'s end (`exit`, `unload`) runs',
      'once and is not flagged. Such findings offer no rewrite: making the callback async changes what its caller gets back.',
      'In Python a plain `def` is flagged likewise when the event loop itself calls it: handed to `loop.call_soon`, `call_soon_threadsafe`,',
      '`call_later`, `call_at`, `add_reader`/`add_writer` or a future\'s `add_done_callback` (by name: `f`, `self.f`). A plain handler a',
      'framework registers is not, since frameworks run those in a thread pool.',
      'TS/JS also flags busy waits (`while (Date.now() < end) {}`, `while (Date.now() - start < ms) {}`) and any `*Sync` member of `fs`,',
      '`fs-extra`, `graceful-fs`, `child_process`, `zlib`, `crypto` and `Deno`, in async functions and async generators. `fs` is also',
      'followed through declared types: a parameter `fs: typeof nodeFs`, an option `options.fs` whose type says so, a field `this.#fs`,',
      '`typeof import("node:fs")` and type aliases of it. Well-known packages\' synchronous calls are recognised by the module they are',
      'imported from, never by name alone: `globSync`/`glob.sync` (glob, fast-glob, tinyglobby), `execaSync`/`execa.sync`, `spawn.sync`',
      '(cross-spawn), `resolve.sync`, and `fs.realpathSync.native`. Names imported from a local facade module (`export * from "node:fs"`,',
      '`export { execSync as run } from "child_process"`) are followed when the checker can read that file (the CLI can); otherwise,',
      'and for a facade with several `export *` lines or its own declaration of the name, nothing is guessed.',
      'Python clients are also known from annotations: `client: httpx.Client | None`, `Optional[httpx.Client]`, `x: httpx.Client = make()`,',
      'and paths from tuple unpacking (`src, dst = Path(a), Path(b)`).',
      '',
      '**Through your own code.** A call in an async function to one of your plain (non-async) functions that blocks is flagged too,',
      'at the call, naming the chain: "`git_rev()` blocks the event loop: it calls `subprocess.check_output()` (util.py:5)", with one',
      'related location per hop. It goes up to five calls deep (`concurrencyLens.followCalls.maxDepth`, config `follow-calls.max-depth`), through cycles once, and follows:',
      '',
      '- functions of the same file, and methods: `self.m()`, `cls.m()`, `super().m()`, `this.m()` (also in an arrow function inside',
      '  a method: an arrow keeps its method\'s `this`), `super.m()`, including methods',
      '  inherited from your base classes in the same file or another one (`class B(A)` with `A` imported); in Python, calling one of',
      '  your classes runs its `__init__` (its own or an inherited one);',
      '- methods of objects whose class is one of yours: Python parameters and variables annotated `X`, `Optional[X]`, `X | None` or',
      '  `"X"`, `x = X()`, `self.x = X()` in `__init__` (then `self.x.m()` in any method, and `obj.x.m()` from another file), module-level',
      '  `client = X()` imported elsewhere; TS/JS parameters and variables typed `X` or `X | undefined`, `new X()`, fields',
      '  `private x: X`, `x = new X()`, constructor parameter properties and `this.x = new X()` in the constructor (then `this.x.m()`,',
      '  also in a subclass, and `obj.x.m()` from another file);',
      '- Python imports: absolute ones looked for beside the importing file, at the project root, under `src/` and in every folder',
      '  above the importing file that holds `pyproject.toml` or `setup.cfg` (and its `src/`); relative imports; `import a.b as c`;',
      '  names re-exported by a package\'s `__init__.py` (`from .mod import f`, then `from pkg import f` or `pkg.f()`), through',
      '  chains of re-exports;',
      '- TS/JS imports: relative ones (`./util`, `./util.js` for a `util.ts`, `./lib` for `lib/index.ts`), `tsconfig.json`',
      '  `compilerOptions.paths` and `baseUrl` (also from a relative `extends`), re-exports (`export { f } from`, `export { f as g } from`,',
      '  `export *`, `export * as ns from`, `import * as ns` then `export { ns }`), default exports (`export default function`,',
      '  `export default f`, `import f from`), and CommonJS',
      '  (`const { f } = require("./a")`, `const a = require("./a"); a.f()`, `module.exports = { f }`, `module.exports = f`,',
      '  `exports.f = function`, `module.exports.f = ...`, functions written in the object: `module.exports = { f: async function () {}, g() {} }`).',
      '',
      'Re-export chains, base classes and module variables are followed a few steps at most, and a cycle among them ends the search.',
      'A name that leads to no function of yours (a library, an unknown or dynamic call) is neither evidence nor a reason to stop.',
      'Calls that run elsewhere are not followed: a function handed to `asyncio.to_thread`, `run_in_executor`, `submit`, a `Thread`',
      'target, a `Worker`, `setTimeout`, `.then(f)`, an event listener or another callback, and a plain function Textual runs in a worker',
      'thread (`@work(thread=True)`). A helper whose only blocking calls are quick',
      'metadata calls (`os.path.exists`, `fs.existsSync`) is weighed like such a call (a warning in hot code, information where',
      'nothing is known); one that also makes a heavier call is named by that one. An async helper\'s own blocking calls are reported inside it. The Python fix runs the helper in a',
      'worker thread: `await asyncio.to_thread(git_rev)`.',
      '',
      'Only the paths a call takes count. A helper\'s blocking call carries the condition under which it runs (the `if`s around it and the',
      'early `return`/`raise`/`throw` before it, as tests of parameters and of `self`/`this` fields set from them: truthiness, `is None`,',
      '`=== undefined`, `== null`, `isinstance`/`typeof`/`instanceof`, `==` a literal or an enum member, `in` a literal set), and the',
      'call site is judged by what it passes: literals, omitted arguments and their defaults (`log_file=None`, `opts = {}`), new',
      'instances, and the fields a constructor set (`Logger(log_file=None)` then `logger.log()` reaches no `open()` under',
      '`if self.log_file:`). A call that cannot reach the blocking call is not reported; one that may (a value the checker cannot',
      'see) says so: "`load()` may block the event loop (when `source` is not a `io.IOBase`)". A condition keeps a few tests; anything',
      'beyond is unknown, never a guess. Work that runs rarely is a hint (or off with `coldSeverity`), saying which: the first call only',
      '(`@functools.cache`, `@lru_cache`, `@cached_property`, `alru_cache`, a flag or a memo the function sets after an early return,',
      '`if _x is None: _x = ...`, `this.x ??= ...`), an error path (`except`, `catch`, `if err:`), or debugging (`if DEBUG:`,',
      '`logger.isEnabledFor(...)`, `process.env.DEBUG`).',
      '',
      'A TS/JS callback run in place is part of the function around it: an array method\'s (`xs.map((x) => ...)`, `forEach`, `filter`,',
      '`reduce`, `some`, `find`, `flatMap`, `sort`, ...), `Array.from(xs, f)`\'s and a `new Promise` executor run before the call returns, so',
      'their blocking calls, direct or through helpers, are that function\'s (with no rewrite: `await` cannot go inside the callback).',
      '',
      'Not flagged: calls inside a nested plain `def`, `lambda`, class body or other non-async function (they run when called, maybe in a thread);',
      'functions passed without calling them (`await asyncio.to_thread(time.sleep, 1)`, `run_in_executor(None, f)`);',
      'your own functions that happen to be named `sleep` or `readFileSync`; the non-blocking forms',
      '(`queue.get(block=False)`, `lock.acquire(blocking=False)`, `timeout=0`, `select.select(r, w, x, 0)`);',
      'socket calls on a socket switched to non-blocking mode (`sock.setblocking(False)`) in the same file;',
      'a Python method awaited on an object known only by its type (`await session.execute(q)` with `session: Session`): no',
      'blocking API returns an awaitable, so the object is another type at run time (an `AsyncSession`).',
      '',
      'Decisions:',
      '- `time.sleep(0)` is flagged: it yields only to other threads, never to other tasks; the fix is `await asyncio.sleep(0)`, which does.',
      '- `with lock:` on a `threading.Lock`/`RLock`/`Semaphore`/`Condition` inside an async function is a blocking acquire. It is reported',
      '  at *information* level: a short critical section shared with threads is legitimate; when only tasks share the lock, `asyncio.Lock` is the fix.',
      '- Metadata and directory calls of `os`, `os.path` and `pathlib.Path` (`exists`, `is_file`, `stat`, `iterdir`, `glob`, `mkdir`, `unlink`,',
      '  `os.makedirs`, `os.replace`, `os.listdir`, `os.scandir`, `os.walk`, `glob.glob`, `tempfile.mkstemp`, ..., Ruff\'s ASYNC240) are reported',
      '  at *information* level where nothing shows other work in flight: one quick syscall on a local disk, a real stall on a network',
      '  file system. In hot code (a handler, a task, a listener, or what one of those calls) they are warnings: every request pays the',
      '  call and waits on a slow disk. Reading and writing file',
      '  contents (also `tempfile.NamedTemporaryFile`, `zipfile`/`tarfile` archives, `pickle.dump`/`load` on a file) is a warning; the',
      '  same on an `io.BytesIO` is not flagged. Pure path functions do no I/O and are never flagged: `os.path.join`, `normpath`, `abspath`,',
      '  `expanduser`, `basename`, `dirname`, `splitext`, `Path.home()`, `PurePath` operations, Node\'s `path.join`/`resolve`.',
      '- Code that runs in a worker is not on the event loop, so blocking there is not flagged: a TS/JS file that talks to its parent',
      '  through worker_threads (`parentPort`, `workerData`), the worker\'s branch of `if (isMainThread)`, a Web Worker (`self.onmessage = `',
      '  or `self.addEventListener("message", ...)` with a worker\'s `postMessage(data)`, `importScripts(...)`), a `workerpool.worker(...)` file, and a file the project starts with',
      '  `new Worker(...)`, `new Piscina({ filename })` or `workerpool.pool(...)` (by a path relative to the starting file; the CLI and the',
      '  language server see the other files).',
      '- TS/JS gets the same treatment: `fs.existsSync`, `statSync`, `lstatSync`, `accessSync` and `realpathSync` are *information* level outside hot code;',
      '  reading and writing file contents (`readFileSync`, `writeFileSync`, ...) stays a warning.',
      '- The project\'s own blocking functions can be declared in the configuration file (`blocking.extra`: Python `mylib.client.fetch_sync`,',
      '  `mylib.client.Client.get`; TS/JS `module#export`, `module#Class.method` with the module as imported); `blocking.allow` takes names out.',
      '- A call already under `await` is still flagged (it blocks before the await fails) but gets no fix.',
    ].join('\n'),
    why: [
      'An event loop runs every task of the program on one thread. A blocking call holds that thread: no other task, callback,',
      'timer or request makes progress until it returns. One `requests.get` that takes two seconds stalls every connection the server',
      'handles for two seconds. Use the async-native API, or move the call to a worker thread and await it.',
    ].join('\n'),
    example: [
      'import time',
      'import requests',
      '',
      'async def poll(url):',
      '    time.sleep(1)',
      '    return requests.get(url).json()',
    ].join('\n'),
    instead: [
      'import asyncio',
      'import httpx',
      '',
      'async def poll(url):',
      '    await asyncio.sleep(1)',
      '    async with httpx.AsyncClient() as client:',
      '        return (await client.get(url)).json()',
    ].join('\n'),
    notes: [
      '## How severe: is anything else waiting?',
      '',
      'A blocking call only costs something when other work of the process is in flight at that moment. Each function gets a',
      '*concurrency context* from entry points and the project\'s call graph (the package\'s functions and whom they call, built once',
      'per CLI run and kept by the language server), and the finding\'s severity follows it:',
      '',
      '- **hot** (warning, and the message names the evidence, with a related location): the function is a server or router handler',
      '  (`app.get(...)`, `router.post(...)`, `fastify.route({ handler })`, `http.createServer(cb)`, `Deno.serve`, `Bun.serve`;',
      '  aiohttp `web.get("/", h)`/`@routes.get`, FastAPI/Starlette `@app.get`/`@router.websocket`, the `get`/`post` methods of',
      '  `...Handler`/`...View`/`...Endpoint` subclasses), a bot or socket handler (`@bot.command`, `@client.event`, `@sio.on`; the',
      '  message method of a socket class: Tornado `WebSocketHandler.on_message`, Starlette `WebSocketEndpoint.on_receive`,',
      '  Channels `AsyncWebsocketConsumer.receive`/`receive_json`), a NestJS handler (a method decorated `@Get()`/`@Post()`/... of',
      '  `@nestjs/common`, `@MessagePattern`/`@EventPattern`, `@SubscribeMessage`, or `@Cron`/`@Interval`: every request, message or tick),',
      '  a Next.js route, by its file (the `GET`/`POST`/... exports of an app-router `route.ts`, the default export of a page under',
      '  `pages/api/`, a page\'s `getServerSideProps`; also exported apart, `export default handler`, `export const GET = handler`',
      '  or `export { handler as GET }`, or through a wrapper, `export default withAuth(handler)`),',
      '  the verify callback of a passport strategy (`new GoogleStrategy(options, verify)`: a package named `passport-*`),',
      '  a callback of `Promise.all`/`allSettled`/`race`/`any` or a coroutine given to `asyncio.gather`/`create_task`/`TaskGroup.create_task`',
      '  (also kept in a list or a name first: `tasks = [fetch(u) for u in urls]` or `tasks.append(fetch(u))`, then `gather(*tasks)`;',
      '  `const loads = paths.map(load)`, then `Promise.all(loads)`),',
      '  (either branch of a conditional in the list: `Promise.all([keep ? lock(p) : touch(p), load(p)])`),',
      '  an async function started on every pass of a loop without waiting (`for (const p of ps) pending.push(load(p).catch(log))`,',
      '  `xs.forEach(async (x) => ...)`; a loop that awaits each call is not evidence), an async function started and left',
      '  running while its caller awaits other work (`const verifying = verify(lockfile); await fetchAll(); await verifying`:',
      '  its code after its own first await runs beside that work; before it, it runs in the caller\'s turn), a function handed',
      '  to a task pool that runs several at a time (`queue.add(fn)` of a `new PQueue(...)`, `limit(fn)` of a `pLimit(n)`; a',
      '  literal concurrency of 1 runs them one at a time),',
      '  an event or stream listener (`.on("data", cb)`), a function subscribed to a store or observable (`store.subscribe(fn)`;',
      '  not a callback after a topic, `client.subscribe(topic, done)`, which answers once), a `setInterval` callback, a loop that waits on a queue, socket or timer at',
      '  each turn, a dev-server middleware (`server.middlewares.use`), a bundler plugin hook that runs per module (`transform`,',
      '  `load`, `resolveId`, also in the `{ filter, handler }` form); the function a factory returns when the factory\'s result is',
      '  registered (`app.use(logger(options))`, `emitter.on("data", onData(sink))`); or any function such code calls or hands over',
      '  by reference as a callback (`adapter.process_activity(activity, bot.on_turn)`, `items.forEach(save)`), in any file',
      '  of the package (the message names the path). A function handed out by the one that makes it runs when its receiver',
      '  calls it, so a factory called once at start-up does not make it cold. A function that starts runs of itself (a',
      '  recursive scan under `Promise.all`, directly or through a closure) runs beside those runs only, the same piece of work:',
      '  that is no evidence, and its callers decide;',
      '- **cold** (hint): only sequential code runs it: the `main` of `if __name__ == "__main__": asyncio.run(main())` and what it',
      '  awaits in sequence, a module\'s own entry point called once at its top level (`init().catch(...)`, `await main()`) that',
      '  starts no server, timer, listener or task, module-level code; a start-up or shut-down hook (aiohttp `on_startup`/`on_cleanup`,',
      '  FastAPI/Starlette `lifespan=`/`on_startup=`, `@app.on_event("startup")`, Quart `before_serving`); a signal handler',
      '  (`signal.signal(SIGINT, h)`, `loop.add_signal_handler(SIGTERM, h)`, also a lambda: `lambda: ensure_future(stop())`),',
      '  what it starts as a task and a nested function only it uses (they run when the process is interrupted or stopping);',
      '  test code (a module',
      '  importing a test framework, pytest\'s `test_*` functions in `test_*.py`, `conftest.py`); a one-shot plugin or adapter hook',
      '  (`buildStart`, `generateBundle`, `writeBundle`, `closeBundle`, `config`, `configResolved`, `configureServer` itself, an',
      '  adapter\'s `adapt`); a command module (TS/JS: it imports `commander`, `yargs`, `sade`, `cac`, prompts...; Python: it imports',
      '  `argparse`/`click`/`typer` and runs as a command); or a function whose every caller is cold (tests count only when',
      '  nothing else calls it). A `#!` line, a folder, a file name or a `bin` field is no evidence by itself. The call graph',
      '  leaves test suites out (`tests/`, `test_*.py`, `*.test.ts`, ...): what a test runs never makes a function hot;',
      '- **unknown** otherwise (nothing shows who runs it): information, saying it matters when a server or tasks run beside it.',
      '',
      'A method called on a receiver whose type is not known (`self.contents_manager.rename_checkpoint(...)`) is an edge to the',
      'package\'s methods of that name when there are at most 8 and the name is not one that built-in and library objects share',
      '(`get`, `read`, `run`, `send`, ...); such a path says "is called as `.rename_checkpoint()` by ...". In TS/JS a function',
      'handed out as a property of an object that a function returns or a module exports (`return { init, queueEvent }`,',
      '`module.exports = { addModule: async function () {} }`) counts as a method of that name. A property with a',
      'return annotation (`@property def contents_manager(self) -> ContentsManager`) gives its reader that type. A call of a',
      'method may run an override of it in a derived class of the package ("overrides `ContentsManager.delete_file`, which',
      '..."), unless the method runs for an object of one known class: one hot by its own code (its class\'s handler or loop)',
      'and what it calls on `self`, which resolve as written. A constructor overrides nothing: `Panel()` or its',
      '`super().__init__()` runs the base\'s, never the constructor of the base\'s other subclasses. A helper whose `if`/`elif`/`else` blocks on every branch blocks',
      'whichever branch runs; so does one that blocks before each early exit and after them (`if direct: open(p); return`',
      'then `open(tmp)`), and one whose `if`/`else` on a single test calls a blocking helper either way',
      '(`if self.atomic: atomic_write(p) else: plain_write(p)`). A chain through a',
      'helper that blocks only under a condition this call does not settle ("may block ... when `self.log_file` is set") is',
      'information even in hot code: a warning claims the blocking call runs. A guard that raises or throws checks the input',
      '(`if not os.path.exists(p): raise ValueError(p)`), so the code after it is the ordinary path, not a "may". A call made in',
      'an `except`/`catch` clause runs when something failed, and one behind a guard that lets it run once',
      '(`if not self._ready: await self.initialize(); self._ready = True`, also as one term of an `and`/`&&` test:',
      '`if (theme && !initialised) { ...; initialised = true }`; a memo, `@cache`) or in a debug branch runs rarely:',
      'none of these carries anything hot to the function it calls. A blocking call',
      'or a chain whose call sits on such a rare path of the async function (an `except`/`catch`, a debug branch, the branches',
      'that fill a kept value: `if self.data: ... else: <fill self.data>`) is a hint, as one inside the helper is.',
      '',
      'Hot evidence wins over cold. Cold findings are hints; `concurrencyLens.coldSeverity: "off"` (config `cold-severity = "off"`,',
      'CLI `--cold-severity off`) drops them instead. A severity configured for the rule (`concurrencyLens.rules`) applies to every other finding. Quick calls the',
      'catalogue reports at information level stay there, except in hot code. A deliberate synchronous section (a start-up step that must finish before',
      'anything else runs, a lock file written on purpose) is what suppression comments are for (see "Turning it off" below).',
      '',
      '## Quick fixes',
      '',
      'A fix is *safe* when it keeps what the program does and only removes the blocking, *unsafe* when it may change scheduling, the',
      'thread that runs the code, or types (as Ruff has it). Fix-all (`source.fixAll.concurrencyLens`, on save) and `check --fix`',
      'apply only safe fixes; `check --fix --unsafe-fixes` and the quick-fix menu, where they are labelled, offer the unsafe ones.',
      'Every fix kind is checked at run time: the fixed program does the same I/O and blocks nothing.',
      '',
      '- Safe: Python `time.sleep(x)` → `await asyncio.sleep(x)` (adding `import asyncio`, or using `from asyncio import sleep` if the file does).',
      '- Unsafe (another thread): a call that opens a `with` block (`with open(p) as f:`) → the whole statement in a nested plain function,',
      '  run by `await asyncio.to_thread(_blocking_io)` (`return await ...` when the block ends in `return`). Not offered when the block',
      '  awaits or yields, breaks out of a loop around it, binds a name used elsewhere in the function, or calls `super()`/`locals()`.',
      '- Unsafe (another thread): other Python calls → `await asyncio.to_thread(f, *args, **kwargs)` (Python 3.9+: not offered when `python.target-version` is "3.8"), arguments kept exactly, parenthesised when the call sat',
      '  inside an expression: `(await asyncio.to_thread(requests.get, url)).json()`. Not offered where a worker thread would change meaning:',
      '  `threading.RLock.acquire` (owned by the acquiring thread), `sqlite3` objects (`check_same_thread`), `subprocess.Popen`, `Condition.wait`,',
      '  calls inside generator expressions (an `await` there makes an async generator) and calls already awaited.',
      '- Safe: TS/JS `fs.xSync(...)` → `await fs.promises.x(...)`, `await fsp.x(...)` or `await x(...)` with an import from `node:fs/promises`, following the file\'s style.',
      '- Safe: `zlib.xSync`, `crypto.pbkdf2Sync`/`generateKeyPairSync`/`generateKeySync` → `await promisify(zlib.x)(...)`; `bcrypt.hashSync(...)` →',
      '  `await bcrypt.hash(...)` (also `compareSync`, and bcryptjs; `genSaltSync` only draws random bytes and is no finding).',
      '- Unsafe: `execSync`/`execFileSync` → `await promisify(exec)(...)`, only where the result is unused and the options exist for `exec`',
      '  (the child\'s stderr is then captured instead of printed).',
      '- Unsafe: `Atomics.wait(...)` → `await Atomics.waitAsync(...).value` (Node does not stay alive for a pending `waitAsync`: a program with',
      '  nothing else to do exits before it ends).',
      '- Safe: `Deno.xSync(...)` → `await Deno.x(...)`; `Bun.sleepSync(ms)` → `await Bun.sleep(ms)`.',
      '- Safe: busy wait → `await sleep(Math.max(0, end - Date.now()))` with `import { setTimeout as sleep } from "node:timers/promises"`.',
      '',
      '## Blocking APIs',
      '',
      catalogueMarkdown('Python', pythonBlockingApis, pyName),
      catalogueMarkdown('TypeScript / JavaScript', tsBlockingApis, tsName),
      'Busy waits: `while (Date.now() < end) {}`, `while (performance.now() < end);`, `for (; Date.now() < end; ) {}` with an empty body.',
    ].join('\n'),
  },
};

export const rule: Rule = {
  meta,
  mayMatch: (text, settings) => pythonMayMatch(text) || tsMayMatch(text, settings ? blockingLookup(settings).tsExtraNames : undefined)
    || (settings?.followCallsMaxDepth !== 0 && tsMayFollow(text)),
  check(context: RuleContext) {
    if (context.language === 'python') {
      checkPython(context);
      followPython(context);
    } else {
      const onLoop = dropWorkerFindings(context);
      checkTs(onLoop);
      followTs(onLoop);
    }
  },
};

/**
 * The context with a report that drops findings in code that runs in a worker (a worker_threads file, a Web Worker, a file
 * the project starts with `new Worker(...)`, the worker's branch of `if (isMainThread)`): no event loop waits there.
 */
function dropWorkerFindings(context: RuleContext): RuleContext {
  let file: WorkerEvidence | null | undefined;
  return {
    ...context,
    report(diagnostic: Report) {
      if (file === undefined) {
        file = workerFile({ root: context.root, text: context.text, path: context.path, ts: () => context.ts(), readFile: context.readFile, listFiles: context.listFiles }) ?? null;
      }
      if (file) return;
      const offset = context.lines.offsetAt(diagnostic.range.start);
      const node = context.root.descendantForIndex(offset, offset);
      if (node && inWorkerBranch(node, context.ts())) return;
      context.report(diagnostic);
    },
  };
}
