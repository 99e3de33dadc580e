// npx tsx bench/partition-overhead.ts [N]
//
// What partitioning plex_webhook_logs costs the worker's hot path (issue 17): the log insert
// (single form, a 3 KB payload, ON CONFLICT on the job's key) and the probe of an earlier run's
// row by job_id (the context read's log part), on two databases seeded alike with 60,000 rows
// over the last four months: one migrated up to the migration before the partitioning
// (unpartitioned, unique job_id), one converted by it (four month partitions + three ahead +
// DEFAULT). One backend each, prepared statements, N of each statement per round, rounds
// alternating A/B/A/B; PostgreSQL CPU is the backend's /proc/<pid>/stat delta.
import { spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { admin, withDatabase } from './lib/benchdb';
import { realisticPayload } from './lib/payload';
import { cpuSeconds, ROOT } from './lib/procs';
import { table } from './lib/report';

const N = Number(process.argv[2] ?? 5_000);
const MIGRATION = '20261203140000_partition_webhook_logs_by_month';
const MIGRATIONS = join(ROOT, 'prisma', 'migrations');

function migrate(url: string, dir: string): void {
  const code = `require('./packages/db/src/migrate/engine').migrateDeploy(process.env.DATABASE_URL, { schemaPath: ${JSON.stringify(join(ROOT, 'prisma', 'schema.prisma'))}, migrationsDir: ${JSON.stringify(dir)} }).then(() => process.exit(0), (e) => { console.error(e); process.exit(1); })`;
  const out = spawnSync('npx', ['tsx', '-e', code], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: url },
    encoding: 'utf8',
  });
  if (out.status !== 0) throw new Error(`migration failed: ${out.stdout}${out.stderr}`);
}

async function seed(c: Client): Promise<number> {
  const user = (await c.query(`INSERT INTO users (name, updated_at) VALUES ('bench', now()) RETURNING id`))
    .rows[0].id;
  const payload = JSON.stringify(realisticPayload(1, 'Seeded Show'));
  // 60,000 rows over the last four months (15,000 a month), as a busy instance has.
  await c.query(
    `INSERT INTO plex_webhook_logs (user_id, job_id, event_type, payload, status, action_taken, duration_ms, received_at)
     SELECT $1, 'seed-' || g, 'media.scrobble', $2::jsonb, 'success', 'episode_marked', 3,
            date_trunc('month', now()) - interval '3 months' + (g % 120) * interval '1 day' + g * interval '1 ms'
       FROM generate_series(1, 60000) g`,
    [user, payload],
  );
  await c.query('VACUUM ANALYZE plex_webhook_logs');
  return user;
}

type Round = { db: string; insertUs: number; insertCpuUs: number; probeUs: number; probeCpuUs: number };

async function round(c: Client, label: string, partitioned: boolean, user: number): Promise<Round> {
  const pid = (await c.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number;
  const conflict = partitioned ? '(job_id, received_at)' : '(job_id)';
  const insert = {
    name: `ins-${partitioned}`,
    text: `INSERT INTO plex_webhook_logs (user_id, job_id, event_type, payload, status, action_taken, duration_ms, received_at)
           VALUES ($1::int, $2::text, 'media.scrobble', $3::jsonb, 'success'::webhook_status, 'episode_marked'::webhook_action, 3, $4::timestamptz)
           ON CONFLICT ${conflict} DO NOTHING RETURNING id`,
  };
  const probe = { name: 'probe', text: 'SELECT id, status FROM plex_webhook_logs WHERE job_id = $1::text' };
  const payloads = Array.from({ length: 50 }, (_, i) => JSON.stringify(realisticPayload(i, 'Bench Show')));
  const time = async (fn: (i: number) => Promise<unknown>) => {
    const cpu0 = cpuSeconds(pid);
    const t0 = performance.now();
    for (let i = 0; i < N; i++) await fn(i);
    return { us: ((performance.now() - t0) * 1000) / N, cpuUs: ((cpuSeconds(pid) - cpu0) * 1e6) / N };
  };
  const ins = await time((i) =>
    c.query({ ...insert, values: [user, randomUUID(), payloads[i % 50], new Date()] }),
  );
  const pr = await time(() => c.query({ ...probe, values: [randomUUID()] }));
  return { db: label, insertUs: ins.us, insertCpuUs: ins.cpuUs, probeUs: pr.us, probeCpuUs: pr.cpuUs };
}

async function main(): Promise<void> {
  const before = mkdtempSync(join(tmpdir(), 'plexhook-migrations-'));
  for (const entry of readdirSync(MIGRATIONS)) {
    if (/^\d+_/.test(entry) && entry >= MIGRATION) continue;
    cpSync(join(MIGRATIONS, entry), join(before, entry), { recursive: true });
  }
  const names = {
    A: `plexhook_bench_a_${randomBytes(3).toString('hex')}`,
    B: `plexhook_bench_b_${randomBytes(3).toString('hex')}`,
  };
  const clients: Record<'A' | 'B', Client> = {} as never;
  try {
    const users: Record<string, number> = {};
    for (const k of ['A', 'B'] as const) {
      const url = withDatabase(names[k]);
      migrate(url, before);
      const c = new Client({ connectionString: url });
      await c.connect();
      users[k] = await seed(c);
      if (k === 'B') {
        await c.end();
        migrate(url, MIGRATIONS);
        await admin((a) => a.query('VACUUM ANALYZE plex_webhook_logs'), names.B);
        const c2 = new Client({ connectionString: url });
        await c2.connect();
        clients.B = c2;
      } else clients.A = c;
    }
    const parts = await clients.B.query(
      `SELECT count(*)::int AS n FROM pg_inherits WHERE inhparent = 'plex_webhook_logs'::regclass`,
    );
    const rounds: Round[] = [];
    for (let r = 0; r < 2; r++) {
      rounds.push(await round(clients.A, 'A unpartitioned', false, users.A!));
      rounds.push(await round(clients.B, `B partitioned (${parts.rows[0].n} partitions)`, true, users.B!));
    }
    const f = (x: number) => Math.round(x * 10) / 10;
    console.log(
      table(
        `plex_webhook_logs before and after partitioning: ${N} of each statement per round, 60,000 seeded rows, one backend`,
        [
          'round',
          'database',
          'insert µs (wall)',
          'insert µs PostgreSQL CPU',
          'probe by job_id µs (wall)',
          'probe µs PostgreSQL CPU',
        ],
        rounds.map((x, i) => [
          Math.floor(i / 2) + 1,
          x.db,
          f(x.insertUs),
          f(x.insertCpuUs),
          f(x.probeUs),
          f(x.probeCpuUs),
        ]),
      ),
    );
  } finally {
    await Promise.all(Object.values(clients).map((c) => c.end().catch(() => undefined)));
    for (const n of Object.values(names))
      await admin((a) => a.query(`DROP DATABASE IF EXISTS "${n}" WITH (FORCE)`));
    rmSync(before, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
