import { Writable } from 'node:stream';
import { createUserWithSecret } from '@plexhook/db';
import { createPgPool } from '@plexhook/db/src/lite';
import { createRedis } from '@plexhook/queue';
import pino from 'pino';
import { createTestDb, type TestDb } from '../../../test/helpers/db';
import { type Listening, listen } from '../../../test/helpers/http';
import { buildPlexPayload } from '../../../test/helpers/plex-payload';
import { createTestQueue, TEST_REDIS_URL, type TestQueue } from '../../../test/helpers/redis';
import { waitFor } from '../../../test/helpers/wait';
import { createIngestApp } from './app';
import { IngestConfigSchema } from './config';
import { createIngestMetrics } from './metrics';
import { createSecretLookup } from './secret-cache';

let t: TestDb;
let q: TestQueue;
let server: Listening;
let secret: string;
let userId: number;
const logLines: string[] = [];

beforeAll(async () => {
  [t, q] = await Promise.all([createTestDb('ingest'), createTestQueue('ingest')]);
  const created = await createUserWithSecret(t.db, 'alice');
  secret = created.secret;
  userId = created.id;
  const sink = new Writable({
    write(chunk, _enc, cb) {
      logLines.push(String(chunk));
      cb();
    },
  });
  const config = IngestConfigSchema.parse({ PAYLOAD_MAX_BYTES: '65536', THUMB_MAX_BYTES: '200000' });
  const logger = pino({ level: 'debug', redact: ['req.query.secret', 'secret'] }, sink);
  const app = createIngestApp({
    config,
    pool: t.pool,
    redis: q.redis,
    queue: q.queue,
    logger,
    metrics: createIngestMetrics(),
    lookupSecret: createSecretLookup(t.pool, 30_000),
  });
  server = await listen(app);
});

afterAll(async () => {
  await server.close();
  await Promise.all([t.drop(), q.cleanup()]);
});

const hook = (s: string | null = secret) =>
  `${server.url}/api/plex/webhook${s === null ? '' : `?secret=${encodeURIComponent(s)}`}`;

function multipart(payload: unknown, thumb?: Buffer, extra?: (f: FormData) => void): FormData {
  const form = new FormData();
  if (payload !== undefined)
    form.set('payload', typeof payload === 'string' ? payload : JSON.stringify(payload));
  if (thumb) form.set('thumb', new Blob([new Uint8Array(thumb)], { type: 'image/jpeg' }), 'thumb.jpg');
  extra?.(form);
  return form;
}

