// Blocking APIs as data: which calls stall an event loop, why, and what to use instead.
// `blocking-call-in-async` reports them; other rules (CPU-bound work, hovers) use the lookups as I/O evidence.

import { normalizeModule } from './modules';
import type { AnalysisSettings } from '../types';
import { dictOf } from '../dict';

export type BlockingCategory =
  | 'sleep' | 'network' | 'process' | 'file' | 'wait' | 'input' | 'select' | 'database' | 'crypto' | 'compression' | 'project';

/** How the rule may rewrite the call. */
export type PythonFixKind = 'asyncio-sleep' | 'to-thread' | 'none';
export type TsFixKind =
  | 'fs-promises' | 'promisify' | 'promisify-unused' | 'atomics-wait-async' | 'deno-async' | 'bun-sleep' | 'async-member' | 'none';

/**
 * The call does not block when an argument says so: `block=False`, `blocking=False`, a zero timeout.
 * `index` is the positional slot of the same parameter (after `self`), or -1 when keyword-only.
 */
export interface NonBlockingWhen {
  keyword: string;
  index: number;
  /** 'false': the argument is literally False; 'zero': literally 0 / 0.0; 'memory': an in-memory file (`io.BytesIO(...)`). */
  value: 'false' | 'zero' | 'memory';
}

export interface BlockingApi {
  /** Qualified name as the semantics layer spells it: 'time.sleep', 'requests.Session.get', 'fs.readFileSync'. */
  name: string;
  category: BlockingCategory;
  /** Why it blocks, one phrase. */
  why: string;
  /** The async-native alternative, in markdown. */
  instead: string;
  fix: PythonFixKind | TsFixKind;
  /** Python: exceptions that make the call non-blocking. */
  unless?: NonBlockingWhen[];
  /** TS: the async counterpart the fix calls ('readFile' for fs.readFileSync, 'gzip' for zlib.gzipSync). */
  asyncName?: string;
  /** Ruff's code for the same finding, where Ruff has one (for the peer benchmark and the docs). */
  ruff?: string;
  /** Reported below the rule's default severity: usually quick, blocking only on slow or network file systems. */
  severity?: 'information';
}

type Entry = Omit<BlockingApi, 'name'>;

function family(names: string[], entry: Entry): [string, Entry][] {
  return names.map((n) => [n, entry]);
}

function members(types: string[], methods: string[], entry: Entry): [string, Entry][] {
  return types.flatMap((t) => methods.map((m): [string, Entry] => [`${t}.${m}`, entry]));
}

const HTTP_VERBS = ['get', 'post', 'put', 'patch', 'delete', 'head', 'options', 'request'];
const SOCKET_IO = ['recv', 'recv_into', 'recvfrom', 'recvfrom_into', 'recvmsg', 'send', 'sendall', 'sendto', 'sendmsg', 'sendfile', 'accept', 'connect'];
const NO_BLOCK: NonBlockingWhen[] = [{ keyword: 'block', index: 0, value: 'false' }, { keyword: 'timeout', index: 1, value: 'zero' }];
const NO_BLOCKING: NonBlockingWhen[] = [{ keyword: 'blocking', index: 0, value: 'false' }, { keyword: 'timeout', index: 1, value: 'zero' }];
const PSYCOPG_QUERY: Entry = {
  category: 'database', fix: 'to-thread',
  why: 'runs the query and waits for the database on the event-loop thread',
  instead: '`psycopg.AsyncConnection` (same API, awaited)',
};
/**
 * Synchronous SQLAlchemy sessions: SQLModel's subclass, a `scoped_session` (which passes each call to its thread's
 * session) and Flask-SQLAlchemy's `db.session`, one of those. Not what a `sessionmaker(...)` makes: its `class_=`
 * may be `AsyncSession`.
 */
export const SQLALCHEMY_SESSION_TYPES: readonly string[] = [
  'sqlalchemy.orm.Session', 'sqlalchemy.orm.session.Session', 'sqlmodel.Session', 'sqlmodel.orm.session.Session',
  'sqlalchemy.orm.scoped_session', 'sqlalchemy.orm.scoping.scoped_session', 'flask_sqlalchemy.SQLAlchemy.session',
];
/** redis-py's common commands: each is a round trip to the server. */
const REDIS_COMMANDS = [
  'get', 'set', 'setex', 'setnx', 'getset', 'getdel', 'mget', 'mset', 'delete', 'unlink', 'exists', 'expire', 'ttl', 'incr', 'incrby', 'decr',
  'hget', 'hset', 'hgetall', 'hmget', 'hdel', 'hincrby', 'hexists', 'hkeys', 'lpush', 'rpush', 'lpop', 'rpop', 'blpop', 'brpop', 'lrange',
  'llen', 'sadd', 'srem', 'smembers', 'sismember', 'scard', 'zadd', 'zrem', 'zrange', 'zrangebyscore', 'zscore', 'zincrby', 'publish',
  'keys', 'scan', 'ping', 'eval', 'evalsha', 'xadd', 'xread', 'xreadgroup', 'flushdb',
];
const ZERO_TIMEOUT_FIRST: NonBlockingWhen[] = [{ keyword: 'timeout', index: 0, value: 'zero' }];

