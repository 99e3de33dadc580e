// kill -9 of a worker in the middle of a batch: its jobs are taken over, each webhook is
// logged once and marked once.
import { createUserWithSecret } from '@plexhook/db';
import { createTestDb, type TestDb } from '../test/helpers/db';
import { createTestQueue, type TestQueue } from '../test/helpers/redis';
import { waitFor } from '../test/helpers/wait';
import { postWebhook, recordResult, type Stack, startStack } from './harness';
import { SCALE, scrobble, seedMappedShows, tally } from './seed';

let t: TestDb;
let q: TestQueue;
let stack: Stack;

beforeAll(async () => {
  [t, q] = await Promise.all([createTestDb('crash'), createTestQueue('crash')]);
});
afterAll(async () => {
  await stack?.stop();
  await Promise.all([q.cleanup(), t.drop()]);
});

test('kill -9 of a worker mid-batch loses nothing and marks nothing twice', async () => {
  const N = 400 * SCALE;
  const SHOWS = 40;
  const user = await createUserWithSecret(t.db, 'crash');
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
  const victim = stack.startWorker({ WORKER_CONCURRENCY: '16' });
  await waitFor(async () => (await t.db.plexWebhookLog.count()) >= N / 4, 60_000);
  victim.child.kill('SIGKILL');
  await victim.stop();
  const killedAt = await t.db.plexWebhookLog.count();

  stack.startWorker();
  await waitFor(async () => (await t.db.plexWebhookLog.count()) >= accepted.length, 90_000);
  const r = await tally(t.db, user.id, accepted);

  await recordResult('worker-crash', {
    fault: 'kill -9 of a worker mid-batch, a second worker takes over',
    sent: N,
    accepted: accepted.length,
    ...r,
    notes: `killed after ${killedAt} log rows`,
  });
  expect(accepted).toHaveLength(N);
  expect(killedAt).toBeLessThan(N);
  expect(r.lost).toBe(0);
  expect(r.logRows).toBe(N);
  expect(r.marked).toBe(N);
  expect(r.watches).toBe(N);
  expect(r.doubleMarked).toBe(0);
}, 180_000);
