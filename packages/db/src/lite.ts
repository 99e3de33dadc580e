// The database as seen by processes that must stay small (ingest): plain pg, no Prisma client.
// Loading and running the Prisma client costs about 100 MB of RSS (measured: 76 -> 182 MB for
// one query), more than the rest of ingest together, for a single indexed lookup.
// Import as '@plexhook/db/src/lite': the package index would load the Prisma client.
import { Pool } from 'pg';

export { hashSecret } from './repositories/secrets';

export function createPgPool(
  url: string,
  options: { max?: number; connectionTimeoutMillis?: number } = {},
): Pool {
  const pool = new Pool({
    connectionString: url,
    max: options.max ?? 5,
    // pg waits forever for a free connection by default; a webhook would rather fail fast.
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? 5_000,
    idleTimeoutMillis: 30_000,
  });
  // An idle client's error (database restarted) must not crash the process.
  pool.on('error', () => undefined);
  return pool;
}

/**
 * The user whose webhook secret hashes to `digest`. The SQL names plex_config.user_id and
 * webhook_secret_hash as schema.prisma maps them; lite.int.test.ts checks it against a user
 * created through the Prisma client, so the two cannot drift apart unnoticed.
 */
export async function findUserIdBySecretHash(pool: Pool, digest: string): Promise<number | null> {
  // Named: prepared once per connection instead of parsed and planned on every lookup.
  const { rows } = await pool.query<{ user_id: number }>({
    name: 'plexhook_user_by_secret_hash',
    text: 'SELECT user_id FROM plex_config WHERE webhook_secret_hash = $1',
    values: [digest],
  });
  return rows[0]?.user_id ?? null;
}

/** Ingest's readiness probe: resolves once PostgreSQL answers a statement on the pool. */
export async function pingDatabase(pool: Pool): Promise<void> {
  await pool.query('SELECT 1');
}
