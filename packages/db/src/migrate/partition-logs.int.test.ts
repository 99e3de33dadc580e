// Migration partition_webhook_logs_by_month converts plex_webhook_logs with its data: rows written
// before it (three months, a held row, watches pointing at log rows) are all there after it, in
// the month partitions, with the id sequence carried on and the unique keys in force.

import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_PATHS, dropDatabase } from '@plexhook/db';
import { Client } from 'pg';
import { withDatabase } from '../../../../test/helpers/db';

const MIGRATION = '20261203140000_partition_webhook_logs_by_month';
const name = `plexhook_t_partition_${randomBytes(4).toString('hex')}`;
const url = withDatabase(name);
let before: string;

/** The offline runner on a migrations folder, in a process of its own (jest cannot load the WASM). */
function migrateDeploy(migrationsDir: string): string {
  const code = `require('./packages/db/src/migrate/engine').migrateDeploy(process.env.DATABASE_URL, { schemaPath: ${JSON.stringify(DEFAULT_PATHS.schemaPath)}, migrationsDir: ${JSON.stringify(migrationsDir)} }).then((r) => { console.log(JSON.stringify(r.applied)); process.exit(0); }, (e) => { console.error(e); process.exit(1); })`;
  const out = spawnSync('npx', ['tsx', '-e', code], {
    env: { ...process.env, DATABASE_URL: url },
    encoding: 'utf8',
  });
  if (out.status !== 0) throw new Error(`migration failed: ${out.stdout}${out.stderr}`);
  return out.stdout;
}
const c = new Client({ connectionString: url });

beforeAll(async () => {
  // The migrations folder as it was before this one.
  before = mkdtempSync(join(tmpdir(), 'plexhook-migrations-'));
  for (const entry of readdirSync(DEFAULT_PATHS.migrationsDir)) {
    if (/^\d+_/.test(entry) && entry >= MIGRATION) continue;
    cpSync(join(DEFAULT_PATHS.migrationsDir, entry), join(before, entry), { recursive: true });
  }
  migrateDeploy(before);
  await c.connect();
});

afterAll(async () => {
  await c.end();
  await dropDatabase(url);
  rmSync(before, { recursive: true, force: true });
});

const COLUMNS =
  'id, user_id, job_id, event_type, plex_rating_key, plex_title, payload, status, action_taken, error_message, conflict_id, duration_ms, received_at, created_at, source';
const allLogs = async () => (await c.query(`SELECT ${COLUMNS} FROM plex_webhook_logs ORDER BY id`)).rows;

