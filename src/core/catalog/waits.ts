// Asynchronous I/O APIs as data: calls that start I/O and settle later, through the promise they return or the callback
// they take last. Nothing here blocks; the visualiser reads it to draw the wait before `.then` or the callback runs.
// By qualified name as the semantics layer spells it (`module.export`, `module.Class.method`), never by a name alone.

export interface AsyncIoApi {
  /** What it waits for, one phrase: "the database". */
  waitsFor: string;
  /** A function passed last is called once the I/O is done (node-postgres's `query(text, (err, res) => ...)`). */
  callbackLast: boolean;
}

const DATABASE: AsyncIoApi = { waitsFor: 'the database', callbackLast: false };
const DATABASE_CALLBACK: AsyncIoApi = { waitsFor: 'the database', callbackLast: true };

/** node-postgres: `query` and `connect` take a callback last or return a promise. */
const TS: ReadonlyMap<string, AsyncIoApi> = new Map(
  ['pg.Pool', 'pg.Client'].flatMap((type) => ['query', 'connect'].map((method): [string, AsyncIoApi] => [`${type}.${method}`, DATABASE_CALLBACK])),
);

/** Prisma's model operations (`prisma.user.findMany()`): each sends a query when awaited or `.then`'d. */
const PRISMA_CLIENT = '@prisma/client.PrismaClient.';
const PRISMA_OPERATIONS: ReadonlySet<string> = new Set([
  'findMany', 'findUnique', 'findUniqueOrThrow', 'findFirst', 'findFirstOrThrow', 'create', 'createMany', 'createManyAndReturn',
  'update', 'updateMany', 'upsert', 'delete', 'deleteMany', 'count', 'aggregate', 'groupBy',
]);
const PRISMA_CLIENT_METHODS: ReadonlySet<string> = new Set(['$queryRaw', '$queryRawUnsafe', '$executeRaw', '$executeRawUnsafe']);

export function tsAsyncIoCall(qualified: string | undefined): AsyncIoApi | undefined {
  if (qualified === undefined) return undefined;
  const known = TS.get(qualified);
  if (known) return known;
  if (!qualified.startsWith(PRISMA_CLIENT)) return undefined;
  const rest = qualified.slice(PRISMA_CLIENT.length).split('.');
  if (rest.length === 1 && PRISMA_CLIENT_METHODS.has(rest[0])) return DATABASE;
  return rest.length === 2 && PRISMA_OPERATIONS.has(rest[1]) ? DATABASE : undefined;
}