const python: [string, Entry][] = [
  ['time.sleep', {
    category: 'sleep', fix: 'asyncio-sleep', ruff: 'ASYNC251',
    why: 'suspends the whole thread, so no other task runs until it returns',
    instead: '`await asyncio.sleep(x)`',
  }],

  ...family(['requests', 'httpx'].flatMap((m) => [...HTTP_VERBS, ...(m === 'httpx' ? ['stream'] : [])].map((v) => `${m}.${v}`)), {
    category: 'network', fix: 'to-thread', ruff: 'ASYNC210',
    why: 'waits for the server on the event-loop thread',
    instead: '`httpx.AsyncClient` or `aiohttp.ClientSession`',
  }),
  ...members(['requests.Session', 'requests.sessions.Session'], [...HTTP_VERBS, 'send'], {
    category: 'network', fix: 'to-thread',
    why: 'waits for the server on the event-loop thread',
    instead: '`httpx.AsyncClient` or `aiohttp.ClientSession`',
  }),
  ...members(['httpx.Client'], [...HTTP_VERBS, 'send', 'stream', 'close'], {
    category: 'network', fix: 'to-thread', ruff: 'ASYNC212',
    why: 'waits for the server on the event-loop thread (`httpx.Client` is the synchronous client)',
    instead: '`httpx.AsyncClient` (same API, awaited)',
  }),
  ...family(['urllib.request.urlopen', 'urllib3.request'], {
    category: 'network', fix: 'to-thread', ruff: 'ASYNC210',
    why: 'waits for the server on the event-loop thread',
    instead: '`httpx.AsyncClient` or `aiohttp.ClientSession`',
  }),
  ...members(['urllib3.PoolManager', 'urllib3.HTTPConnectionPool', 'urllib3.HTTPSConnectionPool', 'urllib3.connectionpool.HTTPConnectionPool'], ['request', 'urlopen', 'request_encode_url', 'request_encode_body'], {
    category: 'network', fix: 'to-thread',
    why: 'waits for the server on the event-loop thread',
    instead: '`httpx.AsyncClient` or `aiohttp.ClientSession`',
  }),
  ...members(['http.client.HTTPConnection', 'http.client.HTTPSConnection'], ['connect', 'request', 'getresponse', 'send', 'endheaders'], {
    category: 'network', fix: 'to-thread',
    why: 'talks to the server synchronously',
    instead: '`httpx.AsyncClient` or `aiohttp.ClientSession`',
  }),
  ...members(['http.client.HTTPResponse'], ['read', 'readline', 'readlines', 'read1', 'readinto'], {
    category: 'network', fix: 'to-thread',
    why: 'reads the response body from the socket synchronously',
    instead: '`httpx.AsyncClient` or `aiohttp.ClientSession`',
  }),
  ...members(['socket.socket'], SOCKET_IO, {
    category: 'network', fix: 'to-thread',
    why: 'waits for the peer on the event-loop thread (the socket is in blocking mode)',
    instead: '`asyncio.open_connection` streams, or `loop.sock_recv` / `loop.sock_sendall` / `loop.sock_accept` / `loop.sock_connect` on a non-blocking socket',
  }),
  ...family(['socket.create_connection', 'socket.getaddrinfo', 'socket.gethostbyname', 'socket.gethostbyname_ex', 'socket.gethostbyaddr', 'socket.getnameinfo', 'socket.getfqdn'], {
    category: 'network', fix: 'to-thread',
    why: 'connects or resolves names (DNS) synchronously',
    instead: '`asyncio.open_connection`, `loop.getaddrinfo` / `loop.getnameinfo`',
  }),
  // The synchronous clients of model APIs: each call waits for the model's whole answer (seconds), and each SDK has an
  // async client with the same API.
  ...members(['openai.OpenAI', 'openai.AzureOpenAI', 'openai.Client'], ['chat.completions.create', 'chat.completions.parse', 'beta.chat.completions.parse',
    'completions.create', 'embeddings.create', 'images.generate', 'images.edit', 'images.create_variation', 'audio.transcriptions.create',
    'audio.translations.create', 'audio.speech.create', 'moderations.create', 'responses.create', 'responses.parse'], {
    category: 'network', fix: 'to-thread',
    why: 'waits for the model\'s whole answer on the event-loop thread (the synchronous client)',
    instead: '`openai.AsyncOpenAI` (same API, awaited)',
  }),
  ...members(['anthropic.Anthropic', 'anthropic.AnthropicBedrock', 'anthropic.AnthropicVertex'], ['messages.create', 'messages.count_tokens', 'completions.create'], {
    category: 'network', fix: 'to-thread',
    why: 'waits for the model\'s whole answer on the event-loop thread (the synchronous client)',
    instead: '`anthropic.AsyncAnthropic` (same API, awaited)',
  }),
  ...members(['huggingface_hub.InferenceClient'], ['chat_completion', 'text_generation', 'text_to_image', 'feature_extraction', 'automatic_speech_recognition',
    'summarization', 'translation', 'question_answering', 'text_classification', 'image_to_text', 'sentence_similarity', 'post'], {
    category: 'network', fix: 'to-thread',
    why: 'waits for the model\'s answer on the event-loop thread (the synchronous client)',
    instead: '`huggingface_hub.AsyncInferenceClient` (same API, awaited)',
  }),
  ...members(['ftplib.FTP', 'ftplib.FTP_TLS'], ['connect', 'login', 'cwd', 'nlst', 'dir', 'mlsd', 'retrbinary', 'retrlines', 'storbinary', 'storlines', 'sendcmd', 'voidcmd', 'quit', 'delete', 'rename', 'size', 'mkd', 'rmd'], {
    category: 'network', fix: 'to-thread',
    why: 'waits for the FTP server',
    instead: '`aioftp`, or `await asyncio.to_thread(...)`',
  }),
  // With a host, the constructor connects and greets the server before it returns.
  ...family(['smtplib.SMTP', 'smtplib.SMTP_SSL', 'smtplib.LMTP'], {
    category: 'network', fix: 'to-thread',
    why: 'connects to the SMTP server synchronously',
    instead: '`aiosmtplib`, or the whole `with` block in `await asyncio.to_thread(...)`',
  }),
  ...members(['smtplib.SMTP', 'smtplib.SMTP_SSL', 'smtplib.LMTP'], ['connect', 'login', 'ehlo', 'helo', 'starttls', 'sendmail', 'send_message', 'quit', 'noop', 'verify'], {
    category: 'network', fix: 'to-thread',
    why: 'waits for the SMTP server',
    instead: '`aiosmtplib`, or `await asyncio.to_thread(...)`',
  }),

  ...family(['subprocess.run', 'subprocess.call', 'subprocess.check_call', 'subprocess.check_output', 'subprocess.getoutput', 'subprocess.getstatusoutput', 'os.system'], {
    category: 'process', fix: 'to-thread', ruff: 'ASYNC221',
    why: 'runs a process and waits for it to exit',
    instead: '`await asyncio.create_subprocess_exec(...)` then `await proc.communicate()`',
  }),
  ...family(['os.posix_spawn', 'os.posix_spawnp'], {
    category: 'process', fix: 'to-thread', ruff: 'ASYNC221',
    why: 'forks and execs a process synchronously',
    instead: '`await asyncio.create_subprocess_exec(...)`',
  }),
  ...family(['subprocess.Popen', 'os.popen'], {
    category: 'process', fix: 'none', ruff: 'ASYNC220',
    why: 'starts a process synchronously, and its pipes are read with blocking calls',
    instead: '`await asyncio.create_subprocess_exec(...)` (its `communicate()` and `wait()` are awaitable)',
  }),
  ...family(['os.spawnl', 'os.spawnle', 'os.spawnlp', 'os.spawnlpe', 'os.spawnv', 'os.spawnve', 'os.spawnvp', 'os.spawnvpe'], {
    category: 'process', fix: 'to-thread', ruff: 'ASYNC220/221',
    why: 'starts a process synchronously (and with `os.P_WAIT`, waits for it)',
    instead: '`await asyncio.create_subprocess_exec(...)`',
  }),
  ...members(['subprocess.Popen'], ['wait', 'communicate'], {
    category: 'process', fix: 'to-thread', unless: ZERO_TIMEOUT_FIRST,
    why: 'waits for the process to exit',
    instead: '`asyncio.create_subprocess_exec`, whose `await proc.wait()` / `await proc.communicate()` do not block',
  }),
  ...family(['os.wait', 'os.wait3', 'os.wait4', 'os.waitid', 'os.waitpid'], {
    category: 'process', fix: 'to-thread', ruff: 'ASYNC222',
    why: 'waits for a child process to exit',
    instead: '`asyncio.create_subprocess_exec` and `await proc.wait()`',
  }),

  ...family(['builtins.open', 'io.open', 'io.open_code'], {
    category: 'file', fix: 'to-thread', ruff: 'ASYNC230',
    why: 'opens (and then reads or writes) a file synchronously; on slow or network disks this stalls every task',
    instead: '`aiofiles.open` / `anyio.open_file`, or `await asyncio.to_thread(...)` for the whole read or write',
  }),
  ...family(['open', 'read_text', 'read_bytes', 'write_text', 'write_bytes', 'touch'].map((m) => `pathlib.Path.${m}`), {
    category: 'file', fix: 'to-thread', ruff: 'ASYNC230',
    why: 'reads or writes the file synchronously',
    instead: '`anyio.Path` / `aiofiles`, or `await asyncio.to_thread(path.read_text)`',
  }),
  // Metadata and directory calls: one quick syscall on a local disk, so reported at information level only.
  // Pure path functions (`join`, `normpath`, `abspath`, `expanduser`, `basename`, `dirname`, `splitext`; `Path.home()`,
  // `PurePath` operations) do no I/O and are never listed here.
  ...family(['exists', 'lexists', 'isfile', 'isdir', 'islink', 'ismount', 'getsize', 'getmtime', 'getatime', 'getctime', 'samefile', 'realpath'].map((m) => `os.path.${m}`), {
    category: 'file', fix: 'to-thread', ruff: 'ASYNC240', severity: 'information',
    why: 'asks the file system synchronously (quick on a local disk, slow on a network one)',
    instead: '`await asyncio.to_thread(...)`, or `anyio.Path` / `trio.Path`',
  }),
  // Lazy generators: the directory is read while iterating, so running the call in a thread would not help.
  ...members(['pathlib.Path', 'pathlib.PosixPath', 'pathlib.WindowsPath'], ['iterdir', 'glob', 'rglob', 'walk'], {
    category: 'file', fix: 'none', ruff: 'ASYNC240', severity: 'information',
    why: 'reads the directory synchronously while it is iterated (quick on a local disk, slow on a network one)',
    instead: '`await asyncio.to_thread(lambda: list(path.iterdir()))`, or `anyio.Path` / `trio.Path`',
  }),
  ...members(['pathlib.Path', 'pathlib.PosixPath', 'pathlib.WindowsPath'], ['exists', 'is_dir', 'is_file', 'is_symlink', 'is_mount', 'is_socket', 'is_fifo', 'is_block_device', 'is_char_device', 'stat', 'lstat', 'mkdir', 'unlink', 'rmdir', 'rename', 'replace', 'resolve', 'samefile', 'chmod', 'owner', 'group', 'readlink', 'symlink_to', 'hardlink_to'], {
    category: 'file', fix: 'to-thread', ruff: 'ASYNC240', severity: 'information',
    why: 'asks the file system synchronously (quick on a local disk, slow on a network one)',
    instead: '`await asyncio.to_thread(...)`, or `anyio.Path` / `trio.Path`',
  }),
  // The os module's file-system calls: one syscall each, like the pathlib methods above (information level).
  ...family(['makedirs', 'mkdir', 'remove', 'unlink', 'rmdir', 'removedirs', 'rename', 'renames', 'replace', 'stat', 'lstat', 'chmod', 'chown', 'utime', 'listdir', 'access', 'symlink', 'link', 'readlink', 'truncate'].map((m) => `os.${m}`), {
    category: 'file', fix: 'to-thread', severity: 'information',
    why: 'asks or changes the file system synchronously (quick on a local disk, slow on a network one)',
    instead: '`await asyncio.to_thread(...)`, or `anyio.Path` / `aiofiles.os`',
  }),
  // Lazy: the directory is read while iterating, so running the call in a thread would not help.
  ...family(['os.scandir', 'os.walk', 'os.fwalk', 'glob.iglob'], {
    category: 'file', fix: 'none', severity: 'information',
    why: 'reads directories synchronously while it is iterated (quick on a local disk, slow on a network one)',
    instead: '`await asyncio.to_thread(lambda: list(...))`, or `anyio.Path`',
  }),
  ...family(['glob.glob'], {
    category: 'file', fix: 'to-thread', severity: 'information',
    why: 'reads the directories the pattern names synchronously (quick on a local disk, slow on a network one)',
    instead: '`await asyncio.to_thread(glob.glob, ...)`, or `anyio.Path.glob`',
  }),
  ...family(['tempfile.mkstemp', 'tempfile.mkdtemp'], {
    category: 'file', fix: 'to-thread', severity: 'information',
    why: 'creates the file or directory synchronously',
    instead: '`await asyncio.to_thread(tempfile.mkstemp)`, or `aiofiles.tempfile`',
  }),
  ...family(['tempfile.TemporaryFile', 'tempfile.NamedTemporaryFile', 'tempfile.TemporaryDirectory'], {
    category: 'file', fix: 'to-thread',
    why: 'creates a file or directory synchronously, and it is then written and removed with blocking calls',
    instead: '`aiofiles.tempfile`, or the whole `with` block in `await asyncio.to_thread(...)`',
  }),
  // An archive in an `io.BytesIO` touches no disk. Then only the methods that read or write files on disk are listed;
  // `read`, `writestr` and the like work on the archive, whose opening is the finding when it is a file.
  ...family(['zipfile.ZipFile'], {
    category: 'file', fix: 'to-thread', unless: [{ keyword: 'file', index: 0, value: 'memory' }],
    why: 'opens the archive and reads its index synchronously; what is then read or written blocks too',
    instead: 'the whole `with` block in `await asyncio.to_thread(...)`',
  }),
  ...family(['tarfile.open', 'tarfile.TarFile.open', 'tarfile.TarFile'], {
    category: 'file', fix: 'to-thread', unless: [{ keyword: 'fileobj', index: 2, value: 'memory' }],
    why: 'opens the archive and reads its index synchronously; what is then read or written blocks too',
    instead: 'the whole `with` block in `await asyncio.to_thread(...)`',
  }),
  ...members(['zipfile.ZipFile'], ['extractall', 'extract', 'write'], {
    category: 'file', fix: 'to-thread',
    why: 'reads or writes files on disk synchronously while (de)compressing them',
    instead: '`await asyncio.to_thread(...)`',
  }),
  ...members(['tarfile.TarFile'], ['extractall', 'extract', 'add'], {
    category: 'file', fix: 'to-thread',
    why: 'reads or writes files on disk synchronously while (de)compressing them',
    instead: '`await asyncio.to_thread(...)`',
  }),
  // On a file object (dumps/loads work on bytes in memory and are not listed; nor is a file that is an io.BytesIO).
  ...family(['pickle.dump'], {
    category: 'file', fix: 'to-thread', unless: [{ keyword: 'file', index: 1, value: 'memory' }],
    why: 'reads or writes the file synchronously while (un)pickling',
    instead: '`pickle.dumps`/`loads` with an async file (`aiofiles`), or `await asyncio.to_thread(...)`',
  }),
  ...family(['pickle.load'], {
    unless: [{ keyword: 'file', index: 0, value: 'memory' }],
    category: 'file', fix: 'to-thread',
    why: 'reads or writes the file synchronously while (un)pickling',
    instead: '`pickle.dumps`/`loads` with an async file (`aiofiles`), or `await asyncio.to_thread(...)`',
  }),
  ...family(['copy', 'copy2', 'copyfile', 'copyfileobj', 'copytree', 'move', 'rmtree', 'make_archive', 'unpack_archive'].map((m) => `shutil.${m}`), {
    category: 'file', fix: 'to-thread',
    why: 'copies, moves or deletes whole files or trees synchronously',
    instead: '`await asyncio.to_thread(shutil...)`',
  }),

  ...members(['threading.Lock', 'threading.Semaphore', 'threading.BoundedSemaphore', 'multiprocessing.synchronize.Lock', 'multiprocessing.synchronize.Semaphore'], ['acquire'], {
    category: 'wait', fix: 'to-thread', unless: NO_BLOCKING,
    why: 'waits for another thread to release the lock, and the loop waits with it',
    instead: '`asyncio.Lock` / `asyncio.Semaphore` when only tasks share it',
  }),
  // An RLock belongs to the thread that acquired it: acquiring it in a worker thread would break release().
  ...members(['threading.RLock', 'multiprocessing.synchronize.RLock'], ['acquire'], {
    category: 'wait', fix: 'none', unless: NO_BLOCKING,
    why: 'waits for another thread to release the lock, and the loop waits with it',
    instead: '`asyncio.Lock` when only tasks share it',
  }),
  ...members(['threading.Event', 'multiprocessing.synchronize.Event'], ['wait'], {
    category: 'wait', fix: 'to-thread', unless: ZERO_TIMEOUT_FIRST,
    why: 'waits for another thread to set the event',
    instead: '`asyncio.Event`, or `await asyncio.to_thread(event.wait)`',
  }),
  ...members(['threading.Condition', 'multiprocessing.synchronize.Condition'], ['wait', 'wait_for'], {
    category: 'wait', fix: 'none', unless: [{ keyword: 'timeout', index: 0, value: 'zero' }],
    why: 'waits for another thread to notify the condition',
    instead: '`asyncio.Condition`',
  }),
  ...members(['threading.Barrier'], ['wait'], {
    category: 'wait', fix: 'to-thread',
    why: 'waits for the other threads to arrive',
    instead: '`asyncio.Barrier` (Python 3.11+)',
  }),
  ...members(['threading.Thread', 'threading.Timer', 'multiprocessing.Process', 'multiprocessing.context.BaseContext.Process'], ['join'], {
    category: 'wait', fix: 'to-thread', unless: ZERO_TIMEOUT_FIRST,
    why: 'waits for the thread or process to finish',
    instead: '`await asyncio.to_thread(worker.join)`, or run the work with `asyncio.to_thread` / `loop.run_in_executor` and await it',
  }),
  ...members(['queue.Queue', 'queue.LifoQueue', 'queue.PriorityQueue', 'queue.SimpleQueue', 'multiprocessing.queues.Queue', 'multiprocessing.queues.JoinableQueue'], ['get'], {
    category: 'wait', fix: 'to-thread', unless: NO_BLOCK,
    why: 'waits until an item is available',
    instead: '`asyncio.Queue` when only tasks share it; `get_nowait()` or `block=False` otherwise',
  }),
  ...members(['queue.Queue', 'queue.LifoQueue', 'queue.PriorityQueue', 'multiprocessing.queues.Queue', 'multiprocessing.queues.JoinableQueue'], ['put'], {
    category: 'wait', fix: 'to-thread', unless: [{ keyword: 'block', index: 1, value: 'false' }, { keyword: 'timeout', index: 2, value: 'zero' }],
    why: 'waits until the queue has a free slot',
    instead: '`asyncio.Queue` when only tasks share it; `put_nowait()` or `block=False` otherwise',
  }),
  ...members(['queue.Queue', 'queue.LifoQueue', 'queue.PriorityQueue', 'multiprocessing.queues.JoinableQueue'], ['join'], {
    category: 'wait', fix: 'to-thread',
    why: 'waits until every item has been processed',
    instead: '`asyncio.Queue.join()` (awaited)',
  }),
  ...members(['concurrent.futures.Future'], ['result', 'exception'], {
    category: 'wait', fix: 'to-thread', unless: ZERO_TIMEOUT_FIRST,
    why: 'waits for the worker to finish',
    instead: '`await asyncio.wrap_future(future)`',
  }),
  ...family(['concurrent.futures.wait', 'concurrent.futures.as_completed'], {
    category: 'wait', fix: 'to-thread',
    why: 'waits for the futures to finish',
    instead: '`await asyncio.wait([asyncio.wrap_future(f) for f in futures])`',
  }),
  ...members(['concurrent.futures.ThreadPoolExecutor', 'concurrent.futures.ProcessPoolExecutor'], ['shutdown'], {
    category: 'wait', fix: 'to-thread', unless: [{ keyword: 'wait', index: 0, value: 'false' }],
    why: 'waits for every pending job to finish',
    instead: '`shutdown(wait=False)`, or `await asyncio.to_thread(executor.shutdown)`',
  }),
  ...members(['multiprocessing.pool.Pool'], ['map', 'starmap', 'apply', 'join', 'imap', 'imap_unordered'], {
    category: 'wait', fix: 'to-thread',
    why: 'waits for the pool workers to finish',
    instead: '`loop.run_in_executor(ProcessPoolExecutor(), ...)` and await it',
  }),
  ...members(['multiprocessing.pool.AsyncResult', 'multiprocessing.pool.ApplyResult', 'multiprocessing.pool.MapResult'], ['get', 'wait'], {
    category: 'wait', fix: 'to-thread', unless: ZERO_TIMEOUT_FIRST,
    why: 'waits for the pool workers to finish',
    instead: '`await asyncio.to_thread(result.get)`, or a `ProcessPoolExecutor` future with `asyncio.wrap_future`',
  }),

  ['builtins.input', {
    category: 'input', fix: 'to-thread', ruff: 'ASYNC250',
    why: 'waits for the user to type a line',
    instead: '`await asyncio.to_thread(input, prompt)`, or read `sys.stdin` through `loop.connect_read_pipe`',
  }],

  ['select.select', {
    category: 'select', fix: 'to-thread', unless: [{ keyword: 'timeout', index: 3, value: 'zero' }],
    why: 'waits for file descriptors to become ready',
    instead: '`loop.add_reader` / `loop.add_writer`, or asyncio streams',
  }],
  ...members(['select.poll', 'select.epoll', 'select.devpoll'], ['poll'], {
    category: 'select', fix: 'to-thread', unless: ZERO_TIMEOUT_FIRST,
    why: 'waits for file descriptors to become ready',
    instead: '`loop.add_reader` / `loop.add_writer`, or asyncio streams',
  }),
  ...members(['selectors.DefaultSelector', 'selectors.SelectSelector', 'selectors.PollSelector', 'selectors.EpollSelector', 'selectors.KqueueSelector'], ['select'], {
    category: 'select', fix: 'to-thread', unless: ZERO_TIMEOUT_FIRST,
    why: 'waits for file descriptors to become ready',
    instead: '`loop.add_reader` / `loop.add_writer`: the event loop already is a selector',
  }),

  // sqlite3 objects refuse use from a thread other than their creator's (check_same_thread): no to_thread fix.
  ...family(['sqlite3.connect'], {
    category: 'database', fix: 'none',
    why: 'opens a database connection synchronously',
    instead: '`aiosqlite`',
  }),
  ...members(['sqlite3.Connection', 'sqlite3.Cursor'], ['execute', 'executemany', 'executescript', 'commit', 'rollback', 'fetchone', 'fetchmany', 'fetchall'], {
    category: 'database', fix: 'none',
    why: 'runs the query and waits for the database on the event-loop thread',
    instead: '`aiosqlite`, or do the whole database work in one `asyncio.to_thread` function that opens its own connection',
  }),
  ...family(['psycopg2.connect', 'pymysql.connect', 'MySQLdb.connect'], {
    category: 'database', fix: 'to-thread',
    why: 'opens a database connection synchronously',
    instead: '`asyncpg` / `psycopg` (v3) `AsyncConnection` / `aiomysql`',
  }),
  ...members(['psycopg2.extensions.connection', 'psycopg2.extensions.cursor'], ['execute', 'executemany', 'executescript', 'commit', 'rollback', 'fetchone', 'fetchmany', 'fetchall'], {
    category: 'database', fix: 'to-thread',
    why: 'runs the query and waits for the database on the event-loop thread',
    instead: '`asyncpg` / `psycopg` (v3) `AsyncConnection`',
  }),
  ...family(['psycopg.connect', 'psycopg.Connection.connect'], {
    category: 'database', fix: 'to-thread',
    why: 'opens a database connection synchronously',
    instead: '`await psycopg.AsyncConnection.connect(...)`',
  }),
  ...members(['psycopg.Connection'], ['execute', 'commit', 'rollback'], PSYCOPG_QUERY),
  ...members(['psycopg.Cursor'], ['execute', 'executemany', 'fetchone', 'fetchmany', 'fetchall'], PSYCOPG_QUERY),
  // SQLAlchemy's synchronous Session, Connection and Query send the statement and wait for the rows; `add`, `delete`
  // and `query` only stage or build, and a Session is not meant for use from several threads: no to_thread fix.
  ...members([...SQLALCHEMY_SESSION_TYPES],
    ['execute', 'scalars', 'scalar', 'get', 'commit', 'rollback', 'flush', 'refresh', 'merge', 'exec'], {
      category: 'database', fix: 'none',
      why: 'sends the statement and waits for the database on the event-loop thread (a synchronous `Session`)',
      instead: '`sqlalchemy.ext.asyncio.AsyncSession` (`await session.execute(...)`)',
    }),
  ...members(['sqlalchemy.orm.Query'], ['all', 'first', 'one', 'one_or_none', 'scalar', 'count', 'get', 'delete', 'update'], {
    category: 'database', fix: 'none',
    why: 'runs the query and waits for the database on the event-loop thread (a synchronous `Session`)',
    instead: '`sqlalchemy.ext.asyncio.AsyncSession` with `select(...)` (`await session.scalars(...)`)',
  }),
  ...members(['sqlalchemy.engine.Engine'], ['connect', 'begin'], {
    category: 'database', fix: 'none',
    why: 'checks a connection out of the pool, opening one to the database if none is free',
    instead: '`sqlalchemy.ext.asyncio.create_async_engine` (`async with engine.connect() as conn`)',
  }),
  ...members(['sqlalchemy.engine.Connection'], ['execute', 'exec_driver_sql', 'scalar', 'scalars', 'commit', 'rollback'], {
    category: 'database', fix: 'none',
    why: 'sends the statement and waits for the database on the event-loop thread',
    instead: '`sqlalchemy.ext.asyncio.AsyncConnection` (`await conn.execute(...)`)',
  }),
  // redis-py's synchronous client: each command is a round trip to the server (its pool is thread-safe).
  ...members(['redis.Redis', 'redis.StrictRedis', 'redis.client.Redis', 'redis.client.StrictRedis'], REDIS_COMMANDS, {
    category: 'database', fix: 'to-thread',
    why: 'sends the command and waits for the Redis server on the event-loop thread',
    instead: '`redis.asyncio.Redis` (same commands, awaited)',
  }),
  ...members(['redis.client.Pipeline'], ['execute'], {
    category: 'database', fix: 'to-thread',
    why: 'sends the queued commands and waits for the Redis server on the event-loop thread',
    instead: '`redis.asyncio.Redis` and `await pipe.execute()`',
  }),
];

