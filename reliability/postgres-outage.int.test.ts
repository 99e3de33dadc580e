// PostgreSQL refuses connections while jobs are processed: jobs retry with backoff and every
// webhook still ends as exactly one log row, marked once.
import { createUserWithSecret } from '@plexhook/db';
import { createTestDb, type TestDb } from '../test/helpers/db';
import { createTestQueue, type TestQueue } from '../test/helpers/redis';
import { waitFor } from '../test/helpers/wait';
import { postWebhook, recordResult, type Stack, setDatabaseOnline, startStack } from './harness';
import { SCALE, scrobble, seedMappedShows, tally } from './seed';

let t: TestDb;
let q: TestQueue;
let stack: Stack;

beforeAll(async () => {
  [t, q] = await Promise.all([createTestDb('pgout'), createTestQueue('pgout')]);
});
afterAll(async () => {
  await stack?.stop();
  await setDatabaseOnline(t.name, true);
  await Promise.all([q.cleanup(), t.drop()]);
});

test('PostgreSQL outage during processing: retried, nothing lost or doubled', async () => {
  const N = 300 * SCALE;
  const SHOWS = 30;
  const user = await createUserWithSecret(t.db, 'pg');
  await seedMappedShows(t.db, user.id, SHOWS, Math.ceil(N / SHOWS));
  stack = await startStack(
    { DATABASE_URL: t.url, REDIS_URL: 'redis://127.0.0.1:6379', QUEUE_PREFIX: q.prefix },
    0,
  );

  const accepted: string[] = [];
  for (let i = 0; i < N; i += 25) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(25, N - i) }, (_, k) =>
        postWebhook(stack.ingestUrl, user.secret, scrobble(i + k, SHOWS)),
      ),
    );
    for (const r of batch) if (r.status === 200 && r.id) accepted.push(r.id);
  }
  const worker = stack.startWorker({ WORKER_CONCURRENCY: '4', WORKER_DB_PROBE_INTERVAL_MS: '500' });
  const metricsPort = await waitFor(
    async () => /"metricsPort":(\d+)[^\n]*worker started/.exec(worker.output())?.[1],
    30_000,
  );
  await waitFor(async () => (await t.db.plexWebhookLog.count()) >= N / 5, 60_000);
  await t.db.$disconnect();
  await setDatabaseOnline(t.name, false);
  await new Promise((r) => setTimeout(r, 3000)); // the outage
  await setDatabaseOnline(t.name, true);

  await waitFor(async () => (await t.db.plexWebhookLog.count()) >= accepted.length, 120_000);
  const r = await tally(t.db, user.id, accepted);
  // Evidence that the outage hit jobs, from the worker's own count: jobs it put back because the
  // database was unreachable. None of them spent an attempt.
  const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  const retried = Number(/^plexhook_worker_jobs_deferred_total (\d+)/m.exec(metrics)?.[1] ?? '0');
  const spentAttempts = (await q.queue.getCompleted(0, N)).filter((j) => j.attemptsMade > 1).length;
  await recordResult('postgres-outage', {
    fault: 'PostgreSQL refuses connections for 3 s during processing (per-database outage)',
    sent: N,
    accepted: accepted.length,
    ...r,
    notes: `${retried} jobs put back while the database was away (${spentAttempts} spent an attempt); ${r.failed} logged as failed`,
  });
  expect(retried).toBeGreaterThan(0);
  expect(spentAttempts).toBe(0);
  expect(accepted).toHaveLength(N);
  expect(r.lost).toBe(0);
  expect(r.failed).toBe(0);
  expect(r.marked).toBe(N);
  expect(r.watches).toBe(N);
  expect(r.doubleMarked).toBe(0);
}, 180_000);
