import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createUserWithSecret } from '@plexhook/db';
import { createRedis, createWebhookQueue, enqueueWebhook } from '@plexhook/queue';
import pino from 'pino';
import { createTestDb, type TestDb } from '../../../test/helpers/db';
import { type Listening, listen } from '../../../test/helpers/http';
import { buildPlexPayload } from '../../../test/helpers/plex-payload';
import { createTestQueue, type TestQueue } from '../../../test/helpers/redis';
import { createIngestApp } from './app';
import { IngestConfigSchema } from './config';
import { createIngestMetrics } from './metrics';
import { createSecretLookup } from './secret-cache';
import { Spool, SpoolFullError } from './spool';

const logger = pino({ level: 'silent' });
let dir: string;
let q: TestQueue;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'plexhook-spool-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));
beforeAll(async () => {
  q = await createTestQueue('spool');
});
afterAll(() => q.cleanup());

const job = (n: number) => ({
  jobId: `spool-job-${n}`,
  job: { userId: 1, receivedAt: new Date().toISOString(), payload: { event: 'media.scrobble', n } },
});

test('concurrent appends are all durable, then drained once, oldest first', async () => {
  const spool = new Spool(dir, 10_000_000);
  await spool.init();
  await Promise.all(Array.from({ length: 50 }, (_, i) => spool.append(job(i))));
  expect(spool.size).toBeGreaterThan(0);

  // A restarted process finds the same entries on disk.
  const restarted = new Spool(dir, 10_000_000);
  await restarted.init();
  expect(restarted.size).toBe(spool.size);
  await spool.close();

  const seen: string[] = [];
  const drained = await restarted.drain(async (e) => {
    seen.push(e.jobId);
    await enqueueWebhook(q.queue, e.jobId, e.job);
  });
  expect(drained).toBe(50);
  expect(new Set(seen).size).toBe(50);
  expect(restarted.size).toBe(0);
  expect(await readdir(dir)).toEqual([]);
  expect(await q.queue.getJob('spool-job-0')).toBeTruthy();
});

test('a drain that fails midway keeps the file; the retry enqueues each job id once', async () => {
  const spool = new Spool(dir, 10_000_000);
  await spool.init();
  for (let i = 100; i < 110; i++) await spool.append(job(i));
  let calls = 0;
  await expect(
    spool.drain(async (e) => {
      if (++calls === 6) throw new Error('redis went away');
      await enqueueWebhook(q.queue, e.jobId, e.job);
    }),
  ).rejects.toThrow('redis went away');
  expect(spool.size).toBeGreaterThan(0);
  await spool.drain((e) => enqueueWebhook(q.queue, e.jobId, e.job));
  const ids = (await q.queue.getJobs(['waiting']))
    .map((j) => j.id)
    .filter((id) => /^spool-job-1\d\d$/.test(id ?? ''));
  expect(ids.sort()).toEqual(Array.from({ length: 10 }, (_, i) => `spool-job-${100 + i}`));
});

test('a torn last line (crash mid-write) is skipped, the rest drains', async () => {
  await writeFile(
    join(dir, 'spool-1-000000.ndjson'),
    `${JSON.stringify(job(200))}\n${JSON.stringify(job(201)).slice(0, 20)}`,
  );
  const spool = new Spool(dir, 10_000_000);
  await spool.init();
  const seen: string[] = [];
  expect(await spool.drain(async (e) => void seen.push(e.jobId))).toBe(1);
  expect(seen).toEqual(['spool-job-200']);
});

test('a full spool refuses', async () => {
  const oneLine = Buffer.byteLength(`${JSON.stringify(job(1))}\n`);
  const spool = new Spool(dir, oneLine + 10);
  await spool.init();
  await spool.append(job(1));
  await expect(spool.append(job(2))).rejects.toBeInstanceOf(SpoolFullError);
  await spool.close();
});