// fs functions whose node:fs/promises counterpart takes the same arguments and resolves to the same value.
const FS_PROMISES = [
  'access', 'appendFile', 'chmod', 'chown', 'copyFile', 'cp', 'lchown', 'link', 'lstat', 'lutimes', 'mkdir', 'mkdtemp',
  'opendir', 'readFile', 'readdir', 'readlink', 'realpath', 'rename', 'rm', 'rmdir', 'stat', 'statfs', 'symlink',
  'truncate', 'unlink', 'utimes', 'writeFile',
];
// fs sync functions without a same-shaped promise form (file descriptors, existsSync, watchers).
const FS_OTHER = [
  'existsSync', 'openSync', 'closeSync', 'readSync', 'writeSync', 'readvSync', 'writevSync', 'fstatSync', 'fsyncSync',
  'fdatasyncSync', 'ftruncateSync', 'futimesSync', 'fchmodSync', 'fchownSync', 'lchmodSync', 'globSync',
];
// Quick metadata calls: information level, as Python's os.path.exists / Path.is_file (one syscall, slow only on network disks).
const FS_METADATA = new Set(['existsSync', 'statSync', 'lstatSync', 'accessSync', 'realpathSync']);
const ZLIB = ['gzip', 'gunzip', 'deflate', 'inflate', 'deflateRaw', 'inflateRaw', 'unzip', 'brotliCompress', 'brotliDecompress', 'zstdCompress', 'zstdDecompress'];
const DENO_SAME_SHAPE = [
  'readTextFile', 'readFile', 'writeTextFile', 'writeFile', 'stat', 'lstat', 'remove', 'mkdir', 'copyFile', 'rename',
  'realPath', 'makeTempDir', 'makeTempFile', 'truncate', 'chmod', 'chown', 'symlink', 'link', 'readLink', 'utime', 'open', 'create',
];

