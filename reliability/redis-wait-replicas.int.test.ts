// REDIS_WAIT_REPLICAS on a private master and replica: an enqueue resolves once the replica has
// the job, concurrent enqueues share the WAIT in flight (fewer WAITs than enqueues), and with the
// replica gone the enqueue throws within the WAIT timeout, which is what makes ingest spool.
import { createRedis, createWebhookQueue, enqueueWebhook, REPLICA_WAIT_TIMEOUT_MS } from '@plexhook/queue';
import { Redis } from 'ioredis';
import { waitFor } from '../test/helpers/wait';
import { RedisServer } from './private-servers';

let master: RedisServer;
let replica: RedisServer;

beforeAll(async () => {
  master = await RedisServer.start(['--save', '', '--appendonly', 'no']);
  replica = await RedisServer.start([
    '--save',
    '',
    '--appendonly',
    'no',
    '--replicaof',
    '127.0.0.1',
    String(master.port),
  ]);
  const m = new Redis(master.url);
  await waitFor(
    async () =>
      /connected_slaves:1/.test(await m.info('replication')) &&
      /state=online/.test(await m.info('replication')),
  );
  m.disconnect();
});
afterAll(async () => {
  await replica?.stop();
  await master?.stop();
});

const job = () => ({ userId: 1, receivedAt: new Date().toISOString(), payload: { event: 'media.scrobble' } });

async function waitCalls(): Promise<number> {
  const m = new Redis(master.url);
  try {
    return Number(/cmdstat_wait:calls=(\d+)/.exec(await m.info('commandstats'))?.[1] ?? 0);
  } finally {
    m.disconnect();
  }
}

test('replicated enqueues succeed and share WAITs; without the replica the enqueue throws', async () => {
  const redis = createRedis({ REDIS_URL: master.url, REDIS_WAIT_REPLICAS: 1 }, 'producer');
  const queue = createWebhookQueue(redis, 'waitreplicas');
  try {
    const before = await waitCalls();
    await Promise.all(Array.from({ length: 100 }, (_, i) => enqueueWebhook(queue, `job-${i}`, job())));
    const waits = (await waitCalls()) - before;
    // Every job on the replica too.
    const r = new Redis(replica.url);
    expect(await r.exists('waitreplicas:plex-webhooks:job-0', 'waitreplicas:plex-webhooks:job-99')).toBe(2);
    r.disconnect();
    expect(waits).toBeGreaterThan(0);
    expect(waits).toBeLessThan(100);

    await replica.stop();
    const started = Date.now();
    await expect(enqueueWebhook(queue, 'job-lonely', job())).rejects.toThrow(/only 0 of 1 Redis replicas/);
    const ms = Date.now() - started;
    expect(ms).toBeGreaterThanOrEqual(REPLICA_WAIT_TIMEOUT_MS - 50);
    expect(ms).toBeLessThan(REPLICA_WAIT_TIMEOUT_MS + 3_000);
    console.log(
      `100 concurrent enqueues used ${waits} WAITs; without the replica the enqueue threw after ${ms} ms`,
    );
  } finally {
    await queue.close();
    redis.disconnect();
  }
});

test('REDIS_WAIT_REPLICAS 0 sends no WAIT', async () => {
  const redis = createRedis({ REDIS_URL: master.url }, 'producer');
  const queue = createWebhookQueue(redis, 'nowait');
  try {
    const before = await waitCalls();
    await Promise.all(Array.from({ length: 20 }, (_, i) => enqueueWebhook(queue, `job-${i}`, job())));
    expect((await waitCalls()) - before).toBe(0);
  } finally {
    await queue.close();
    redis.disconnect();
  }
});
