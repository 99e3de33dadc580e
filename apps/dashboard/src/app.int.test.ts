import { buildPlexPayload } from '@plexhook/core';
import { createUserWithSecret, hashSecret, type Prisma } from '@plexhook/db';
import pino from 'pino';
import { createTestDb, type TestDb } from '../../../test/helpers/db';
import { type Listening, listen } from '../../../test/helpers/http';
import { createTestQueue, type TestQueue } from '../../../test/helpers/redis';
import { createIngestApp } from '../../ingest/src/app';
import { IngestConfigSchema } from '../../ingest/src/config';
import { createIngestMetrics } from '../../ingest/src/metrics';
import { createSecretLookup } from '../../ingest/src/secret-cache';
import { createDashboardApp } from './app';
import { runCatalogImport } from './services/catalog-import';
import { DEMO_CATALOG_PATH } from './services/demo';
import { replayHeldWebhooks } from './services/resolve-conflict';

const TOKEN = 'test-admin-token-0123456789abcdef';
const PUBLIC_URL = 'https://hooks.example.test';
const logger = pino({ level: 'silent' });

let t: TestDb;
let q: TestQueue;
let server: Listening;
let userId: number;
let icarly2007: number;
let icarly2021: number;
let catalog: unknown;

beforeAll(async () => {
  [t, q] = await Promise.all([createTestDb('dashboard'), createTestQueue('dashboard')]);
  catalog = JSON.parse(await (await import('node:fs/promises')).readFile(DEMO_CATALOG_PATH, 'utf8'));
  await runCatalogImport(t.db, catalog);
  userId = (await createUserWithSecret(t.db, 'alice')).id;
  icarly2007 = (await t.db.tvShow.findUniqueOrThrow({ where: { tmdbId: 5371 } })).id;
  icarly2021 = (await t.db.tvShow.findUniqueOrThrow({ where: { tmdbId: 119243 } })).id;
  const app = createDashboardApp({
    db: t.db,
    redis: q.redis,
    queue: q.queue,
    logger,
    config: { ADMIN_TOKEN: TOKEN, PUBLIC_WEBHOOK_URL: PUBLIC_URL },
  });
  server = await listen(app);
});

afterAll(async () => {
  await server.close();
  await Promise.all([t.drop(), q.cleanup()]);
});

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field
type Res = { status: number; body: any; headers: Headers };

async function api(method: string, path: string, body?: unknown, token: string | null = TOKEN): Promise<Res> {
  const headers: Record<string, string> = {};
  if (token !== null) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
}

let ratingKeySeq = 5000;

/** A conflict as the worker leaves it: ranked candidates and `held` scrobbles waiting on it. */
async function seedConflict(opts: { held?: number; user?: number; title?: string } = {}) {
  const user = opts.user ?? userId;
  const ratingKey = String(ratingKeySeq++);
  const conflict = await t.db.plexConflict.create({
    data: {
      userId: user,
      plexRatingKey: ratingKey,
      plexGuid: 'plex://show/5d9c086c46115600200aa2fe',
      plexTitle: opts.title ?? 'iCarly',
      plexYear: 2021,
      conflictType: 'multiple_matches',
      potentialMatches: [
        { tvshowId: icarly2021, title: 'iCarly', year: 2021, confidence: 1, titleScore: 1, evidence: [] },
        { tvshowId: icarly2007, title: 'iCarly', year: 2007, confidence: 0.57, titleScore: 1, evidence: [] },
      ] as Prisma.InputJsonValue,
    },
  });
  const logs = [];
  for (let i = 0; i < (opts.held ?? 2); i++) {
    const payload = buildPlexPayload({
      Metadata: { grandparentRatingKey: ratingKey, index: i + 1, ratingKey: `${ratingKey}-${i}` },
    });
    logs.push(
      await t.db.plexWebhookLog.create({
        data: {
          userId: user,
          jobId: `job-${ratingKey}-${i}`,
          eventType: 'media.scrobble',
          plexRatingKey: ratingKey,
          plexTitle: 'iCarly',
          payload: payload as Prisma.InputJsonValue,
          status: 'success',
          actionTaken: i === 0 ? 'conflict_created' : 'conflict_pending',
          conflictId: conflict.id,
          receivedAt: new Date(Date.now() - (10 - i) * 60_000),
        },
      }),
    );
  }
  return { conflict, logs, ratingKey };
}