const FS_WHY = 'does the file-system call on the main thread; no other callback, request or promise continuation runs until it returns';

const ts: [string, Entry][] = [
  ...FS_PROMISES.map((n): [string, Entry] => [`fs.${n}Sync`, {
    category: 'file', fix: 'fs-promises', asyncName: n, why: FS_WHY, instead: `\`await fs.promises.${n}(...)\` (\`node:fs/promises\`)`,
    ...(FS_METADATA.has(`${n}Sync`) ? { severity: 'information' as const } : {}),
  }]),
  ...FS_OTHER.map((n): [string, Entry] => [`fs.${n}`, {
    category: 'file', fix: 'none', why: FS_WHY,
    ...(FS_METADATA.has(n) ? { severity: 'information' as const } : {}),
    instead: n === 'existsSync' ? '`await fs.promises.access(path)` in a try/catch, or `await fs.promises.stat(path)`'
      : n === 'globSync' ? '`for await (const f of fs.promises.glob(...))`'
        : 'a `FileHandle` from `await fs.promises.open(...)`',
  }]),
  ...(['execSync', 'execFileSync'] as const).map((n): [string, Entry] => [`child_process.${n}`, {
    category: 'process', fix: 'promisify-unused', asyncName: n.replace('Sync', ''),
    why: 'runs a process and waits for it to exit, freezing the event loop meanwhile',
    instead: `\`await promisify(${n.replace('Sync', '')})(...)\` (resolves to \`{ stdout, stderr }\`)`,
  }]),
  ['child_process.spawnSync', {
    category: 'process', fix: 'none',
    why: 'runs a process and waits for it to exit, freezing the event loop meanwhile',
    instead: '`spawn(...)` and await its `close` event (`events.once(child, "close")`)',
  }],
  ['crypto.pbkdf2Sync', { category: 'crypto', fix: 'promisify', asyncName: 'pbkdf2', why: 'derives the key on the main thread (deliberately slow)', instead: '`await promisify(crypto.pbkdf2)(...)`, which runs in the libuv thread pool' }],
  ['crypto.scryptSync', { category: 'crypto', fix: 'none', asyncName: 'scrypt', why: 'derives the key on the main thread (deliberately slow)', instead: '`await promisify(crypto.scrypt)(...)`, which runs in the libuv thread pool' }],
  ['crypto.generateKeyPairSync', { category: 'crypto', fix: 'promisify', asyncName: 'generateKeyPair', why: 'generates the key pair on the main thread (RSA takes up to seconds)', instead: '`await promisify(crypto.generateKeyPair)(...)`' }],
  ['crypto.randomFillSync', { category: 'crypto', fix: 'none', asyncName: 'randomFill', why: 'fills the buffer on the main thread', instead: '`await promisify(crypto.randomFill)(buf)`' }],
  ['crypto.generateKeySync', { category: 'crypto', fix: 'promisify', asyncName: 'generateKey', why: 'generates the key on the main thread', instead: '`await promisify(crypto.generateKey)(...)`' }],
  ['crypto.generatePrimeSync', { category: 'crypto', fix: 'none', asyncName: 'generatePrime', why: 'searches for a prime on the main thread', instead: '`await promisify(crypto.generatePrime)(...)`' }],
  ['crypto.hkdfSync', { category: 'crypto', fix: 'none', asyncName: 'hkdf', why: 'derives the key on the main thread', instead: '`await promisify(crypto.hkdf)(...)`' }],
  ...ZLIB.map((n): [string, Entry] => [`zlib.${n}Sync`, {
    category: 'compression', fix: 'promisify', asyncName: n,
    why: '(de)compresses the whole buffer on the main thread', instead: `\`await promisify(zlib.${n})(...)\`, which runs in the libuv thread pool`,
  }]),
  ['global.Atomics.wait', {
    category: 'wait', fix: 'atomics-wait-async', asyncName: 'waitAsync',
    why: 'blocks the thread until notified (and throws on the main thread of browsers)', instead: '`await Atomics.waitAsync(...).value`',
  }],
  ...DENO_SAME_SHAPE.map((n): [string, Entry] => [`global.Deno.${n}Sync`, {
    category: 'file', fix: 'deno-async', asyncName: n, why: FS_WHY, instead: `\`await Deno.${n}(...)\``,
  }]),
  ['global.Deno.readDirSync', { category: 'file', fix: 'none', why: FS_WHY, instead: '`for await (const entry of Deno.readDir(path))`' }],
  ['global.Bun.sleepSync', { category: 'sleep', fix: 'bun-sleep', asyncName: 'sleep', why: 'suspends the whole thread', instead: '`await Bun.sleep(ms)`' }],
  ['fs.realpathSync.native', { category: 'file', fix: 'none', why: FS_WHY, instead: '`await fs.promises.realpath(...)`' }],
  // Well-known packages' synchronous forms, by the module they are imported from (never by name alone).
  ...family(['glob.globSync', 'glob.sync', 'glob.glob.sync', 'tinyglobby.globSync', 'fast-glob.sync', 'fast-glob.globSync'], {
    category: 'file', fix: 'none', why: 'walks the directory tree on the main thread, one blocking file-system call after another',
    instead: 'the asynchronous `glob(...)` of the same package',
  }),
  ...family(['execa.sync', 'execa.execaSync', 'execa.commandSync', 'execa.execaCommandSync', 'cross-spawn.sync'], {
    category: 'process', fix: 'none', why: 'runs a process and waits for it to exit, freezing the event loop meanwhile',
    instead: 'the asynchronous form of the same package (`await execa(...)`, `spawn(...)` and its `close` event)',
  }),
  // bcrypt and bcryptjs: the async forms take the same arguments and resolve to the same value. `genSaltSync` is no
  // entry: making a salt draws 16 random bytes; the rounds it names are spent by `hash` and `compare`.
  ...(['bcrypt', 'bcryptjs'] as const).flatMap((m) => (['hash', 'compare'] as const).map((n): [string, Entry] => [`${m}.${n}Sync`, {
    category: 'crypto', fix: 'async-member', asyncName: n,
    why: 'hashes on the main thread (deliberately slow: tens to hundreds of milliseconds)',
    instead: `\`await ${m}.${n}(...)\`, which ${m === 'bcrypt' ? 'runs in the libuv thread pool' : 'yields between rounds'}`,
  }])),
  ['resolve.sync', {
    category: 'file', fix: 'none', why: 'searches the file system for the module on the main thread, one blocking call after another',
    instead: '`await promisify(resolve)(...)`, or `import.meta.resolve`',
  }],
];

