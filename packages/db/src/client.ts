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

/** The pg pool under each client made here: `preparedQuery` runs statements on it directly. */
const pools = new WeakMap<Db, Pool>();

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
  pools.set(db, pool);
  return db;
}

// Statement names by SQL text. Each name is prepared once per connection and kept by the server
// for the connection's life, so only a bounded set of call sites may use preparedQuery (the
// worker's hot path: a handful of statement shapes).
const statementNames = new Map<string, string>();
const MAX_PREPARED = 64;

function statementName(text: string): string | undefined {
  let name = statementNames.get(text);
  if (name === undefined && statementNames.size < MAX_PREPARED) {
    name = `plexhook_${createHash('sha1').update(text).digest('hex').slice(0, 16)}`;
    statementNames.set(text, name);
  }
  return name;
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
  const pool = pools.get(db as Db);
  if (!pool) return (db as Db).$queryRaw<T[]>(sql);
  const name = statementName(sql.text);
  const result = await pool.query({ ...(name ? { name } : {}), text: sql.text, values: sql.values });
  return result.rows as T[];
}