describe('auth', () => {
  const routes: [string, string][] = [
    ['GET', '/api/conflicts'],
    ['GET', '/api/conflicts/1'],
    ['POST', '/api/conflicts/1/resolve'],
    ['GET', '/api/mappings'],
    ['DELETE', '/api/mappings/1'],
    ['GET', '/api/webhook-logs'],
    ['GET', '/api/stats'],
    ['POST', '/api/users'],
    ['POST', '/api/users/1/rotate-secret'],
    ['PATCH', '/api/users/1/plex-config'],
    ['POST', '/api/catalog/import'],
  ];
  test.each(routes)('%s %s -> 401 without or with a wrong token', async (method, path) => {
    for (const token of [null, 'wrong-token', `${TOKEN}x`, '']) {
      const res = await api(method, path, method === 'GET' || method === 'DELETE' ? undefined : {}, token);
      expect(res.status).toBe(401);
      expect(res.body.error).toMatch(/admin token/);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    }
  });

  test('the API does not take basic auth', async () => {
    const basic = Buffer.from(`admin:${TOKEN}`).toString('base64');
    const res = await fetch(`${server.url}/api/stats`, { headers: { authorization: `Basic ${basic}` } });
    expect(res.status).toBe(401);
  });

  test('/healthz needs no token', async () => {
    expect((await api('GET', '/healthz', undefined, null)).status).toBe(200);
  });

  test('Bull Board: 401 with a basic-auth challenge, then basic auth (any user) or bearer', async () => {
    const none = await fetch(`${server.url}/admin/queues`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
    const wrong = await fetch(`${server.url}/admin/queues`, {
      headers: { authorization: `Basic ${Buffer.from('admin:nope').toString('base64')}` },
    });
    expect(wrong.status).toBe(401);
    for (const user of ['admin', 'anyone', '']) {
      const ok = await fetch(`${server.url}/admin/queues`, {
        headers: { authorization: `Basic ${Buffer.from(`${user}:${TOKEN}`).toString('base64')}` },
      });
      expect(ok.status).toBe(200);
      expect(await ok.text()).toContain('<html');
      expect(ok.headers.get('content-security-policy')).not.toContain('upgrade-insecure-requests');
    }
    const queues = await fetch(`${server.url}/admin/queues/api/queues`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(queues.status).toBe(200);
    expect(JSON.stringify(await queues.json())).toContain('plex-webhooks');
    const apiNoAuth = await fetch(`${server.url}/admin/queues/api/queues`);
    expect(apiNoAuth.status).toBe(401);
  });

  test('unknown routes -> 404 JSON', async () => {
    expect((await api('GET', '/api/nope')).status).toBe(404);
  });
});

describe('conflicts', () => {
  test('list open conflicts with their held scrobble counts, and get one', async () => {
    const { conflict } = await seedConflict({ held: 3 });
    const list = await api('GET', '/api/conflicts?resolved=false');
    expect(list.status).toBe(200);
    const row = list.body.items.find((c: { id: number }) => c.id === conflict.id);
    expect(row).toMatchObject({ plexTitle: 'iCarly', heldWebhooks: 3, resolved: false });
    expect(row.potentialMatches.map((m: { tvshowId: number }) => m.tvshowId)).toEqual([
      icarly2021,
      icarly2007,
    ]);
    const one = await api('GET', `/api/conflicts/${conflict.id}`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ id: conflict.id, heldWebhooks: 3 });
  });

  test('404 for an unknown id, 400 for a malformed one or query', async () => {
    expect((await api('GET', '/api/conflicts/999999')).status).toBe(404);
    expect((await api('POST', '/api/conflicts/999999/resolve', { action: 'ignored' })).status).toBe(404);
    const bad = await api('GET', '/api/conflicts/abc');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/^id: /);
    expect((await api('GET', '/api/conflicts?resolved=maybe')).status).toBe(400);
  });
});