const pythonTable = new Map<string, BlockingApi>(python.map(([name, e]) => [name, { name, ...e }]));
const tsTable = new Map<string, BlockingApi>(ts.map(([name, e]) => [name, { name, ...e }]));

// Modules whose every `*Sync` member blocks, including ones newer than this table (as eslint-plugin-n's no-sync assumes).
const SYNC_MODULES = dictOf<BlockingCategory>({
  fs: 'file', child_process: 'process', zlib: 'compression', crypto: 'crypto', 'global.Deno': 'file',
  // Drop-in supersets of fs: its members, and their own (`copySync`, `ensureDirSync`, `readJsonSync`, ...).
  'fs-extra': 'file', 'graceful-fs': 'file',
});
/** Modules that are fs under another name: their fs members block exactly as fs's do. */
const FS_LIKE = new Set(['fs-extra', 'graceful-fs']);

export function pythonBlockingCall(qualifiedName: string): BlockingApi | undefined {
  return pythonTable.get(qualifiedName);
}

export function tsBlockingCall(qualifiedName: string): BlockingApi | undefined {
  const known = tsTable.get(qualifiedName);
  if (known) return known;
  const dot = qualifiedName.lastIndexOf('.');
  const module = qualifiedName.slice(0, dot);
  const member = qualifiedName.slice(dot + 1);
  if (FS_LIKE.has(module)) {
    // Same reason and remedy as fs's own, but no rewrite: the fix would name `fs.promises`, which these do not all re-export.
    const fs = tsTable.get(`fs.${member}`);
    if (fs) return { ...fs, name: qualifiedName, fix: 'none' };
  }
  const category = SYNC_MODULES[module];
  if (category && /^[a-z]\w*Sync$/.test(member)) {
    return { name: qualifiedName, category, fix: 'none', why: 'is the synchronous form of an I/O call and blocks the main thread', instead: `the asynchronous \`${member.slice(0, -4)}\`` };
  }
  return undefined;
}

