import { SQLALCHEMY_SESSION_TYPES } from '../catalog/blocking';
import { dictFrom, dictOf } from '../dict';
// What some factory functions and methods return, so that `conn = sqlite3.connect(p); conn.cursor().execute(q)`
// resolves to 'sqlite3.Cursor.execute'. Classes need no entry: calling one makes an instance of it.
const returnTypes = dictOf<string>({
  'builtins.open': 'io.TextIOWrapper',
  'io.open': 'io.TextIOWrapper',
  'pathlib.Path.open': 'io.TextIOWrapper',
  'sqlite3.connect': 'sqlite3.Connection',
  'sqlite3.Connection.cursor': 'sqlite3.Cursor',
  'psycopg2.connect': 'psycopg2.extensions.connection',
  'psycopg2.extensions.connection.cursor': 'psycopg2.extensions.cursor',
  'psycopg.connect': 'psycopg.Connection',
  'psycopg.Connection.connect': 'psycopg.Connection',
  'psycopg.Connection.cursor': 'psycopg.Cursor',
  'sqlalchemy.create_engine': 'sqlalchemy.engine.Engine',
  'sqlalchemy.engine.create_engine': 'sqlalchemy.engine.Engine',
  'sqlalchemy.engine.Engine.connect': 'sqlalchemy.engine.Connection',
  'sqlalchemy.engine.Engine.begin': 'sqlalchemy.engine.Connection',
  'sqlmodel.create_engine': 'sqlalchemy.engine.Engine',
  'redis.from_url': 'redis.Redis',
  'redis.Redis.from_url': 'redis.Redis',
  'redis.StrictRedis.from_url': 'redis.Redis',
  'redis.Redis.pipeline': 'redis.client.Pipeline',
  'requests.session': 'requests.Session',
  'socket.create_connection': 'socket.socket',
  'socket.socket.dup': 'socket.socket',
  'threading.current_thread': 'threading.Thread',
  'threading.main_thread': 'threading.Thread',
  'multiprocessing.Pool': 'multiprocessing.pool.Pool',
  'multiprocessing.pool.ThreadPool': 'multiprocessing.pool.Pool',
  'multiprocessing.Queue': 'multiprocessing.queues.Queue',
  'multiprocessing.Lock': 'multiprocessing.synchronize.Lock',
  'multiprocessing.Event': 'multiprocessing.synchronize.Event',
  'multiprocessing.get_context': 'multiprocessing.context.BaseContext',
  'concurrent.futures.ThreadPoolExecutor.submit': 'concurrent.futures.Future',
  'concurrent.futures.ProcessPoolExecutor.submit': 'concurrent.futures.Future',
  'concurrent.futures.InterpreterPoolExecutor.submit': 'concurrent.futures.Future',
  'asyncio.create_task': 'asyncio.Task',
  'asyncio.ensure_future': 'asyncio.Task',
  'asyncio.TaskGroup.create_task': 'asyncio.Task',
  'asyncio.get_event_loop': 'asyncio.AbstractEventLoop',
  'asyncio.get_running_loop': 'asyncio.AbstractEventLoop',
  'asyncio.new_event_loop': 'asyncio.AbstractEventLoop',
  'asyncio.AbstractEventLoop.create_task': 'asyncio.Task',
  'asyncio.AbstractEventLoop.run_in_executor': 'asyncio.Future',
  'urllib.request.urlopen': 'http.client.HTTPResponse',
  'http.client.HTTPConnection.getresponse': 'http.client.HTTPResponse',
  'http.client.HTTPSConnection.getresponse': 'http.client.HTTPResponse',
  'subprocess.Popen': 'subprocess.Popen',
  'selectors.DefaultSelector': 'selectors.DefaultSelector',
  'select.epoll': 'select.epoll',
  'select.poll': 'select.poll',
  'select.kqueue': 'select.kqueue',
  'urllib3.PoolManager': 'urllib3.PoolManager',
  'multiprocessing.RLock': 'multiprocessing.synchronize.RLock',
  'multiprocessing.Semaphore': 'multiprocessing.synchronize.Semaphore',
  'multiprocessing.Condition': 'multiprocessing.synchronize.Condition',
  'multiprocessing.JoinableQueue': 'multiprocessing.queues.JoinableQueue',
  'multiprocessing.pool.Pool.apply_async': 'multiprocessing.pool.AsyncResult',
  'multiprocessing.pool.Pool.map_async': 'multiprocessing.pool.AsyncResult',
  'multiprocessing.pool.Pool.starmap_async': 'multiprocessing.pool.AsyncResult',
  'smtplib.SMTP': 'smtplib.SMTP',
  'tarfile.open': 'tarfile.TarFile',
  'tarfile.TarFile.open': 'tarfile.TarFile',
  'ftplib.FTP': 'ftplib.FTP',
  'socket.create_server': 'socket.socket',
  'socket.fromfd': 'socket.socket',
});

const QUERY_BUILDERS = ['filter', 'filter_by', 'where', 'order_by', 'limit', 'offset', 'join', 'outerjoin', 'options', 'group_by', 'having', 'distinct'];
/** A Session's `query(...)` builds a Query, and its builders return the query: `session.query(Item).filter(...).first()` runs at `first()`. */
const queries = dictFrom<string>([
  ...SQLALCHEMY_SESSION_TYPES.map((session): [string, string] => [`${session}.query`, 'sqlalchemy.orm.Query']),
  // No entry for what a `sessionmaker(...)` makes: its `class_=` argument may make it an AsyncSession.
  ...QUERY_BUILDERS.map((builder): [string, string] => [`sqlalchemy.orm.Query.${builder}`, 'sqlalchemy.orm.Query']),
]);

export function knownReturnType(callee: string): string | undefined {
  return returnTypes[callee] ?? queries[callee];
}