async function expectReplayed(
  logs: { id: number; userId: number | null; receivedAt: Date; payload: unknown }[],
) {
  for (const log of logs) {
    const job = await q.queue.getJob(`replay-${log.id}`);
    expect(job?.name).toBe('plex-webhook');
    expect(job?.data).toEqual({
      userId: log.userId,
      receivedAt: log.receivedAt.toISOString(),
      payload: log.payload,
      replayOfLogId: log.id,
    });
    const row = await t.db.plexWebhookLog.findUniqueOrThrow({ where: { id: log.id } });
    expect(row.actionTaken).toBe('replayed');
  }
}

describe('resolving', () => {
  test.each(['user_selected', 'selected'])(
    '%s: mapping, conflict row, replayed scrobbles',
    async (action) => {
      const { conflict, logs, ratingKey } = await seedConflict({ held: 2 });
      const res = await api('POST', `/api/conflicts/${conflict.id}/resolve`, {
        action,
        tvshowId: icarly2021,
      });
      expect(res.status).toBe(200);
      expect(res.body.replayed).toBe(2);
      expect(res.body.conflict).toMatchObject({
        id: conflict.id,
        resolved: true,
        resolutionAction: 'user_selected',
        resolvedTvshowId: icarly2021,
        heldWebhooks: 0,
      });
      expect(res.body.conflict.resolvedAt).toEqual(expect.any(String));
      const mapping = await t.db.plexShowMapping.findUniqueOrThrow({
        where: { userId_plexRatingKey: { userId, plexRatingKey: ratingKey } },
      });
      expect(mapping).toMatchObject({
        id: res.body.mapping.id,
        tvshowId: icarly2021,
        matchMethod: 'manual',
        matchConfidence: 1,
        syncEnabled: true,
        plexTitle: 'iCarly',
        plexYear: 2021,
        plexGuid: 'plex://show/5d9c086c46115600200aa2fe',
      });
      await expectReplayed(logs);

      // A second resolution is refused; a second replay finds nothing held and enqueues nothing.
      const again = await api('POST', `/api/conflicts/${conflict.id}/resolve`, { action: 'ignored' });
      expect(again.status).toBe(409);
      expect(again.body.error).toMatch(/already resolved/);
      const before = await q.queue.getJobCounts();
      expect(await replayHeldWebhooks({ db: t.db, queue: q.queue, logger }, conflict.id)).toMatchObject({
        replayed: 0,
      });
      expect(await q.queue.getJobCounts()).toEqual(before);
    },
  );

  test('an existing mapping (same user and rating key) is replaced, not duplicated', async () => {
    const { conflict, ratingKey } = await seedConflict({ held: 1 });
    await t.db.plexShowMapping.create({
      data: {
        userId,
        plexRatingKey: ratingKey,
        plexTitle: 'iCarly',
        tvshowId: icarly2007,
        matchMethod: 'title_year',
        matchConfidence: 0.9,
      },
    });
    const res = await api('POST', `/api/conflicts/${conflict.id}/resolve`, {
      action: 'user_selected',
      tvshowId: icarly2021,
    });
    expect(res.status).toBe(200);
    const rows = await t.db.plexShowMapping.findMany({ where: { userId, plexRatingKey: ratingKey } });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ tvshowId: icarly2021, matchMethod: 'manual' });
  });

  test.each(['user_created_new', 'create_new'])(
    '%s creates the show first (via the catalogue import)',
    async (action) => {
      const title = `My Home Videos ${action}`;
      const { conflict, logs, ratingKey } = await seedConflict({ held: 1, title });
      const res = await api('POST', `/api/conflicts/${conflict.id}/resolve`, {
        action,
        show: {
          title,
          firstAired: '2020-02-03',
          seasons: [{ number: 1, episodes: [{ number: 1, title: 'Beach', airDate: '2020-02-03' }] }],
        },
      });
      expect(res.status).toBe(200);
      const show = await t.db.tvShow.findFirstOrThrow({ where: { title }, include: { episodes: true } });
      expect(show.normalizedTitle).toBe(`my home videos ${action.replace('_', ' ').replace('_', ' ')}`);
      expect(show.showStartDate?.toISOString().slice(0, 10)).toBe('2020-02-03');
      expect(show.episodes).toHaveLength(1);
      expect(res.body.conflict).toMatchObject({
        resolutionAction: 'user_created_new',
        resolvedTvshowId: show.id,
      });
      const mapping = await t.db.plexShowMapping.findUniqueOrThrow({
        where: { userId_plexRatingKey: { userId, plexRatingKey: ratingKey } },
      });
      expect(mapping).toMatchObject({ tvshowId: show.id, matchMethod: 'manual', syncEnabled: true });
      expect(res.body.replayed).toBe(1);
      await expectReplayed(logs);
    },
  );

  test('create_new with the tmdb id of a catalogue show reuses that show', async () => {
    const { conflict } = await seedConflict({ held: 0 });
    const before = await t.db.tvShow.count();
    const res = await api('POST', `/api/conflicts/${conflict.id}/resolve`, {
      action: 'create_new',
      show: { title: 'iCarly', firstAired: '2021-06-17', tmdbId: 119243 },
    });
    expect(res.status).toBe(200);
    expect(res.body.mapping.tvshowId).toBe(icarly2021);
    expect(await t.db.tvShow.count()).toBe(before);
  });

  test('ignored: a mapping to no show, sync off, held scrobbles ignored and not replayed', async () => {
    const { conflict, logs, ratingKey } = await seedConflict({ held: 2 });
    const res = await api('POST', `/api/conflicts/${conflict.id}/resolve`, { action: 'ignored' });
    expect(res.status).toBe(200);
    expect(res.body.replayed).toBe(0);
    expect(res.body.conflict).toMatchObject({ resolutionAction: 'ignored', resolvedTvshowId: null });
    const mapping = await t.db.plexShowMapping.findUniqueOrThrow({
      where: { userId_plexRatingKey: { userId, plexRatingKey: ratingKey } },
    });
    expect(mapping).toMatchObject({ tvshowId: null, syncEnabled: false, matchMethod: 'manual' });
    for (const log of logs) {
      expect(await q.queue.getJob(`replay-${log.id}`)).toBeUndefined();
      const row = await t.db.plexWebhookLog.findUniqueOrThrow({ where: { id: log.id } });
      expect(row).toMatchObject({ actionTaken: 'ignored_show', status: 'ignored' });
    }
  });

  test.each([
    ['no body', undefined, /action/],
    ['unknown action', { action: 'delete' }, /action must be one of/],
    ['selected without tvshowId', { action: 'selected' }, /tvshowId/],
    ['tvshowId a string', { action: 'user_selected', tvshowId: 'x' }, /tvshowId/],
    ['a show that does not exist', { action: 'user_selected', tvshowId: 999999 }, /does not exist/],
    ['create_new without a show', { action: 'create_new' }, /show/],
    [
      'a bad date',
      { action: 'create_new', show: { title: 'X', firstAired: '2020-13-45' } },
      /show.firstAired/,
    ],
  ])('400: %s, and the conflict stays open', async (_name, body, message) => {
    const { conflict } = await seedConflict({ held: 1 });
    const res = await api('POST', `/api/conflicts/${conflict.id}/resolve`, body ?? '');
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(message);
    const row = await t.db.plexConflict.findUniqueOrThrow({ where: { id: conflict.id } });
    expect(row.resolved).toBe(false);
  });

  test('malformed JSON -> 400', async () => {
    const { conflict } = await seedConflict({ held: 0 });
    const res = await api('POST', `/api/conflicts/${conflict.id}/resolve`, '{"action":');
    expect(res.status).toBe(400);
  });

  test('two concurrent resolutions: exactly one wins, the other gets 409', async () => {
    const { conflict, logs } = await seedConflict({ held: 2 });
    const results = await Promise.all([
      api('POST', `/api/conflicts/${conflict.id}/resolve`, { action: 'selected', tvshowId: icarly2021 }),
      api('POST', `/api/conflicts/${conflict.id}/resolve`, { action: 'selected', tvshowId: icarly2007 }),
      api('POST', `/api/conflicts/${conflict.id}/resolve`, { action: 'ignored' }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409, 409]);
    const winner = results.find((r) => r.status === 200)!;
    const row = await t.db.plexConflict.findUniqueOrThrow({ where: { id: conflict.id } });
    expect(row.resolutionAction).toBe(winner.body.conflict.resolutionAction);
    expect(await t.db.plexShowMapping.count({ where: { plexRatingKey: conflict.plexRatingKey } })).toBe(1);
    if (row.resolutionAction !== 'ignored') await expectReplayed(logs);
  });
});