export const pythonBlockingApis: readonly BlockingApi[] = [...pythonTable.values()];
export const tsBlockingApis: readonly BlockingApi[] = [...tsTable.values()];

export const categoryTitles: Record<BlockingCategory, string> = {
  sleep: 'Sleeping',
  network: 'Network',
  process: 'Processes',
  file: 'Files',
  wait: 'Waiting on threads, processes and their primitives',
  input: 'Console input',
  select: 'Waiting on file descriptors',
  database: 'Databases',
  crypto: 'Cryptography',
  compression: 'Compression',
  project: 'Declared in the project configuration (`blocking.extra`)',
};

/** The catalogue as one project sees it: its `blocking.extra` added, its `blocking.allow` taken out. */
export interface BlockingLookup {
  python(qualifiedName: string): BlockingApi | undefined;
  ts(qualifiedName: string): BlockingApi | undefined;
  /** Last segments of the project's Python / TS names: the rules' text prefilters must also look for these. */
  pythonExtraNames: ReadonlySet<string>;
  tsExtraNames: ReadonlySet<string>;
}

/** `module#export` / `module#Class.method` → the semantics layer's spelling (`module.export`); Python names stay. */
export function configNameToQualified(name: string): { language: 'python' | 'ts'; qualified: string } {
  const hash = name.indexOf('#');
  if (hash === -1) return { language: 'python', qualified: name };
  return { language: 'ts', qualified: `${normalizeModule(name.slice(0, hash))}.${name.slice(hash + 1)}` };
}

