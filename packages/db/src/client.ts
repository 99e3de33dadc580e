import { createHash } from 'node:crypto';
import { PrismaPg } from '@prisma/adapter-pg';
import { Pool } from 'pg';
import { type Prisma, PrismaClient } from './generated/client';

export type Db = PrismaClient;
/** The client handed to a `$transaction(async (tx) => ...)` callback. */
export type Tx = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0];
/** Either the root client or a transaction: repositories accept both. */
export type DbOrTx = Db | Tx;

export type PrismaClientOptions = {
  /** pg pool size; pg's default of 10 is kept unless the app knows better. */
  poolMax?: number;
  /** pg waits forever for a free connection by default; we would rather fail and retry. */
  connectionTimeoutMillis?: number;
};

/**
 * The pg pool under a client made here, kept on the client itself (not in a module-level map):
 * `preparedQuery` runs statements on it directly.
 */
const POOL = Symbol('plexhook.pgPool');
// The client it was made for, too: a transaction client that forwarded the property must not
// take the pool (its statements belong on the transaction's connection).
type WithPool = { [POOL]?: { pool: Pool; owner: unknown } };

export function createPrismaClient(url: string, options: PrismaClientOptions = {}): PrismaClient {
  const pool = new Pool({
    connectionString: url,
    max: options.poolMax ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? 5_000,
    idleTimeoutMillis: 30_000,
  });
  // An idle client's error (database restarted) must not crash the process; the pool replaces it.
  pool.on('error', () => undefined);
  // One pool for the client and preparedQuery; $disconnect ends it.
  const db = new PrismaClient({ adapter: new PrismaPg(pool, { disposeExternalPool: true }) });
  (db as WithPool)[POOL] = { pool, owner: db };
  return db;
}

/**
 * The client's own pg pool (null for a transaction client or a client not made here), for a
 * statement that needs one connection of its own for a while: the export's cursor.
 */
export function ownPool(db: DbOrTx): Pool | null {
  const own = (db as WithPool)[POOL];
  return own && own.owner === db ? own.pool : null;
}

// A statement's name is derived from its text, so it needs no registry: the same text gets the
// same name on every connection, and another text another name. Each name is prepared once per
// connection and kept by the server for the connection's life, so only packages/db's own hot-path
// statements (a handful of fixed texts) go through preparedQuery.
function statementName(text: string): string {
  return `plexhook_${createHash('sha1').update(text).digest('hex').slice(0, 16)}`;
}

/**
 * Runs `sql` as a named prepared statement on the client's own pg pool, skipping the Prisma
 * client: PostgreSQL parses and plans it once per connection instead of on every call (the
 * worker's 5-table context read costs 5x less CPU prepared), and the query compiler is not
 * involved. For the hot path's raw statements only; results come as `pg` parses them (int4 and
 * float8 as numbers, int8 and numeric as strings, arrays of built-in types as arrays).
 * A transaction client, or a client not made by createPrismaClient, gets `$queryRaw` instead.
 */
export async function preparedQuery<T>(db: DbOrTx, sql: Prisma.Sql): Promise<T[]> {
  const own = (db as WithPool)[POOL];
  if (!own || own.owner !== db) return (db as Db).$queryRaw<T[]>(sql);
  const { pool } = own;
  const result = await pool.query({ name: statementName(sql.text), text: sql.text, values: sql.values });
  return result.rows as T[];
}
