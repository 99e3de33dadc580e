// A webhook flow through a Redis Cluster (three masters, private processes, `redis-cli --cluster
// create`): the real ingest and worker with REDIS_CLUSTER_NODES only. The queue prefix is
// hash-tagged by the apps themselves (`cluster` -> `{cluster}`), so BullMQ's multi-key scripts
// run in one slot; the persistence check asks every master.
import { createUserWithSecret } from '@plexhook/db';
import { checkRedisPersistence, createRedis, parseHostPorts } from '@plexhook/queue';
import { createTestDb, type TestDb } from '../test/helpers/db';
import { waitFor } from '../test/helpers/wait';
import { postWebhook, recordResult, type Stack, startStack } from './harness';
import { RedisClusterSet, type RedisNode } from './redis-topologies';
import { SCALE, scrobble, seedMappedShows, tally } from './seed';

let t: TestDb;
let cluster: RedisClusterSet;
let stack: Stack;

beforeAll(async () => {
  [t, cluster] = await Promise.all([createTestDb('cluster'), RedisClusterSet.start()]);
});
afterAll(async () => {
  await stack?.stop();
  await cluster?.destroy();
  await t?.drop();
});

test('Redis Cluster: every webhook queued in one slot, processed, logged once', async () => {
  const N = 200 * SCALE;
  const SHOWS = 20;
  const user = await createUserWithSecret(t.db, 'cluster');
  await seedMappedShows(t.db, user.id, SHOWS, Math.ceil(N / SHOWS));
  const env = {
    DATABASE_URL: t.url,
    REDIS_URL: 'redis://127.0.0.1',
    REDIS_CLUSTER_NODES: cluster.list,
    QUEUE_PREFIX: 'cluster',
  };
  stack = await startStack(env, 2);

  const accepted: string[] = [];
  let spooled = 0;
  for (let i = 0; i < N; i += 10) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(10, N - i) }, (_, k) =>
        postWebhook(stack.ingestUrl, user.secret, scrobble(i + k, SHOWS)),
      ),
    );
    for (const r of batch) {
      if (r.status === 200 && r.id) accepted.push(r.id);
      if (r.spooled) spooled++;
    }
  }
  await waitFor(async () => (await t.db.plexWebhookLog.count()) >= accepted.length, 90_000);
  const r = await tally(t.db, user.id, accepted);

  // Where the keys are: every queue key under `{cluster}`, all on the one master owning its slot.
  const perNode = await Promise.all(
    cluster.nodes.map(async (n) => {
      const c = n.client();
      try {
        const keys = await c.keys('*');
        return {
          port: n.port,
          queueKeys: keys.filter((k) => k.startsWith('{cluster}:plex-webhooks:')).length,
          untagged: keys.filter((k) => k.startsWith('cluster:')).length,
        };
      } finally {
        c.disconnect();
      }
    }),
  );
  const holding = perNode.filter((n) => n.queueKeys > 0);
  const persistenceLines = stack.ingest.output().match(/redis persistence: AOF on/g)?.length ?? 0;

  await recordResult('redis-cluster', {
    fault: 'Redis Cluster (3 masters): webhooks through ingest and 2 workers',
    sent: N,
    accepted: accepted.length,
    ...r,
    notes: `queue prefix {cluster}: ${holding.map((n) => `${n.queueKeys} queue keys`).join(', ')} on ${holding.length} of 3 masters, 0 untagged; ${spooled} spooled`,
  });
  expect(accepted).toHaveLength(N);
  expect(holding).toHaveLength(1);
  expect(perNode.every((n) => n.untagged === 0)).toBe(true);
  expect(persistenceLines).toBe(1);
  expect(r.lost).toBe(0);
  expect(r.logRows).toBe(N);
  expect(r.watches).toBe(N);
  expect(r.doubleMarked).toBe(0);
  expect(stack.workers[0]?.output()).not.toMatch(/CROSSSLOT/);
}, 180_000);

test('the persistence check asks every node: one node without persistence decides', async () => {
  const redis = createRedis(
    { REDIS_URL: 'redis://127.0.0.1', REDIS_CLUSTER_NODES: parseHostPorts(cluster.list, 6379) },
    'producer',
  );
  try {
    expect((await checkRedisPersistence(redis)).status).toBe('aof');
    const last = (cluster.nodes[2] as RedisNode).client();
    await last.config('SET', 'appendonly', 'no');
    await last.config('SET', 'save', '');
    last.disconnect();
    expect((await checkRedisPersistence(redis)).status).toBe('none');
  } finally {
    redis.disconnect();
  }
});