export const defaultBlockingLookup: BlockingLookup = {
  python: pythonBlockingCall, ts: tsBlockingCall, pythonExtraNames: new Set(), tsExtraNames: new Set(),
};

const lookups = new WeakMap<object, BlockingLookup>();

/** A cache key for what the lookup depends on: '' for the plain catalogue. */
export function lookupKey(settings: Pick<AnalysisSettings, 'blockingExtra' | 'blockingAllow'>): string {
  if (!settings.blockingExtra?.length && !settings.blockingAllow?.length) return '';
  return JSON.stringify([settings.blockingExtra ?? [], settings.blockingAllow ?? []]);
}

export function blockingLookup(settings: Pick<AnalysisSettings, 'blockingExtra' | 'blockingAllow'>): BlockingLookup {
  if (!settings.blockingExtra?.length && !settings.blockingAllow?.length) return defaultBlockingLookup;
  const known = lookups.get(settings);
  if (known) return known;
  const extra = { python: new Map<string, BlockingApi>(), ts: new Map<string, BlockingApi>() };
  const allowed = { python: new Set<string>(), ts: new Set<string>() };
  for (const { name, message } of settings.blockingExtra ?? []) {
    const { language, qualified } = configNameToQualified(name);
    extra[language].set(qualified, {
      name: qualified,
      category: 'project',
      why: 'is declared blocking in the project configuration (`blocking.extra`)',
      instead: message ?? (language === 'python' ? 'an async alternative, or `await asyncio.to_thread(...)`' : 'an asynchronous alternative'),
      fix: language === 'python' ? 'to-thread' : 'none',
    });
  }
  for (const name of settings.blockingAllow ?? []) {
    const { language, qualified } = configNameToQualified(name);
    allowed[language].add(qualified);
  }
  const last = (names: Iterable<string>) => new Set([...names].map((n) => n.slice(n.lastIndexOf('.') + 1)));
  const lookup: BlockingLookup = {
    python: (n) => (allowed.python.has(n) ? undefined : extra.python.get(n) ?? pythonBlockingCall(n)),
    ts: (n) => (allowed.ts.has(n) ? undefined : extra.ts.get(n) ?? tsBlockingCall(n)),
    pythonExtraNames: last(extra.python.keys()),
    tsExtraNames: last(extra.ts.keys()),
  };
  lookups.set(settings, lookup);
  return lookup;
}