test('rows written before the migration are there after it, partitioned by month', async () => {
  const user = (await c.query(`INSERT INTO users (name, updated_at) VALUES ('u', now()) RETURNING id`))
    .rows[0].id;
  const conflict = (
    await c.query(
      `INSERT INTO plex_conflicts (user_id, plex_rating_key, plex_title, conflict_type, potential_matches, updated_at)
       VALUES ($1, 'k1', 'Some Show', 'no_match', '[]', now()) RETURNING id`,
      [user],
    )
  ).rows[0].id;
  const movie = (
    await c.query(
      `INSERT INTO movies (title, normalized_title, updated_at) VALUES ('Heat', 'heat', now()) RETURNING id`,
    )
  ).rows[0].id;
  const now = new Date();
  const monthsAgo = (n: number) => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - n, 15, 12));
  const rows = [
    ['job-a', monthsAgo(4), 'success', 'movie_marked', null],
    ['job-b', monthsAgo(1), 'success', 'conflict_pending', conflict],
    ['job-c', now, 'failed', null, null],
  ] as const;
  for (const [job, at, status, action, conflictId] of rows) {
    await c.query(
      `INSERT INTO plex_webhook_logs (user_id, job_id, event_type, payload, status, action_taken, conflict_id, duration_ms, received_at)
       VALUES ($1, $2, 'media.scrobble', '{"event":"media.scrobble","n":1}', $3, $4, $5, 7, $6)`,
      [user, job, status, action, conflictId, at],
    );
  }
  const firstLog = (await c.query(`SELECT id FROM plex_webhook_logs WHERE job_id = 'job-a'`)).rows[0].id;
  await c.query(
    `INSERT INTO movie_watches (user_id, movie_id, watched_at, webhook_log_id) VALUES ($1, $2, now(), $3)`,
    [user, movie, firstLog],
  );
  const logsBefore = await allLogs();
  expect(logsBefore).toHaveLength(3);

  expect(migrateDeploy(DEFAULT_PATHS.migrationsDir)).toContain(MIGRATION);

  // Every row, every column, unchanged.
  expect(await allLogs()).toEqual(logsBefore);
  const kind = await c.query(`SELECT relkind FROM pg_class WHERE relname = 'plex_webhook_logs'`);
  expect(kind.rows[0].relkind).toBe('p');
  // Each row sits in its month's partition; a DEFAULT partition exists; two months ahead exist.
  const placed = await c.query(
    `SELECT job_id, tableoid::regclass::text AS part FROM plex_webhook_logs ORDER BY job_id`,
  );
  const month = (d: Date) =>
    `plex_webhook_logs_y${d.getUTCFullYear()}m${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
  expect(placed.rows).toEqual([
    { job_id: 'job-a', part: month(monthsAgo(4)) },
    { job_id: 'job-b', part: month(monthsAgo(1)) },
    { job_id: 'job-c', part: month(now) },
  ]);
  const parts = (
    await c.query(
      `SELECT c.relname, c.reloptions FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'plex_webhook_logs'::regclass ORDER BY c.relname`,
    )
  ).rows;
  const names = parts.map((p) => p.relname);
  expect(names).toContain('plex_webhook_logs_default');
  expect(names).toContain(month(monthsAgo(-2)));
  expect(names).toContain(month(monthsAgo(3))); // months between the oldest row and now too
  for (const p of parts) expect(p.reloptions).toEqual(['toast_tuple_target=4096']);

  // The watch still names its log row; the id sequence carries on; (job_id, received_at) is unique.
  const watch = await c.query('SELECT webhook_log_id FROM movie_watches');
  expect(watch.rows[0].webhook_log_id).toBe(firstLog);
  const next = await c.query(
    `INSERT INTO plex_webhook_logs (job_id, status, received_at) VALUES ('job-d', 'ignored', now()) RETURNING id`,
  );
  expect(next.rows[0].id).toBeGreaterThan(Math.max(...logsBefore.map((r) => r.id)));
  const again = await c.query(
    `INSERT INTO plex_webhook_logs (job_id, status, received_at) VALUES ('job-c', 'failed', $1)
     ON CONFLICT (job_id, received_at) DO NOTHING RETURNING id`,
    [now],
  );
  expect(again.rowCount).toBe(0);
  // A lookup by job_id alone (an earlier run's row, the context read's probe) is still served by
  // an index: (job_id, received_at)'s leading column, in every partition.
  await c.query('SET enable_seqscan = off');
  const plan = (await c.query(`EXPLAIN SELECT id FROM plex_webhook_logs WHERE job_id = 'job-b'`)).rows
    .map((r) => r['QUERY PLAN'] as string)
    .join('\n');
  await c.query('RESET enable_seqscan');
  expect(plan).not.toMatch(/Seq Scan/);
  for (const p of names) expect(plan).toContain(`${p}_job_id_received_at_idx`);
  // A row far outside every month lands in the DEFAULT partition instead of failing.
  const far = await c.query(
    `INSERT INTO plex_webhook_logs (job_id, status, received_at) VALUES ('job-e', 'ignored', '2001-01-01')
     RETURNING tableoid::regclass::text AS part`,
  );
  expect(far.rows[0].part).toBe('plex_webhook_logs_default');
});
