// Jobs that end in BullMQ's failed set without a log row (issue 14 item 3: retries exhausted
// while the database was away, so the final `failed` row could not be written either). Here
// they fail the way BullMQ fails them (a worker whose processor throws on every attempt, until
// attempts are exhausted) while a private PostgreSQL server is stopped. The real worker
// process then starts against the stopped server: its dead-letter sweep cannot write yet; once
// the server is back, every failed job gets exactly one `failed` row, and further sweeps (on
// the timer, and by a freshly started worker from its cursor) write nothing more.
import { randomUUID } from 'node:crypto';
import { createPrismaClient, createUserWithSecret, type Db } from '@plexhook/db';
import { createRedis, PlexWebhookJobSchema, WEBHOOK_JOB, WEBHOOK_QUEUE } from '@plexhook/queue';
import { Worker } from 'bullmq';
import { type AppProcess, spawnApp } from '../test/helpers/processes';
import { createTestQueue, TEST_REDIS_URL, type TestQueue } from '../test/helpers/redis';
import { waitFor } from '../test/helpers/wait';
import { recordResult } from './harness';
import { PrivatePostgres } from './private-servers';
import { SCALE, scrobble, seedMappedShows, tally } from './seed';

let pg: PrivatePostgres | undefined;
let q: TestQueue | undefined;
let db: Db | undefined;
const workers: AppProcess[] = [];

beforeAll(async () => {
  [pg, q] = await Promise.all([PrivatePostgres.start(), createTestQueue('deadletter')]);
});
afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  await db?.$disconnect().catch(() => undefined);
  await q?.cleanup();
  await pg?.destroy();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const LOGGED = 'failed job logged from the dead-letter';
const loggedLines = (w: AppProcess) =>
  w
    .output()
    .split('\n')
    .filter((l) => l.includes(LOGGED)).length;

test('failed jobs without a log row get one failed row once PostgreSQL is back; a second sweep writes nothing', async () => {
  const N = 50 * SCALE;
  const server = pg as PrivatePostgres;
  const queue = q as TestQueue;
  const url = await server.createMigratedDb('plexhook');
  db = createPrismaClient(url, { poolMax: 3 });
  const user = await createUserWithSecret(db, 'deadletter');
  await seedMappedShows(db, user.id, 10, Math.ceil(N / 10));

  // The server goes away; jobs then fail for good with nobody able to log them.
  await db.$disconnect();
  await server.stop();
  const ids: string[] = [];
  for (let i = 0; i < N; i++) {
    const id = randomUUID();
    const data = PlexWebhookJobSchema.parse({
      userId: user.id,
      receivedAt: new Date().toISOString(),
      payload: scrobble(i, 10),
    });
    // Two attempts, retried after 10 ms: the job's whole retry budget, spent.
    await queue.queue.add(WEBHOOK_JOB, data, {
      jobId: id,
      attempts: 2,
      backoff: { type: 'fixed', delay: 10 },
    });
    ids.push(id);
  }
  const failerRedis = createRedis(TEST_REDIS_URL, 'worker');
  const failer = new Worker(
    WEBHOOK_QUEUE,
    async () => {
      throw new Error('connect ECONNREFUSED (simulated: the attempt could not reach PostgreSQL)');
    },
    { connection: failerRedis, prefix: queue.prefix, concurrency: 8 },
  );
  await waitFor(async () => (await queue.queue.getJobCounts('failed')).failed === N, 60_000);
  await failer.close();
  failerRedis.disconnect();
  const attempts = (await queue.queue.getFailed(0, -1)).map((j) => j.attemptsMade);

  const env = {
    DATABASE_URL: url,
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: queue.prefix,
    WORKER_METRICS_PORT: '0',
    WORKER_DB_PROBE_INTERVAL_MS: '500',
    WORKER_DEAD_LETTER_INTERVAL_MS: '1000',
  };
  const first = spawnApp('worker', env);
  workers.push(first);
  await waitFor(async () => first.output().includes('worker started'), 30_000);
  // Several sweeps while the server is down: each postponed, none may lose a job.
  await sleep(4_000);
  const loggedWhileDown = loggedLines(first);
  expect(first.child.exitCode).toBeNull();

  const upAt = Date.now();
  await server.up();
  await waitFor(async () => (await db?.plexWebhookLog.count()) === N, 60_000);
  const afterMs = Date.now() - upAt;
  // More sweeps on the timer, then a fresh worker sweeping from the cursor (and its margin).
  await sleep(4_000);
  const rowsAfterTimer = await db.plexWebhookLog.count();
  const linesFirst = loggedLines(first);
  await first.stop();
  const second = spawnApp('worker', env);
  workers.push(second);
  await waitFor(async () => second.output().includes('worker started'), 30_000);
  await sleep(4_000);
  const rowsAfterRestart = await db.plexWebhookLog.count();
  const linesSecond = loggedLines(second);

  const r = await tally(db, user.id, ids);
  const rows = await db.plexWebhookLog.findMany({
    where: { jobId: { in: ids } },
    select: { status: true, errorMessage: true, userId: true },
  });
  const withReason = rows.filter(
    (l) =>
      l.status === 'failed' &&
      l.userId === user.id &&
      /after 2 attempt\(s\).*ECONNREFUSED/.test(l.errorMessage ?? ''),
  ).length;
  await recordResult('dead-letter', {
    fault: `${N} jobs failed (attempts exhausted) while the PostgreSQL server was stopped, no log row`,
    sent: N,
    accepted: N,
    ...r,
    notes: `attempts per job ${Math.min(...attempts)}-${Math.max(...attempts)}; ${loggedWhileDown} rows written while the server was down; all ${r.failed} failed rows (${withReason} with the job's reason and user) ${Math.round(afterMs / 100) / 10} s after it was back; later sweeps wrote ${rowsAfterTimer - N} (timer) and ${rowsAfterRestart - N} (a restarted worker) more rows, ${linesFirst - N + linesSecond} more dead-letter lines`,
  });
  expect(Math.min(...attempts)).toBe(2);
  expect(loggedWhileDown).toBe(0);
  expect(r.lost).toBe(0);
  expect(r.logRows).toBe(N);
  expect(r.failed).toBe(N);
  expect(withReason).toBe(N);
  expect(r.watches).toBe(0);
  expect(rowsAfterTimer).toBe(N);
  expect(rowsAfterRestart).toBe(N);
  expect(linesFirst).toBe(N);
  expect(linesSecond).toBe(0);
}, 240_000);
