// The dead-letter sweep keeps a job's media server: a Jellyfin or Emby job that ended in
// BullMQ's failed set without a row gets a `failed` row with its source (so a retry reads the
// payload with the same adapter) and the event and key its adapter reads.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createUserWithSecret, createWorkerStore } from '@plexhook/db';
import { createRedis, enqueueWebhook, WEBHOOK_QUEUE } from '@plexhook/queue';
import { UnrecoverableError, Worker } from 'bullmq';
import pino from 'pino';
import { createTestDb, type TestDb } from '../../../../test/helpers/db';
import { createTestQueue, TEST_REDIS_URL, type TestQueue } from '../../../../test/helpers/redis';
import { waitFor } from '../../../../test/helpers/wait';
import { createDeadLetterSweep } from './dead-letter';

let t: TestDb;
let q: TestQueue;
beforeAll(async () => {
  [t, q] = await Promise.all([createTestDb('deadletter16'), createTestQueue('deadletter16')]);
});
afterAll(async () => {
  await Promise.all([q?.cleanup(), t?.drop()]);
});

const fixture = (path: string) =>
  JSON.parse(
    readFileSync(join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', path), 'utf8'),
  ) as Record<string, unknown>;

test('a failed Jellyfin or Emby job without a row is logged failed with its source', async () => {
  const user = await createUserWithSecret(t.db, 'dead');
  const receivedAt = new Date().toISOString();
  await enqueueWebhook(q.queue, 'dead-jellyfin', {
    userId: user.id,
    source: 'jellyfin',
    receivedAt,
    payload: fixture('jellyfin/episode-playback-stop.json'),
  });
  await enqueueWebhook(q.queue, 'dead-emby', {
    userId: user.id,
    source: 'emby',
    receivedAt,
    payload: fixture('emby/movie-playback-stop.json'),
  });
  // A processor that fails them without writing anything (what a worker dying on its last
  // attempt, or a database away for the whole retry budget, leaves behind).
  const connection = createRedis(TEST_REDIS_URL, 'worker');
  const failing = new Worker(
    WEBHOOK_QUEUE,
    async () => {
      throw new UnrecoverableError('boom');
    },
    { connection, prefix: q.prefix },
  );
  await waitFor(async () => ((await q.queue.getFailedCount()) === 2 ? true : null));
  await failing.close();
  connection.disconnect();

  const sweep = createDeadLetterSweep(
    {
      store: createWorkerStore(t.db),
      redis: q.redis,
      logger: pino({ level: 'silent' }),
      queue: q.queue as never,
      prefix: q.prefix,
    },
    60_000,
  );
  expect(await sweep.sweep()).toBe(2);
  const jf = await t.db.plexWebhookLog.findFirstOrThrow({ where: { jobId: 'dead-jellyfin' } });
  expect(jf).toMatchObject({
    source: 'jellyfin',
    status: 'failed',
    eventType: 'PlaybackStop',
    plexRatingKey: '0a9b8c7d6e5f40312a3b4c5d6e7f8091',
  });
  expect(jf.errorMessage).toMatch(/boom/);
  expect(await t.db.plexWebhookLog.findFirstOrThrow({ where: { jobId: 'dead-emby' } })).toMatchObject({
    source: 'emby',
    eventType: 'playback.stop',
    plexRatingKey: '240270',
  });
});
