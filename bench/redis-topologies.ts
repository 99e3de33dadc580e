// npx tsx bench/redis-topologies.ts: what a Redis topology costs an enqueue. The same
// enqueueWebhook ingest calls, on a producer connection made by createRedis, against private
// servers on loopback (reliability/redis-topologies.ts): one server, a Sentinel master with
// REDIS_WAIT_REPLICAS 0 and 1, and a 3-master Cluster. Sequential (latency: p50/p99) and 16 in
// flight (throughput). Prints a Markdown table; not part of `npm test`.
import { randomUUID } from 'node:crypto';
import { createRedis, createWebhookQueue, enqueueWebhook, type RedisConfig } from '@plexhook/queue';
import { freePort } from '../reliability/harness';
import { RedisClusterSet, RedisNode, SentinelSet } from '../reliability/redis-topologies';

const N = Number(process.env.BENCH_N ?? 2000);
const job = () => ({
  userId: 1,
  receivedAt: new Date().toISOString(),
  payload: { event: 'media.scrobble', Metadata: { title: 'x'.repeat(2000) } },
});

async function measure(name: string, config: RedisConfig) {
  const redis = createRedis(config, 'producer');
  const queue = createWebhookQueue(redis, `bench-${Date.now()}`);
  await new Promise<void>((r) => (redis.status === 'ready' ? r() : redis.once('ready', () => r())));
  for (let i = 0; i < 200; i++) await enqueueWebhook(queue, randomUUID(), job()); // warm up
  const lat: number[] = [];
  for (let i = 0; i < N; i++) {
    const t = process.hrtime.bigint();
    await enqueueWebhook(queue, randomUUID(), job());
    lat.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  lat.sort((a, b) => a - b);
  const started = Date.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next++ < N) await enqueueWebhook(queue, randomUUID(), job());
    }),
  );
  const perSecond = Math.round(N / ((Date.now() - started) / 1000));
  await queue.obliterate({ force: true }).catch(() => undefined);
  await queue.close();
  redis.disconnect();
  const q = (p: number) => (lat[Math.floor(p * (lat.length - 1))] as number).toFixed(2);
  console.log(`| ${name} | ${q(0.5)} | ${q(0.99)} | ${perSecond} |`);
}

async function main() {
  const port = await freePort();
  const one = new RedisNode(port, '/tmp', [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
  ]);
  await one.up();
  const set = await SentinelSet.start('benchmaster');
  const cluster = await RedisClusterSet.start();
  console.log(`${N} enqueues each (2 kB payload), sequential then 16 in flight\n`);
  console.log('| topology | p50 ms | p99 ms | 16 in flight, enqueues/s |\n|---|---:|---:|---:|');
  try {
    await measure('one server', { REDIS_URL: `redis://127.0.0.1:${port}` });
    const sentinel = {
      REDIS_URL: 'redis://127.0.0.1',
      REDIS_SENTINELS: set.list
        .split(',')
        .map((hp) => ({ host: '127.0.0.1', port: Number(hp.split(':')[1]) })),
      REDIS_SENTINEL_NAME: set.name,
    };
    await measure('Sentinel master', { ...sentinel, REDIS_WAIT_REPLICAS: 0 });
    await measure('Sentinel master, REDIS_WAIT_REPLICAS=1', { ...sentinel, REDIS_WAIT_REPLICAS: 1 });
    await measure('Cluster (3 masters)', {
      REDIS_URL: 'redis://127.0.0.1',
      REDIS_CLUSTER_NODES: cluster.list
        .split(',')
        .map((hp) => ({ host: '127.0.0.1', port: Number(hp.split(':')[1]) })),
    });
  } finally {
    await Promise.all([one.kill(), set.destroy(), cluster.destroy()]);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