async function post(body: FormData | string, url = hook(), headers: Record<string, string> = {}) {
  const res = await fetch(url, { method: 'POST', body, headers });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function expectQueued(
  res: { status: number; body: Record<string, unknown> },
  event = 'media.scrobble',
) {
  expect(res.status).toBe(200);
  expect(res.body).toEqual({ status: 'queued', id: expect.any(String) });
  const job = await q.queue.getJob(res.body.id as string);
  expect(job?.data.userId).toBe(userId);
  expect(job?.data.payload.event).toBe(event);
  expect(Date.parse(job?.data.receivedAt ?? '')).toBeGreaterThan(Date.now() - 60_000);
}

describe('accepted webhooks', () => {
  test('multipart with payload only', async () => {
    await expectQueued(await post(multipart(buildPlexPayload())));
  });

  test('multipart with a thumb JPEG (accepted and dropped)', async () => {
    const res = await post(multipart(buildPlexPayload({ event: 'media.play' }), Buffer.alloc(40_000, 0xff)));
    await expectQueued(res, 'media.play');
    const job = await q.queue.getJob(res.body.id as string);
    expect(JSON.stringify(job?.data)).not.toContain('thumb.jpg');
  });

  test('application/json body', async () => {
    await expectQueued(
      await post(JSON.stringify(buildPlexPayload()), hook(), { 'content-type': 'application/json' }),
    );
  });
});

describe('rejected webhooks', () => {
  test.each([
    ['missing secret', null],
    ['wrong secret', 'not-the-secret'],
    ['empty secret', ''],
  ])('%s -> 401', async (_name, s) => {
    const res = await post(multipart(buildPlexPayload()), hook(s));
    expect(res.status).toBe(401);
    expect(res.body.error).toMatch(/secret/);
  });

  test.each([
    [
      'missing payload field',
      multipart(undefined, undefined, (f) => f.set('other', 'x')),
      /missing "payload"/,
    ],
    ['payload not JSON', multipart('{not json'), /not valid JSON/],
    ['payload a JSON array', multipart('[1,2]'), /JSON object/],
    ['payload without event', multipart({ Metadata: {} }), /no "event"/],
  ])('%s -> 400', async (_name, body, message) => {
    const res = await post(body);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(message);
  });

  test('malformed JSON body -> 400', async () => {
    const res = await post('{"event":', hook(), { 'content-type': 'application/json' });
    expect(res.status).toBe(400);
  });

  test('multipart other than form-data -> 400, not 500', async () => {
    const res = await post('--b\r\n\r\nx\r\n--b--\r\n', hook(), {
      'content-type': 'multipart/mixed; boundary=b',
    });
    expect(res.status).toBe(400);
  });

  test('unsupported content type -> 400', async () => {
    const res = await post('event=media.play', hook(), { 'content-type': 'text/plain' });
    expect(res.status).toBe(400);
  });

  test('oversized payload field -> 413', async () => {
    const big = buildPlexPayload({ Metadata: { summary: 'x'.repeat(70_000) } });
    const res = await post(multipart(big));
    expect(res.status).toBe(413);
  });

  test('oversized JSON body -> 413', async () => {
    const big = buildPlexPayload({ Metadata: { summary: 'x'.repeat(70_000) } });
    const res = await post(JSON.stringify(big), hook(), { 'content-type': 'application/json' });
    expect(res.status).toBe(413);
  });

  test('oversized thumb -> 413', async () => {
    const res = await post(multipart(buildPlexPayload(), Buffer.alloc(300_000, 1)));
    expect(res.status).toBe(413);
  });

  test('a second file field -> 400', async () => {
    const form = multipart(buildPlexPayload(), Buffer.alloc(10, 1), (f) =>
      f.append('thumb', new Blob([new Uint8Array(10)]), 'second.jpg'),
    );
    expect((await post(form)).status).toBe(400);
    const other = multipart(buildPlexPayload(), undefined, (f) =>
      f.set('poster', new Blob([new Uint8Array(10)]), 'poster.jpg'),
    );
    expect((await post(other)).status).toBe(400);
  });
});

describe('payload sanitising (clean payloads are queued as parsed, the others sanitised)', () => {
  async function queuedPayload(res: { status: number; body: Record<string, unknown> }) {
    expect(res.status).toBe(200);
    return (await q.queue.getJob(res.body.id as string))?.data.payload as Record<string, unknown>;
  }
  const json = (text: string) => post(text, hook(), { 'content-type': 'application/json' });

  test('a clean payload is queued exactly as sent, escapes included', async () => {
    const payload = {
      ...buildPlexPayload(),
      note: 'line\nbreak "quoted" \\ 💥 Pokémon \u00e9',
      toString: 'a key Object.prototype also has',
    };
    const text = JSON.stringify(payload).replace('Pok\u00e9mon', 'Pok\\u00e9mon');
    expect(text).toContain('Pok\\u00e9mon');
    expect(await queuedPayload(await post(multipart(text)))).toEqual(JSON.parse(text));
  });

  test.each([
    [
      'NUL escaped in a value',
      '{"event":"media.play","a":"x\\u0000y"}',
      { event: 'media.play', a: 'x\uFFFDy' },
    ],
    ['NUL escaped in a key', '{"event":"media.play","k\\u0000":1}', { event: 'media.play', 'k\uFFFD': 1 }],
    ['lone surrogate', '{"event":"media.play","a":["\\ud800"]}', { event: 'media.play', a: ['\uFFFD'] }],
    [
      '__proto__ written with an escape',
      '{"event":"media.play","\\u005f_proto__":{"x":1}}',
      { event: 'media.play' },
    ],
    [
      'constructor deep down',
      '{"event":"media.play","a":[{"constructor":{"prototype":1},"b":2}]}',
      { event: 'media.play', a: [{ b: 2 }] },
    ],
  ])('%s: sanitised, through multipart and JSON alike', async (_name, text, expected) => {
    expect(await queuedPayload(await post(multipart(text)))).toEqual(expected);
    expect(await queuedPayload(await json(text))).toEqual(expected);
  });

  test('a lone surrogate without any escape (a utf-16le part) is sanitised too', async () => {
    // busboy decodes a part with its own charset: raw text can then hold a lone surrogate that
    // no `\u` escape announced, so the check has to look at the parsed strings, not the text.
    const json = '{"event":"media.play","a":"x\ud800y"}';
    const body = Buffer.concat([
      Buffer.from(
        '--b\r\nContent-Disposition: form-data; name="payload"\r\nContent-Type: text/plain; charset=utf-16le\r\n\r\n',
      ),
      Buffer.from(json, 'utf16le'),
      Buffer.from('\r\n--b--\r\n'),
    ]);
    const res = await fetch(hook(), {
      method: 'POST',
      body,
      headers: { 'content-type': 'multipart/form-data; boundary=b' },
    });
    const queued = await queuedPayload({
      status: res.status,
      body: (await res.json()) as Record<string, unknown>,
    });
    expect(queued).toEqual({ event: 'media.play', a: 'x\uFFFDy' });
  });

  test('an event that needed sanitising is still an event', async () => {
    const res = await post(multipart('{"event":"media.\\u0000play"}'));
    expect((await queuedPayload(res)).event).toBe('media.\uFFFDplay');
  });

  test('32 levels are accepted, 33 are not (400), multipart and JSON', async () => {
    const nested = (levels: number) =>
      `{"event":"media.play","d":${'['.repeat(levels - 1)}1${']'.repeat(levels - 1)}}`;
    expect((await post(multipart(nested(32)))).status).toBe(200);
    expect((await json(nested(32))).status).toBe(200);
    for (const res of [await post(multipart(nested(33))), await json(nested(33))]) {
      expect(res.status).toBe(400);
      expect(res.body.error).toMatch(/deeper than 32/);
    }
  });
});

test('health, readiness and metrics', async () => {
  expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  const ready = await fetch(`${server.url}/readyz`);
  expect(ready.status).toBe(200);
  expect(await ready.json()).toEqual({ status: 'ready', redis: 'ok', database: 'ok' });
  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  expect(metrics).toMatch(/plexhook_ingest_webhook_requests_total\{status="200"\} \d+/);
  expect(metrics).toMatch(/plexhook_ingest_webhook_requests_total\{status="401"\} \d+/);
  expect(metrics).toContain('plexhook_ingest_enqueue_seconds_bucket');
});

test('no log line contains the secret', async () => {
  await post(multipart(buildPlexPayload()));
  await post('{"event":', hook(), { 'content-type': 'application/json' });
  expect(logLines.length).toBeGreaterThan(5);
  for (const line of logLines) expect(line).not.toContain(secret);
  expect(logLines.join('\n')).toContain('/api/plex/webhook');
});

test('/healthz is 503 once the Redis client has ended (it never reconnects), 200 while it reconnects', async () => {
  const redis = createRedis(TEST_REDIS_URL, 'producer');
  const app = createIngestApp({
    config: IngestConfigSchema.parse({}),
    pool: t.pool,
    redis,
    queue: q.queue,
    logger: pino({ level: 'silent' }),
    metrics: createIngestMetrics(),
    lookupSecret: createSecretLookup(t.pool, 30_000),
  });
  const other = await listen(app);
  try {
    await waitFor(async () => redis.status === 'ready' || null, 5_000);
    expect((await fetch(`${other.url}/healthz`)).status).toBe(200);
    // Dropped, but ioredis reconnects: an outage, which the spool covers.
    redis.disconnect(true);
    expect((await fetch(`${other.url}/healthz`)).status).toBe(200);
    await waitFor(async () => redis.status === 'ready' || null, 5_000);
    // Closed for good (as ioredis ends a client it gives up on).
    redis.disconnect();
    await waitFor(async () => redis.status === 'end' || null, 5_000);
    const res = await fetch(`${other.url}/healthz`);
    expect(res.status).toBe(503);
    expect(((await res.json()) as { status: string }).status).toMatch(/redis client ended/);
  } finally {
    redis.disconnect();
    await other.close();
  }
});

test('database unreachable and the secret not cached: 503 with a reason, not a 500', async () => {
  const deadPool = createPgPool('postgresql://postgres@127.0.0.1:1/none', { connectionTimeoutMillis: 500 });
  const app = createIngestApp({
    config: IngestConfigSchema.parse({}),
    pool: deadPool,
    redis: q.redis,
    queue: q.queue,
    logger: pino({ level: 'silent' }),
    metrics: createIngestMetrics(),
    lookupSecret: createSecretLookup(deadPool, 30_000),
  });
  const other = await listen(app);
  try {
    const form = new FormData();
    form.set('payload', JSON.stringify(buildPlexPayload()));
    const res = await fetch(`${other.url}/api/plex/webhook?secret=${secret}`, { method: 'POST', body: form });
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: string }).error).toMatch(/cannot check the secret/);
  } finally {
    await other.close();
    await deadPool.end();
  }
});