describe('ingest while Redis is unreachable', () => {
  let t: TestDb;
  let server: Listening;
  let secret: string;
  let spool: Spool;
  const deadRedis = createRedis('redis://127.0.0.1:1', 'producer');
  const deadQueue = createWebhookQueue(deadRedis, 'dead');
  deadQueue.on('error', () => undefined); // expected: nothing listens on port 1

  beforeAll(async () => {
    t = await createTestDb('spoolingest');
    secret = (await createUserWithSecret(t.db, 'alice')).secret;
  });
  afterAll(async () => {
    await server?.close();
    await deadQueue.close().catch(() => undefined);
    deadRedis.disconnect();
    await t.drop();
  });

  test('answers 200 from the spool, 503 once the spool is full too, and drains exactly once', async () => {
    spool = new Spool(dir, 10_000);
    await spool.init();
    const config = IngestConfigSchema.parse({ ENQUEUE_TIMEOUT_MS: '100' });
    const app = createIngestApp({
      config,
      pool: t.pool,
      redis: deadRedis,
      queue: deadQueue,
      logger,
      metrics: createIngestMetrics(),
      lookupSecret: createSecretLookup(t.pool, 30_000),
      spool,
    });
    server = await listen(app);
    const send = async () => {
      const form = new FormData();
      form.set('payload', JSON.stringify(buildPlexPayload()));
      const res = await fetch(`${server.url}/api/plex/webhook?secret=${secret}`, {
        method: 'POST',
        body: form,
      });
      return {
        status: res.status,
        body: (await res.json()) as { id?: string; spooled?: boolean; error?: string },
      };
    };
    const accepted: string[] = [];
    let refused = 0;
    for (let i = 0; i < 15; i++) {
      const r = await send();
      if (r.status === 200) {
        expect(r.body.spooled).toBe(true);
        accepted.push(r.body.id as string);
      } else {
        if (r.status !== 503) throw new Error(`unexpected ${r.status}: ${JSON.stringify(r.body)}`);
        expect(r.body.error).toMatch(/spool full/);
        refused++;
      }
    }
    if (accepted.length === 0)
      throw new Error(`nothing accepted; last refusal: ${JSON.stringify(await send())}`);
    expect(refused).toBeGreaterThan(0);

    // Redis is back (the live test queue): every accepted webhook reaches the queue once.
    const drained = await spool.drain((e) => enqueueWebhook(q.queue, e.jobId, e.job));
    expect(drained).toBe(accepted.length);
    for (const id of accepted) expect((await q.queue.getJob(id))?.data.payload.event).toBe('media.scrobble');
    expect(await spool.drain((e) => enqueueWebhook(q.queue, e.jobId, e.job))).toBe(0);
  });

  test('Jellyfin and Emby webhooks are spooled with their source and drained as such', async () => {
    const own = new Spool(dir, 1_000_000);
    await own.init();
    const app = createIngestApp({
      config: IngestConfigSchema.parse({ ENQUEUE_TIMEOUT_MS: '100' }),
      pool: t.pool,
      redis: deadRedis,
      queue: deadQueue,
      logger,
      metrics: createIngestMetrics(),
      lookupSecret: createSecretLookup(t.pool, 30_000),
      spool: own,
    });
    const ingest = await listen(app);
    try {
      const jf = await fetch(`${ingest.url}/api/jellyfin/webhook?secret=${secret}`, {
        method: 'POST',
        body: JSON.stringify({ NotificationType: 'PlaybackStop', ItemType: 'Movie', ItemId: 'abc' }),
        headers: { 'content-type': 'text/plain' },
      });
      const form = new FormData();
      form.set('data', JSON.stringify({ Event: 'playback.stop', Item: { Type: 'Movie', Id: '1' } }));
      const emby = await fetch(`${ingest.url}/api/emby/webhook?secret=${secret}`, {
        method: 'POST',
        body: form,
      });
      const ids: Record<string, string> = {};
      for (const [source, res] of [
        ['jellyfin', jf],
        ['emby', emby],
      ] as const) {
        expect(res.status).toBe(200);
        const body = (await res.json()) as { id: string; spooled?: boolean };
        expect(body.spooled).toBe(true);
        ids[source] = body.id;
      }
      expect(await own.drain((e) => enqueueWebhook(q.queue, e.jobId, e.job))).toBe(2);
      expect((await q.queue.getJob(ids.jellyfin!))?.data).toMatchObject({ source: 'jellyfin' });
      expect((await q.queue.getJob(ids.emby!))?.data).toMatchObject({
        source: 'emby',
        payload: { Event: 'playback.stop' },
      });
    } finally {
      await ingest.close();
    }
  });
});

describe('hostile input', () => {
  let t: TestDb;
  let server: Listening;
  let secret: string;
  const redis = createRedis('redis://127.0.0.1:6379', 'producer');
  beforeAll(async () => {
    t = await createTestDb('hostile');
    secret = (await createUserWithSecret(t.db, 'alice')).secret;
    const app = createIngestApp({
      config: IngestConfigSchema.parse({ AUTH_FAILURES_PER_MINUTE: '5' }),
      pool: t.pool,
      redis,
      queue: q.queue,
      logger,
      metrics: createIngestMetrics(),
      lookupSecret: createSecretLookup(t.pool, 30_000),
    });
    server = await listen(app);
  });
  afterAll(async () => {
    await server.close();
    redis.disconnect();
    await t.drop();
  });

  test('__proto__ and constructor keys are dropped before the payload is queued', async () => {
    const body = `{"event":"media.scrobble","__proto__":{"polluted":true},"Metadata":{"constructor":{"prototype":{"x":1}},"type":"episode","ratingKey":"1"}}`;
    const res = await fetch(`${server.url}/api/plex/webhook?secret=${secret}`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(200);
    const { id } = (await res.json()) as { id: string };
    const queued = await q.queue.getJob(id);
    expect(Object.keys(queued?.data.payload ?? {})).toEqual(['event', 'Metadata']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(queued?.data.payload.Metadata as object)).toEqual(['type', 'ratingKey']);
  });

  test('valid webhooks are never limited, however many are in flight at once', async () => {
    const statuses = await Promise.all(
      Array.from({ length: 40 }, async () => {
        const res = await fetch(`${server.url}/api/plex/webhook?secret=${secret}`, {
          method: 'POST',
          body: JSON.stringify({ event: 'media.play' }),
          headers: { 'content-type': 'application/json' },
        });
        return res.status;
      }),
    );
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
  });

  test('failed authentications are rate limited per IP (429), with headers', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      const res = await fetch(`${server.url}/api/plex/webhook?secret=wrong-${i}`, { method: 'POST' });
      statuses.push(res.status);
    }
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.slice(5)).toEqual([429, 429, 429]);
    // A blocked client is told when to come back, but only for secrets it does not know: the
    // right secret from the same address is still accepted (hardening-int tests the 31st).
    const blocked = await fetch(`${server.url}/api/plex/webhook?secret=wrong-again`, { method: 'POST' });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    const valid = await fetch(`${server.url}/api/plex/webhook?secret=${secret}`, {
      method: 'POST',
      body: JSON.stringify({ event: 'media.play' }),
      headers: { 'content-type': 'application/json' },
    });
    expect(valid.status).toBe(200);
  });

  test('security headers are set', async () => {
    const res = await fetch(`${server.url}/healthz`);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-powered-by')).toBeNull();
  });
});
