// Redis crashes while webhooks keep arriving: ingest spools to disk and still answers 200; when
// Redis is back the spool drains, and every accepted webhook ends as exactly one log row.
import { createUserWithSecret } from '@plexhook/db';
import { createTestDb, type TestDb } from '../test/helpers/db';
import { waitFor } from '../test/helpers/wait';
import { PrivateRedis, postWebhook, recordResult, type Stack, startStack } from './harness';
import { SCALE, scrobble, seedMappedShows, tally } from './seed';

let t: TestDb;
let redis: PrivateRedis;
let stack: Stack;

beforeAll(async () => {
  [t, redis] = await Promise.all([createTestDb('redisout'), PrivateRedis.start()]);
});
afterAll(async () => {
  await stack?.stop();
  await redis.destroy();
  await t.drop();
});

test('Redis stop/start during ingest: spooled, drained, nothing lost or doubled', async () => {
  const PHASE = 100 * SCALE;
  const SHOWS = 20;
  const user = await createUserWithSecret(t.db, 'redis');
  await seedMappedShows(t.db, user.id, SHOWS, Math.ceil((3 * PHASE) / SHOWS));
  stack = await startStack({ DATABASE_URL: t.url, REDIS_URL: redis.url, QUEUE_PREFIX: 'rel' }, 1);

  const accepted: string[] = [];
  let spooled = 0;
  let sent = 0;
  const sendPhase = async () => {
    for (let i = 0; i < PHASE; i += 10) {
      const batch = await Promise.all(
        Array.from({ length: 10 }, () => postWebhook(stack.ingestUrl, user.secret, scrobble(sent++, SHOWS))),
      );
      for (const r of batch) {
        if (r.status === 200 && r.id) accepted.push(r.id);
        if (r.spooled) spooled++;
      }
    }
  };

  await sendPhase(); // Redis up
  await redis.kill(); // crash
  await sendPhase(); // Redis down: spool
  const spooledDuringOutage = spooled;
  await redis.up(); // back, with its AOF
  await sendPhase(); // Redis up again

  await waitFor(async () => (await t.db.plexWebhookLog.count()) >= accepted.length, 90_000);
  // Settle: nothing more may arrive (a double drain would show up here as extra rows).
  await new Promise((r) => setTimeout(r, 1500));
  const r = await tally(t.db, user.id, accepted);
  const extra = (await t.db.plexWebhookLog.count()) - r.logRows;

  await recordResult('redis-outage', {
    fault: 'Redis killed (SIGKILL) during ingest, restarted from its AOF',
    sent,
    accepted: accepted.length,
    ...r,
    notes: `${spooledDuringOutage} answered from the local spool while Redis was down`,
  });
  expect(accepted).toHaveLength(sent);
  // Every webhook of the outage phase was spooled; under load a few of the first phase may be
  // too (an enqueue slower than ENQUEUE_TIMEOUT_MS is spooled rather than waited for).
  expect(spooledDuringOutage).toBeGreaterThanOrEqual(PHASE);
  expect(r.lost).toBe(0);
  expect(extra).toBe(0);
  expect(r.marked).toBe(sent);
  expect(r.watches).toBe(sent);
  expect(r.doubleMarked).toBe(0);
}, 180_000);