describe('mappings', () => {
  test('list and delete', async () => {
    const mapping = await t.db.plexShowMapping.create({
      data: {
        userId,
        plexRatingKey: 'map-1',
        plexTitle: 'Bluey',
        tvshowId: icarly2021,
        matchMethod: 'tmdb_id',
        matchConfidence: 1,
      },
    });
    const list = await api('GET', `/api/mappings?userId=${userId}`);
    expect(list.status).toBe(200);
    const row = list.body.items.find((m: { id: number }) => m.id === mapping.id);
    expect(row).toMatchObject({ plexRatingKey: 'map-1', tvshow: { id: icarly2021, title: 'iCarly' } });
    expect((await api('DELETE', `/api/mappings/${mapping.id}`)).status).toBe(204);
    expect(await t.db.plexShowMapping.findUnique({ where: { id: mapping.id } })).toBeNull();
    expect((await api('DELETE', `/api/mappings/${mapping.id}`)).status).toBe(404);
  });
});

describe('webhook logs and stats', () => {
  let otherUser: number;
  beforeAll(async () => {
    otherUser = (await createUserWithSecret(t.db, 'logs-user')).id;
    const now = Date.now();
    const rows: Prisma.PlexWebhookLogCreateManyInput[] = [];
    for (let i = 0; i < 7; i++) {
      rows.push({
        userId: otherUser,
        status: i < 2 ? 'failed' : 'success',
        actionTaken: i < 2 ? null : 'episode_marked',
        errorMessage: i < 2 ? `boom ${i}` : null,
        eventType: 'media.scrobble',
        payload: { event: 'media.scrobble', i },
        receivedAt: new Date(now - i * 1000),
      });
    }
    // Older than 24 h: listed, but not in the stats window.
    rows.push({
      userId: otherUser,
      status: 'ignored',
      actionTaken: 'ignored_event',
      receivedAt: new Date(now - 48 * 3600_000),
    });
    await t.db.plexWebhookLog.createMany({ data: rows });
  });

  test('filters, newest first, without payload unless asked', async () => {
    const all = await api('GET', `/api/webhook-logs?userId=${otherUser}`);
    expect(all.status).toBe(200);
    expect(all.body.items).toHaveLength(8);
    const times = all.body.items.map((r: { receivedAt: string }) => Date.parse(r.receivedAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(all.body.items[0].payload).toBeUndefined();
    expect(all.body.nextCursor).toBeNull();
    const failed = await api(
      'GET',
      `/api/webhook-logs?userId=${otherUser}&status=failed&includePayload=true`,
    );
    expect(failed.body.items).toHaveLength(2);
    expect(failed.body.items[0].payload).toEqual({ event: 'media.scrobble', i: 0 });
    const marked = await api('GET', `/api/webhook-logs?userId=${otherUser}&action=episode_marked`);
    expect(marked.body.items).toHaveLength(5);
  });

  test('limit and cursor paging', async () => {
    const seen: number[] = [];
    let cursor: number | null = null;
    do {
      const page: Res = await api(
        'GET',
        `/api/webhook-logs?userId=${otherUser}&limit=3${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page.body.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.body.items.map((r: { id: number }) => r.id));
      cursor = page.body.nextCursor;
    } while (cursor !== null);
    expect(seen).toHaveLength(8);
    expect(new Set(seen).size).toBe(8);
    const offset = await api('GET', `/api/webhook-logs?userId=${otherUser}&limit=3&offset=3`);
    expect(offset.body.items.map((r: { id: number }) => r.id)).toEqual(seen.slice(3, 6));
  });

  test.each([['limit=0'], ['limit=501'], ['status=nope'], ['action=nope'], ['cursor=-1']])(
    '400 for %s',
    async (query) => {
      const res = await api('GET', `/api/webhook-logs?${query}`);
      expect(res.status).toBe(400);
    },
  );

  test('stats: last 24 h by status and action, latest failures, open conflicts, queue counts', async () => {
    const res = await api('GET', '/api/stats');
    expect(res.status).toBe(200);
    const failed = res.body.byStatus.find((s: { status: string }) => s.status === 'failed');
    expect(failed.count).toBeGreaterThanOrEqual(2);
    expect(failed.lastAt).toEqual(expect.any(String));
    expect(res.body.failedCount).toBe(failed.count);
    expect(
      res.body.byAction.find((a: { action: string }) => a.action === 'episode_marked').count,
    ).toBeGreaterThanOrEqual(5);
    // The 48 h old row is outside the window.
    expect(res.body.byAction.find((a: { action: string }) => a.action === 'ignored_event')).toBeUndefined();
    expect(res.body.recentFailures.length).toBeGreaterThanOrEqual(2);
    expect(res.body.recentFailures.length).toBeLessThanOrEqual(10);
    expect(res.body.recentFailures[0].errorMessage).toMatch(/boom/);
    expect(res.body.unresolvedConflicts).toBe(await t.db.plexConflict.count({ where: { resolved: false } }));
    expect(res.body.queue.counts).toEqual(
      expect.objectContaining({ waiting: expect.any(Number), failed: expect.any(Number) }),
    );
  });
});

describe('users', () => {
  test('create answers the user and its webhook URL; only the hash is stored', async () => {
    const res = await api('POST', '/api/users', { name: 'bob' });
    expect(res.status).toBe(201);
    expect(res.body.user).toEqual({ id: expect.any(Number), name: 'bob' });
    const url = new URL(res.body.webhookUrl);
    expect(`${url.origin}${url.pathname}`).toBe(`${PUBLIC_URL}/api/plex/webhook`);
    const secret = url.searchParams.get('secret')!;
    const config = await t.db.plexConfig.findUniqueOrThrow({ where: { userId: res.body.user.id } });
    expect(config.webhookSecretHash).toBe(hashSecret(secret));
    expect(JSON.stringify(config)).not.toContain(secret);
  });

  test.each([[{}], [{ name: '' }], [{ name: 42 }]])('create 400 for %j', async (body) => {
    const res = await api('POST', '/api/users', body);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/name/);
  });

  test('rotate: the old secret stops working at ingest, the new one works', async () => {
    const created = await api('POST', '/api/users', { name: 'carol' });
    const oldSecret = new URL(created.body.webhookUrl).searchParams.get('secret')!;
    const ingest = await listen(
      createIngestApp({
        config: IngestConfigSchema.parse({}),
        db: t.db,
        redis: q.redis,
        queue: q.queue,
        logger,
        metrics: createIngestMetrics(),
        lookupSecret: createSecretLookup(t.db, 0),
      }),
    );
    try {
      const post = (secret: string) =>
        fetch(`${ingest.url}/api/plex/webhook?secret=${encodeURIComponent(secret)}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(buildPlexPayload()),
        });
      expect((await post(oldSecret)).status).toBe(200);
      const rotated = await api('POST', `/api/users/${created.body.user.id}/rotate-secret`);
      expect(rotated.status).toBe(200);
      const newSecret = new URL(rotated.body.webhookUrl).searchParams.get('secret')!;
      expect(newSecret).not.toBe(oldSecret);
      expect(await t.db.plexConfig.count({ where: { webhookSecretHash: hashSecret(oldSecret) } })).toBe(0);
      expect((await post(oldSecret)).status).toBe(401);
      const accepted = await post(newSecret);
      expect(accepted.status).toBe(200);
      const job = await q.queue.getJob(((await accepted.json()) as { id: string }).id);
      expect(job?.data.userId).toBe(created.body.user.id);
    } finally {
      await ingest.close();
    }
    expect((await api('POST', '/api/users/999999/rotate-secret')).status).toBe(404);
  });

  test('plex-config: validated partial update', async () => {
    const res = await api('PATCH', `/api/users/${userId}/plex-config`, {
      enabled: false,
      plexUsernames: ['alice', '12345'],
      autoMarkWatched: false,
      autoResolve: true,
      matchThreshold: 0.9,
      plexServerUrl: 'http://192.168.1.10:32400',
      plexToken: 'plex-token-abc',
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      userId,
      enabled: false,
      plexUsernames: ['alice', '12345'],
      autoResolve: true,
      matchThreshold: 0.9,
      plexTokenSet: true,
    });
    expect(JSON.stringify(res.body)).not.toContain('plex-token-abc');
    const partial = await api('PATCH', `/api/users/${userId}/plex-config`, { enabled: true });
    expect(partial.body).toMatchObject({ enabled: true, autoResolve: true, matchThreshold: 0.9 });
    const row = await t.db.plexConfig.findUniqueOrThrow({ where: { userId } });
    expect(row).toMatchObject({ enabled: true, autoMarkWatched: false, plexToken: 'plex-token-abc' });
  });

  test.each([
    [{ matchThreshold: 1.5 }, /matchThreshold/],
    [{ matchThreshold: -0.1 }, /matchThreshold/],
    [{ enabled: 'yes' }, /enabled/],
    [{ plexServerUrl: 'ftp://x' }, /plexServerUrl/],
    [{ plexUsernames: 'alice' }, /plexUsernames/],
    [{ webhookSecretHash: 'x' }, /webhookSecretHash/],
  ])('plex-config 400 for %j', async (body, message) => {
    const res = await api('PATCH', `/api/users/${userId}/plex-config`, body);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(message);
  });

  test('plex-config 404 for an unknown user', async () => {
    expect((await api('PATCH', '/api/users/999999/plex-config', { enabled: true })).status).toBe(404);
  });
});

describe('catalogue import', () => {
  test('the demo catalogue a second time: everything unchanged', async () => {
    const res = await api('POST', '/api/catalog/import', catalog);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      shows: { created: 0, updated: 0, unchanged: 14 },
      episodes: { created: 0, updated: 0, unchanged: 27 },
      movies: { created: 0, updated: 0, unchanged: 6 },
    });
  });

  test('create, then update by tmdb id / imdb id / title + first aired, then unchanged', async () => {
    const first = {
      shows: [
        {
          title: 'Show A',
          firstAired: '2001-01-01',
          tmdbId: 900001,
          seasons: [{ number: 1, episodes: [{ number: 1, title: 'One' }] }],
        },
        { title: 'Show B', firstAired: '2002-02-02', imdbId: 'tt9000002' },
        { title: 'Show C', firstAired: '2003-03-03' },
      ],
      movies: [
        { title: 'Movie A', year: 2001, tmdbId: 900001 },
        { title: 'Movie B', year: 2002 },
      ],
    };
    const created = await api('POST', '/api/catalog/import', first);
    expect(created.body).toEqual({
      shows: { created: 3, updated: 0, unchanged: 0 },
      episodes: { created: 1, updated: 0, unchanged: 0 },
      movies: { created: 2, updated: 0, unchanged: 0 },
    });
    const second = {
      shows: [
        {
          title: 'Show A!',
          firstAired: '2001-01-01',
          tmdbId: 900001,
          seasons: [
            {
              number: 1,
              episodes: [
                { number: 1, title: 'One', airDate: '2001-01-01' },
                { number: 2, title: 'Two' },
              ],
            },
          ],
        },
        { title: 'Show B', firstAired: '2002-02-02', imdbId: 'tt9000002', tvdbId: 900002 },
        { title: 'show c', firstAired: '2003-03-03', lastAired: '2004-04-04' },
      ],
      movies: [
        { title: 'Movie A', year: 2001, tmdbId: 900001, imdbId: 'tt9000001' },
        { title: 'Movie B', year: 2002 },
      ],
    };
    const updated = await api('POST', '/api/catalog/import', second);
    expect(updated.body).toEqual({
      shows: { created: 0, updated: 3, unchanged: 0 },
      episodes: { created: 1, updated: 1, unchanged: 0 },
      movies: { created: 0, updated: 1, unchanged: 1 },
    });
    const showA = await t.db.tvShow.findUniqueOrThrow({ where: { tmdbId: 900001 } });
    expect(showA).toMatchObject({ title: 'Show A!', normalizedTitle: 'show a' });
    expect((await t.db.tvShow.findFirstOrThrow({ where: { normalizedTitle: 'show c' } })).title).toBe(
      'show c',
    );
    const again = await api('POST', '/api/catalog/import', second);
    expect(again.body).toEqual({
      shows: { created: 0, updated: 0, unchanged: 3 },
      episodes: { created: 0, updated: 0, unchanged: 2 },
      movies: { created: 0, updated: 0, unchanged: 2 },
    });
  });

  test.each([
    [{ shows: [{ title: 'X', firstAired: '2020-02-30' }] }, /shows.0.firstAired/],
    [{ shows: [{ title: 'X', firstAired: '20-01-01' }] }, /YYYY-MM-DD/],
    [{ shows: [{ firstAired: '2020-01-01' }] }, /shows.0.title/],
    [{ shows: [{ title: 'X', tmdbId: 'abc' }] }, /tmdbId/],
    [{ movies: [{ title: 'M', imdbId: '12345' }] }, /imdbId/],
    [[], /expected object/],
  ])('400 for an invalid catalogue %#', async (body, message) => {
    const res = await api('POST', '/api/catalog/import', body);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(message);
  });

  test('an import that fails half-way changes nothing (400)', async () => {
    const before = await t.db.tvShow.count();
    const res = await api('POST', '/api/catalog/import', {
      shows: [
        { title: 'Fresh Show', firstAired: '2010-01-01', tmdbId: 910001 },
        // Breaking Bad by tmdb id, but claiming Game of Thrones' tvdb id: the unique key refuses it.
        { title: 'Breaking Bad', firstAired: '2008-01-20', tmdbId: 1396, tvdbId: 121361 },
      ],
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/contradicts/);
    expect(await t.db.tvShow.count()).toBe(before);
    expect(await t.db.tvShow.findUnique({ where: { tmdbId: 910001 } })).toBeNull();
  });
});
