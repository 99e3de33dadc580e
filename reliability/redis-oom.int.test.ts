// Redis at maxmemory (noeviction) under a running worker: the worker backs off instead of
// spinning, logs a bounded number of lines, says so on /readyz and /metrics, and processes the
// queue by itself once memory is free again.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createUserWithSecret } from '@plexhook/db';
import { createRedis, createWebhookQueue, enqueueWebhook, type WebhookQueue } from '@plexhook/queue';
import type { Redis } from 'ioredis';
import { createTestDb, type TestDb } from '../test/helpers/db';
import { type AppProcess, spawnApp } from '../test/helpers/processes';
import { waitFor } from '../test/helpers/wait';
import { freePort, recordResult } from './harness';
import { scrobble, seedMappedShows, tally } from './seed';

let t: TestDb;
let server: ChildProcess | undefined;
let dir: string;
let redis: Redis | undefined;
let queue: WebhookQueue | undefined;
let worker: AppProcess | undefined;

beforeAll(async () => {
  t = await createTestDb('redisoom');
  dir = await mkdtemp(join(tmpdir(), 'plexhook-redis-oom-'));
});
afterAll(async () => {
  await worker?.stop();
  await queue?.close().catch(() => undefined);
  redis?.disconnect();
  server?.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
  await t.drop();
});

const errorLines = (out: string) => out.split('\n').filter((l) => l.includes('"level":50')).length;

test('Redis at maxmemory: bounded log lines, /readyz 503, metric set, recovers when memory frees', async () => {
  const N = 200;
  const port = await freePort();
  server = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--maxmemory',
      '2mb',
      '--maxmemory-policy',
      'noeviction',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
    ],
    { stdio: 'ignore' },
  );
  const url = `redis://127.0.0.1:${port}`;
  redis = createRedis(url, 'worker');
  await waitFor(async () => (await redis?.ping()) === 'PONG', 10_000);
  const prefix = 'oom';
  queue = createWebhookQueue(redis, prefix);

  const user = await createUserWithSecret(t.db, 'oom');
  await seedMappedShows(t.db, user.id, 20, Math.ceil(N / 20));
  const accepted: string[] = [];
  for (let i = 0; i < N; i++) {
    const id = randomUUID();
    await enqueueWebhook(queue, id, {
      userId: user.id,
      receivedAt: new Date().toISOString(),
      payload: scrobble(i, 20),
    });
    accepted.push(id);
  }
  // Fill the rest of memory with ballast until Redis refuses writes.
  const ballast = 'x'.repeat(10_000);
  let filled = 0;
  for (;;) {
    try {
      await redis.set(`ballast:${filled}`, ballast);
      filled++;
    } catch (err) {
      if (/OOM/.test(String(err))) break;
      throw err;
    }
  }

  worker = spawnApp('worker', {
    DATABASE_URL: t.url,
    REDIS_URL: url,
    QUEUE_PREFIX: prefix,
    WORKER_METRICS_PORT: '0',
    WORKER_CONCURRENCY: '8',
    WORKER_REDIS_BACKOFF_MAX_MS: '2000',
    WORKER_ERROR_LOG_INTERVAL_MS: '5000',
  });
  const metricsPort = await waitFor(
    async () => /"metricsPort":(\d+)[^\n]*worker started/.exec(worker?.output() ?? '')?.[1],
    30_000,
  );
  const base = `http://127.0.0.1:${metricsPort}`;
  const WINDOW_MS = 15_000;
  const windowStart = Date.now();
  const before = worker.output().length;
  // /readyz is also 503 while the worker is still starting: wait for the OOM gauge itself.
  await waitFor(
    async () => /^plexhook_worker_redis_oom 1$/m.test(await (await fetch(`${base}/metrics`)).text()),
    20_000,
  );
  expect((await fetch(`${base}/readyz`)).status).toBe(503);
  await new Promise((r) => setTimeout(r, WINDOW_MS - (Date.now() - windowStart)));
  const lines = errorLines(worker.output().slice(before));
  const allLines = worker.output().slice(before).split('\n').length;
  const processedDuringOom = await t.db.plexWebhookLog.count();
  // One line per 5 s interval, plus the first: a handful, never thousands.
  expect(lines).toBeLessThanOrEqual(Math.ceil(WINDOW_MS / 5_000) + 2);
  expect(lines).toBeGreaterThan(0);

  // Memory frees: the operator raises the limit (deleting the ballast alone may not bring the
  // queue under 2 MB; FLUSHALL would take the queue with it).
  const memory = /used_memory:(\d+)/.exec(await redis.info('memory'))?.[1];
  const freedAt = Date.now();
  await redis.config('SET', 'maxmemory', '64mb');
  await waitFor(async () => (await t.db.plexWebhookLog.count()) >= N, 60_000);
  const recoveryMs = Date.now() - freedAt;
  await waitFor(async () => (await fetch(`${base}/readyz`)).status === 200, 20_000);
  expect(await (await fetch(`${base}/metrics`)).text()).toMatch(/^plexhook_worker_redis_oom 0$/m);
  const r = await tally(t.db, user.id, accepted);
  await recordResult('redis-oom', {
    fault: 'Redis at maxmemory (2 MB, noeviction) under a running worker, then memory freed',
    sent: N,
    accepted: N,
    ...r,
    notes: `${filled} ballast keys filled Redis to ${memory} bytes; ${lines} error lines (${allLines} lines in all) in ${WINDOW_MS / 1000} s at maxmemory; ${processedDuringOom} jobs processed meanwhile; all ${N} processed ${Math.round(recoveryMs / 100) / 10} s after memory was freed`,
  });
  expect(r.lost).toBe(0);
  expect(r.marked).toBe(N);
  expect(r.doubleMarked).toBe(0);
}, 120_000);
