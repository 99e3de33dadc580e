// The bench database (fresh, migrated by the project's own runner, dropped at the end), the
// seed of its catalogue, PostgreSQL's activity counters, and Redis clean-up of a bench prefix.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { normalizeTitle } from '@plexhook/core';
import { createPrismaClient, createUserWithSecret, type Db } from '@plexhook/db';
import { Redis } from 'ioredis';
import { Client } from 'pg';
import { CATALOGUE, showRatingKey, showTmdbId } from './payload';
import { ROOT } from './procs';
import { REAL_TITLES, showYear, syntheticTitle } from './titles';

const run = promisify(execFile);

export const BASE_DB_URL = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export function withDatabase(name: string): string {
  const url = new URL(BASE_DB_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

async function admin<T>(fn: (c: Client) => Promise<T>, database = 'postgres'): Promise<T> {
  const c = new Client({ connectionString: withDatabase(database) });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

export type BenchDb = { name: string; url: string; db: Db; drop(): Promise<void> };

/** A new database migrated with `npx tsx packages/db/src/cli/migrate.ts deploy`. */
export async function createBenchDb(): Promise<BenchDb> {
  const name = `plexhook_bench_${randomBytes(4).toString('hex')}`;
  const url = withDatabase(name);
  await run('npx', ['tsx', 'packages/db/src/cli/migrate.ts', 'deploy'], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: url },
  });
  const db = createPrismaClient(url, { poolMax: 4 });
  let dropped = false;
  return {
    name,
    url,
    db,
    async drop() {
      if (dropped) return;
      dropped = true;
      await db.$disconnect();
      await admin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}

// PostgreSQL accepts at most 65,535 bind parameters in one statement (the count is a 16-bit
// field of the extended protocol), and createMany sends one parameter per column per row: a
// chunk of 5,000 rows of <= 12 columns stays well under it.
export const CHUNK_ROWS = 5_000;
export async function inChunks<T>(rows: T[], insert: (chunk: T[]) => Promise<unknown>): Promise<void> {
  for (let k = 0; k < rows.length; k += CHUNK_ROWS) await insert(rows.slice(k, k + CHUNK_ROWS));
}

export type Seeded = {
  users: { id: number; secret: string }[];
  showTitles: string[];
};

/**
 * 50 users (with hashed secrets, as the app creates them), 500 shows x 4 seasons x 10 episodes,
 * and a mapping of every show for every user: each scrobble hits a mapped show's episode.
 */
export async function seedCatalogue(db: Db): Promise<Seeded> {
  const users: Seeded['users'] = [];
  for (let u = 0; u < CATALOGUE.users; u++) {
    const created = await createUserWithSecret(db, `bench user ${u}`);
    users.push({ id: created.id, secret: created.secret });
  }
  const showTitles = Array.from({ length: CATALOGUE.shows }, (_, s) =>
    s < REAL_TITLES.length ? `${REAL_TITLES[s]}` : syntheticTitle(1_000_000 + s),
  );
  await inChunks(
    showTitles.map((title, s) => ({ s, title })),
    (chunk) =>
      db.tvShow.createMany({
        data: chunk.map(({ s, title }) => ({
          title,
          normalizedTitle: normalizeTitle(title),
          showStartDate: new Date(Date.UTC(showYear(s), 0, 1)),
          tmdbId: showTmdbId(s),
        })),
      }),
  );
  const shows = await db.tvShow.findMany({
    where: { tmdbId: { gte: showTmdbId(0), lt: showTmdbId(CATALOGUE.shows) } },
    select: { id: true, tmdbId: true },
  });
  const idOf = new Map(shows.map((s) => [s.tmdbId! - showTmdbId(0), s.id]));
  const episodes = [];
  for (let s = 0; s < CATALOGUE.shows; s++) {
    for (let season = 1; season <= CATALOGUE.seasons; season++) {
      for (let e = 1; e <= CATALOGUE.episodesPerSeason; e++) {
        episodes.push({
          tvshowId: idOf.get(s)!,
          seasonNumber: season,
          episodeNumber: e,
          title: `Episode ${e}`,
          airDate: new Date(Date.UTC(2021, 5, 17)),
        });
      }
    }
  }
  await inChunks(episodes, (chunk) => db.episode.createMany({ data: chunk }));
  const mappings = [];
  for (const u of users) {
    for (let s = 0; s < CATALOGUE.shows; s++) {
      mappings.push({
        userId: u.id,
        plexRatingKey: showRatingKey(s),
        plexTitle: showTitles[s]!,
        tvshowId: idOf.get(s)!,
        matchMethod: 'tmdb_id' as const,
        matchConfidence: 1,
      });
    }
  }
  await inChunks(mappings, (chunk) => db.plexShowMapping.createMany({ data: chunk }));
  return { users, showTitles };
}

/** Empties what a pipeline run writes, so every run starts from the same state. */
export async function resetRunTables(dbName: string): Promise<void> {
  await admin(
    (c) =>
      c.query('TRUNCATE episode_watches, movie_watches, plex_webhook_logs, plex_conflicts RESTART IDENTITY'),
    dbName,
  );
}

export type PgCounters = {
  /** xact_commit + xact_rollback: each autocommit statement is one, a BEGIN..COMMIT block one. */
  xacts: number;
  tupInserted: number;
  tupFetched: number;
  tupReturned: number;
  idxScan: number;
  seqScan: number;
  /** Per user table: index scans (lookups, FK checks included) and rows inserted. */
  tables: Record<string, { idxScan: number; seqScan: number; inserted: number }>;
};

/**
 * Activity counters of the bench database. Read from fresh connections (a backend caches the
 * stats snapshot for its transaction). A backend reports its counts at most once a second
 * while busy, within 10 s once idle, and always when it exits: callers stop the worker
 * processes first and use settledCounters, which waits until two reads agree.
 */
export async function pgCounters(dbName: string): Promise<PgCounters> {
  const db = await admin(
    (c) =>
      c.query<{ xacts: string; tup_inserted: string; tup_fetched: string; tup_returned: string }>(
        `SELECT xact_commit + xact_rollback AS xacts, tup_inserted, tup_fetched, tup_returned
           FROM pg_stat_database WHERE datname = $1`,
        [dbName],
      ),
    'postgres',
  );
  const tables = await admin(
    (c) =>
      c.query<{ relname: string; idx: string | null; seq: string | null; ins: string }>(
        'SELECT relname, idx_scan AS idx, seq_scan AS seq, n_tup_ins AS ins FROM pg_stat_user_tables',
      ),
    dbName,
  );
  const r = db.rows[0]!;
  const perTable: PgCounters['tables'] = {};
  for (const t of tables.rows) {
    perTable[t.relname] = {
      idxScan: Number(t.idx ?? 0),
      seqScan: Number(t.seq ?? 0),
      inserted: Number(t.ins),
    };
  }
  const sum = (k: 'idxScan' | 'seqScan') => Object.values(perTable).reduce((a, t) => a + t[k], 0);
  return {
    xacts: Number(r.xacts),
    tupInserted: Number(r.tup_inserted),
    tupFetched: Number(r.tup_fetched),
    tupReturned: Number(r.tup_returned),
    idxScan: sum('idxScan'),
    seqScan: sum('seqScan'),
    tables: perTable,
  };
}

export async function settledCounters(
  dbName: string,
  { quietMs = 1_000, maxWaitMs = 12_000 }: { quietMs?: number; maxWaitMs?: number } = {},
): Promise<PgCounters> {
  let last = await pgCounters(dbName);
  let quietSince = Date.now();
  const deadline = Date.now() + Math.max(maxWaitMs, quietMs + 2_000);
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 1_000));
    const now = await pgCounters(dbName);
    // Our own two reads add exactly two transactions between reads.
    if (now.xacts - last.xacts <= 2 && now.idxScan === last.idxScan && now.tupInserted === last.tupInserted) {
      if (Date.now() - quietSince >= quietMs) return now;
    } else {
      quietSince = Date.now();
    }
    last = now;
  }
  return last;
}

export function counterDelta(before: PgCounters, after: PgCounters): PgCounters {
  const tables: PgCounters['tables'] = {};
  for (const [name, a] of Object.entries(after.tables)) {
    const b = before.tables[name] ?? { idxScan: 0, seqScan: 0, inserted: 0 };
    const d = {
      idxScan: a.idxScan - b.idxScan,
      seqScan: a.seqScan - b.seqScan,
      inserted: a.inserted - b.inserted,
    };
    if (d.idxScan || d.seqScan || d.inserted) tables[name] = d;
  }
  return {
    xacts: after.xacts - before.xacts,
    tupInserted: after.tupInserted - before.tupInserted,
    tupFetched: after.tupFetched - before.tupFetched,
    tupReturned: after.tupReturned - before.tupReturned,
    idxScan: after.idxScan - before.idxScan,
    seqScan: after.seqScan - before.seqScan,
    tables,
  };
}

/** Deletes every Redis key under a bench prefix (queue, jobs, dedupe claims). */
export async function deletePrefix(redis: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) deleted += await redis.unlink(...keys);
  } while (cursor !== '0');
  return deleted;
}

export function benchRedis(): Redis {
  return new Redis(REDIS_URL, { maxRetriesPerRequest: null });
}

export { admin };
