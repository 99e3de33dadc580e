import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPrismaClient, type Db } from '@plexhook/db';
import { createPgPool } from '@plexhook/db/src/lite';
import { Client, type Pool } from 'pg';

const BASE_URL = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const ROOT = join(__dirname, '..', '..');

export function withDatabase(name: string): string {
  const url = new URL(BASE_URL);
  url.pathname = `/${name}`;
  return url.toString();
}
export const ADMIN_URL = withDatabase('postgres');

/** Template name keyed by the migrations' content, so a changed migration builds a new one. */
export function templateName(): string {
  const dir = join(ROOT, 'prisma', 'migrations');
  const hash = createHash('sha256');
  for (const m of readdirSync(dir).sort()) {
    if (m.endsWith('.toml')) continue;
    hash.update(m).update(readFileSync(join(dir, m, 'migration.sql')));
  }
  return `plexhook_tpl_${hash.digest('hex').slice(0, 12)}`;
}

export type TestDb = {
  url: string;
  name: string;
  db: Db;
  /** Plain pg pool (what ingest uses), opened on first use. */
  readonly pool: Pool;
  drop(): Promise<void>;
};

async function admin<T>(fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: ADMIN_URL });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** A fresh, migrated database for one suite. */
export async function createTestDb(label = 'suite'): Promise<TestDb> {
  const name = `plexhook_t_${label.replace(/\W/g, '').slice(0, 20)}_${randomBytes(4).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE "${name}" TEMPLATE "${templateName()}"`));
  const url = withDatabase(name);
  const db = createPrismaClient(url, { poolMax: 5 });
  let pool: Pool | undefined;
  return {
    url,
    name,
    db,
    get pool() {
      pool ??= createPgPool(url, { max: 5 });
      return pool;
    },
    async drop() {
      await pool?.end();
      await db.$disconnect();
      await admin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}
